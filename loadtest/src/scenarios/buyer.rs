//! One flash-sale buyer's steps: sign in, wait in the queue, hold (with double clicks and
//! fallbacks), abandon or charge → reserve → pay with Idempotency-Keys and retries.

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use rand::Rng;
use reqwest::Method;
use serde_json::{Value, json};

use super::sale::Shared;
use crate::{
    client::{Api, Call, Reply},
    setup::{self, str_of},
};

fn sleep_ms(ms: u64) -> tokio::time::Sleep {
    tokio::time::sleep(Duration::from_millis(ms))
}

/// Sleeps as a polite client after a refusal (Retry-After, or a short back-off).
async fn back_off(reply: &Reply, default_ms: u64) {
    let secs = reply.body["error"]["details"]["retryAfterSeconds"].as_u64();
    sleep_ms(secs.map_or(default_ms, |s| s * 1000)).await;
}

pub(super) async fn buyer(s: &Shared, i: usize) {
    let api = &s.api;
    let token = match &s.tokens[i] {
        Some(t) => t.clone(),
        None => {
            let r = api
                .send(
                    Call::new("login", Method::POST, "/auth/login")
                        .json(json!({"email": s.emails[i], "password": setup::PASSWORD})),
                )
                .await;
            match r.data()["accessToken"].as_str() {
                Some(t) => t.to_owned(),
                None => return,
            }
        }
    };
    let token = token.as_str();
    let Some(pass) = wait_in_queue(s, token).await else {
        return;
    };

    let (mut quantity, style, double_click) = {
        let mut rng = rand::rng();
        (
            rng.random_range(1..=4usize),
            rng.random_range(0..10u8),
            rng.random_bool(s.args.double_click_share),
        )
    };
    if style == 0 {
        // A few look at the whole seat map first, as a browser would.
        api.send(Call::new(
            "seat_map",
            Method::GET,
            format!("/performances/{}/seats", s.perf),
        ))
        .await;
    }
    let mut explicit = style < 6;
    let started = Instant::now();
    let hold = loop {
        if s.sold_out.load(Ordering::Relaxed) || started.elapsed() > Duration::from_secs(90) {
            return;
        }
        let body = if explicit {
            let pool = if style < 4 { s.front } else { s.seats.len() };
            let at = rand::rng().random_range(0..pool.saturating_sub(quantity).max(1));
            let ids: Vec<&str> = s.seats[at..(at + quantity).min(s.seats.len())]
                .iter()
                .map(|x| x.id.as_str())
                .collect();
            json!({"performanceId": s.perf, "seatIds": ids})
        } else {
            json!({"performanceId": s.perf, "quantity": quantity})
        };
        let call = || {
            Call::new("hold", Method::POST, "/holds")
                .token(token)
                .header("Queue-Token", pass.clone())
                .json(body.clone())
        };
        let (r, twin) = if double_click {
            let (a, b) = tokio::join!(api.send(call()), api.send(call()));
            (a, Some(b))
        } else {
            (api.send(call()).await, None)
        };
        // A double click may win twice (best-available): give the spare back.
        let r = match twin {
            Some(b) if b.ok() && !r.ok() => b,
            Some(b) if b.ok() => {
                release(api, token, &b).await;
                r
            }
            _ => r,
        };
        if r.status == 201 {
            break r;
        }
        match (r.status, r.code()) {
            (409, "SEAT_UNAVAILABLE") => explicit = false,
            (422, "SEATS_NOT_AVAILABLE_TOGETHER") if quantity > 1 => quantity -= 1,
            // The rest is held by others; abandoned holds come back when they expire.
            (422, "SEATS_NOT_AVAILABLE_TOGETHER") => {
                let pause = rand::rng().random_range(1000..2000);
                sleep_ms(pause).await
            }
            (409, "DUPLICATE_REQUEST") | (429, _) => back_off(&r, 1000).await,
            (403, _) | (401, _) | (422, "SEAT_LIMIT_EXCEEDED") => return,
            // 503 (a dependency is saturated) or no answer: back off like a polite client.
            _ => back_off(&r, 1000).await,
        }
    };

    let (abandon, retry, pay_now) = {
        let mut rng = rand::rng();
        (
            rng.random_bool(s.args.abandon_share),
            rng.random_bool(s.args.retry_share),
            rng.random_bool(0.5),
        )
    };
    if abandon {
        // Half close the tab (the hold expires), half press "cancel".
        if i % 2 == 0 {
            release(api, token, &hold).await;
        }
        return;
    }
    let hold_id = str_of(&hold.data()["holdId"]);
    let amount = hold.data()["totalAmount"].as_i64().unwrap_or(40_000);
    let charge = api
        .send(
            Call::new("wallet_charge", Method::POST, "/wallet/charge")
                .token(token)
                .header("Idempotency-Key", format!("lt-{}-{i}-charge", s.run))
                .json(json!({"amount": amount})),
        )
        .await;
    if !charge.ok() {
        return;
    }
    let reserve_body = json!({
        "holdId": hold_id,
        "attendee": {"name": format!("Buyer {i}"), "phone": "010-0000-0000"},
        "payNow": pay_now,
    });
    let key = format!("lt-{}-{i}-reserve", s.run);
    let Some(reservation) = send_retrying(
        s,
        "reserve",
        "/reservations",
        token,
        &key,
        &reserve_body,
        retry,
    )
    .await
    else {
        return;
    };
    if !pay_now {
        let key = format!("lt-{}-{i}-pay", s.run);
        let body = json!({"reservationId": reservation});
        if send_retrying(s, "pay", "/payments", token, &key, &body, retry)
            .await
            .is_none()
        {
            return;
        }
    }
    s.bought.fetch_add(1, Ordering::Relaxed);
}

/// Joins the waiting room and polls until admitted; the pass token, or None when sold out.
async fn wait_in_queue(s: &Shared, token: &str) -> Option<String> {
    let api = &s.api;
    let mut r = api
        .send(
            Call::new(
                "queue_join",
                Method::POST,
                format!("/queue/{}/join", s.perf),
            )
            .token(token),
        )
        .await;
    let ticket = r.data()["queueToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    loop {
        if s.sold_out.load(Ordering::Relaxed) {
            return None;
        }
        match (r.status, r.data()["status"].as_str()) {
            (200, Some("ADMITTED")) => return r.data()["passToken"].as_str().map(str::to_owned),
            (200, Some("WAITING")) => {
                let wait = r.data()["pollAfterMs"].as_u64().unwrap_or(1000);
                sleep_ms(wait.min(s.args.poll_cap_ms)).await;
            }
            (200, _) => return None,
            (429, _) => back_off(&r, 1000).await,
            _ if ticket.is_empty() => return None,
            _ => sleep_ms(500).await,
        }
        r = api
            .send(
                Call::new(
                    "queue_status",
                    Method::GET,
                    format!("/queue/{}/status", s.perf),
                )
                .token(token)
                .header("Queue-Token", ticket.clone()),
            )
            .await;
    }
}

/// Sends a write with an Idempotency-Key, retrying 503s with the same key; when `retry`,
/// resends it after the success (a double click at once and a late retry) and checks the
/// replay names the same id. Returns the reservation id.
async fn send_retrying(
    s: &Shared,
    op: &str,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
    retry: bool,
) -> Option<String> {
    let call = || {
        Call::new(op, Method::POST, path)
            .token(token)
            .header("Idempotency-Key", key.to_owned())
            .json(body.clone())
    };
    let mut first = None;
    for _ in 0..5 {
        let r = s.api.send(call()).await;
        if r.status == 201 || r.status == 200 {
            first = Some(str_of(&r.data()["reservationId"]));
            break;
        }
        if r.status == 503 || r.status == 0 || r.code() == "DUPLICATE_REQUEST" {
            back_off(&r, 300).await;
            continue;
        }
        return None;
    }
    let first = first?;
    if retry {
        // Immediately: the gateway sees the same write in flight (409) or core-api replays it.
        let again = s.api.send(call()).await;
        if again.ok() && str_of(&again.data()["reservationId"]) != first {
            s.idempotency_mismatch.fetch_add(1, Ordering::Relaxed);
        }
        // Later, past the gateway's duplicate window: core-api must replay the first answer
        // (a 503 is not stored, so it is retried like any 503).
        sleep_ms(3_100).await;
        for _ in 0..5 {
            let late = s.api.send(call()).await;
            if late.ok() {
                if str_of(&late.data()["reservationId"]) != first {
                    s.idempotency_mismatch.fetch_add(1, Ordering::Relaxed);
                }
                break;
            }
            if late.status != 503 && late.status != 0 && late.code() != "DUPLICATE_REQUEST" {
                s.idempotency_mismatch.fetch_add(1, Ordering::Relaxed);
                break;
            }
            back_off(&late, 1000).await;
        }
    }
    Some(first)
}

async fn release(api: &Api, token: &str, hold: &Reply) {
    let id = str_of(&hold.data()["holdId"]);
    api.send(Call::new("release", Method::DELETE, format!("/holds/{id}")).token(token))
        .await;
}
