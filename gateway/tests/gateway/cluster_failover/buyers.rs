//! The buyers of the failover test and what it checks afterwards: one hold, reserve and
//! (usually) cancel cycle through the gateway with every answer noted, and the seat rows
//! checked against the live reservations in Postgres.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use rand::seq::IndexedRandom;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Stack, User};

/// What every answer was, by "step status" (or "step error" when none came), and the
/// answers no client should get (no answer at all, 5xx other than 503).
#[derive(Default)]
pub(super) struct Answers {
    counts: Mutex<BTreeMap<String, usize>>,
    pub(super) unacceptable: Mutex<Vec<String>>,
    pub(super) reserved: AtomicUsize,
}

impl Answers {
    fn note(&self, step: &str, outcome: &Result<(StatusCode, Value), String>) {
        let (label, acceptable) = match outcome {
            Ok((status, _)) => (
                format!("{step} {}", status.as_u16()),
                matches!(status.as_u16(), 200..=499 | 503),
            ),
            Err(e) => (format!("{step} error: {e}"), false),
        };
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(label.clone()).or_default() += 1;
        }
        if acceptable {
            return;
        }
        if let Ok(mut bad) = self.unacceptable.lock() {
            bad.push(format!("{label}: {outcome:?}"));
        }
    }

    pub(super) fn snapshot(&self) -> BTreeMap<String, usize> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// One request through the gateway (a POST with `body`, or a DELETE when it is null),
/// answered within 10 s or counted as a hang.
async fn call(
    client: &reqwest::Client,
    gateway: SocketAddr,
    token: &str,
    path: &str,
    body: Value,
) -> Result<(StatusCode, Value), String> {
    let method = if body.is_null() {
        reqwest::Method::DELETE
    } else {
        reqwest::Method::POST
    };
    let mut request = client
        .request(method, format!("http://{gateway}{path}"))
        .bearer_auth(token);
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timeout".to_owned()
            } else {
                e.to_string()
            }
        })?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Hold one or two random seats, reserve them, and usually cancel again so seats keep
/// changing hands; every answer is noted.
pub(super) async fn cycle(
    client: &reqwest::Client,
    gateway: SocketAddr,
    buyer: &User,
    perf: Uuid,
    seats: &[Uuid],
    answers: &Answers,
) {
    let wanted: Vec<Uuid> = {
        let mut rng = rand::rng();
        let n = if rand::random_bool(0.5) { 1 } else { 2 };
        seats.choose_multiple(&mut rng, n).copied().collect()
    };
    let hold = call(
        client,
        gateway,
        &buyer.token,
        "/api/v1/holds",
        json!({ "performanceId": perf, "seatIds": wanted }),
    )
    .await;
    answers.note("hold", &hold);
    let Ok((StatusCode::CREATED, hold)) = hold else {
        return;
    };
    let hold_id = hold["data"]["holdId"].clone();
    let reservation = call(
        client,
        gateway,
        &buyer.token,
        "/api/v1/reservations",
        json!({ "holdId": hold_id, "attendee": { "name": "Kim", "phone": "010-1234-5678" } }),
    )
    .await;
    answers.note("reserve", &reservation);
    let Ok((StatusCode::CREATED, reservation)) = reservation else {
        // Give the seats back rather than sit on them until the hold lapses.
        let path = format!("/api/v1/holds/{}", hold_id.as_str().unwrap_or_default());
        let release = call(client, gateway, &buyer.token, &path, Value::Null).await;
        answers.note("release", &release);
        return;
    };
    answers.reserved.fetch_add(1, Ordering::Relaxed);
    if rand::random_bool(0.75) {
        let id = reservation["data"]["reservationId"]
            .as_str()
            .unwrap_or_default();
        let cancel = call(
            client,
            gateway,
            &buyer.token,
            &format!("/api/v1/reservations/{id}/cancel"),
            json!({}),
        )
        .await;
        answers.note("cancel", &cancel);
    }
}

/// Seats in more than one live reservation, and seats whose row disagrees with the live
/// reservations (RESERVED or SOLD without exactly one, or AVAILABLE with one).
pub(super) async fn double_sales_and_mismatches(stack: &Stack, perf: Uuid) -> (i64, i64) {
    use sea_orm::ConnectionTrait;
    let count = |sql: String| async move {
        let row = stack
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql,
            ))
            .await
            .expect("query")
            .expect("row");
        row.try_get_by_index::<i64>(0).expect("count")
    };
    let doubles = count(
        "SELECT count(*) FROM (SELECT seat_id FROM reservation_seats rs \
           JOIN reservations r ON r.id = rs.reservation_id \
          WHERE r.status IN ('PENDING_PAYMENT', 'CONFIRMED') \
          GROUP BY seat_id HAVING count(*) > 1) d"
            .to_owned(),
    )
    .await;
    let mismatches = count(format!(
        "SELECT count(*) FROM seats s WHERE s.performance_id = '{perf}' AND \
           (SELECT count(*) FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id \
             WHERE rs.seat_id = s.id AND r.status IN ('PENDING_PAYMENT', 'CONFIRMED') \
               AND r.id = s.reservation_id) \
           <> CASE WHEN s.status IN ('RESERVED', 'SOLD') THEN 1 ELSE 0 END"
    ))
    .await;
    (doubles, mismatches)
}
