//! The refund cut-off: buyers cancel paid tickets until `refundCutoffMinutes` before the start
//! and unpaid reservations until the start; admins cancel and refund at any time.

use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{Performance, TestApp, TestUser, error_code},
    money::{assert_money_is_conserved, balance, charge},
};

/// A one-row performance starting at `starts_at`, on sale until then.
async fn performance_starting(
    app: &TestApp,
    starts_at: DateTime<Utc>,
    refund_cutoff_minutes: i32,
) -> Performance {
    let now = Utc::now();
    app.performance_with(
        1,
        2,
        json!({
            "startsAt": starts_at,
            "saleOpensAt": now - Duration::hours(2),
            "saleClosesAt": starts_at.max(now + Duration::hours(1)),
            "refundCutoffMinutes": refund_cutoff_minutes,
            "prices": { "R": 50000 },
        }),
    )
    .await
}

/// Holds `seats` and reserves them (paid from the wallet when `pay_now`).
async fn reserve(
    app: &TestApp,
    user: &TestUser,
    perf: &Performance,
    seats: &[Uuid],
    pay_now: bool,
) -> Value {
    let (status, hold) = app.hold(user, perf.id, seats).await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let body = json!({ "holdId": hold["data"]["holdId"], "payNow": pay_now,
        "attendee": { "name": "Kim Minsu", "phone": "010-1234-5678" } });
    let (status, r) = app.post("/api/v1/reservations", user, body).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r["data"].clone()
}

/// (reservation status, seat statuses in seat order, payment status or "") read in SQL.
async fn stored_state(app: &TestApp, id: &str) -> (String, Vec<String>, String) {
    let status = app
        .query_strings(&format!(
            "SELECT status FROM reservations WHERE id = '{id}'"
        ))
        .await;
    let seats = app
        .query_strings(&format!(
            "SELECT s.status FROM reservation_seats rs JOIN seats s ON s.id = rs.seat_id \
             WHERE rs.reservation_id = '{id}' ORDER BY s.id"
        ))
        .await;
    let payment = app
        .query_strings(&format!(
            "SELECT status FROM payments WHERE reservation_id = '{id}'"
        ))
        .await;
    (
        status.concat(),
        seats,
        payment.into_iter().next().unwrap_or_default(),
    )
}

/// The reservation is CANCELLED, its two seats AVAILABLE, its payment REFUNDED and the
/// buyer's balance back to `balance_before`.
async fn assert_cancelled_and_refunded(
    app: &TestApp,
    id: &str,
    buyer: &TestUser,
    balance_before: i64,
) {
    assert_eq!(
        stored_state(app, id).await,
        (
            "CANCELLED".into(),
            vec!["AVAILABLE".into(); 2],
            "REFUNDED".into()
        )
    );
    assert_eq!(balance(app, buyer).await, balance_before, "refunded");
}

fn cancel_path(id: &str) -> String {
    format!("/api/v1/reservations/{id}/cancel")
}

#[tokio::test]
async fn a_buyer_cannot_cancel_a_paid_ticket_after_the_cutoff_but_an_admin_can_and_refunds_it() {
    let app = TestApp::spawn().await;
    // Starts in two hours; refunds close three hours before the start, so already now.
    let starts_at = Utc::now() + Duration::hours(2);
    let perf = performance_starting(&app, starts_at, 180).await;
    let alice = app.user().await;
    charge(&app, &alice, json!(200_000), None).await;
    let r = reserve(&app, &alice, &perf, &perf.seat_ids, true).await;
    let id = r["reservationId"].as_str().expect("id");
    let cutoff: DateTime<Utc> = r["cancellableUntil"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("cancellableUntil");
    let before = stored_state(&app, id).await;
    assert_eq!(
        before,
        ("CONFIRMED".into(), vec!["SOLD".into(); 2], "PAID".into())
    );
    assert_eq!(balance(&app, &alice).await, 100_000);

    let (status, body) = app.post(&cancel_path(id), &alice, json!({})).await;

    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_code(&body), "CANCELLATION_CLOSED");
    assert_eq!(body["error"]["details"]["refundCutoffMinutes"], 180);
    let refused_until: DateTime<Utc> = body["error"]["details"]["cancellableUntil"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("details.cancellableUntil");
    assert_eq!(refused_until, cutoff);
    let starts: DateTime<Utc> = body["error"]["details"]["startsAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("details.startsAt");
    assert_eq!(starts - refused_until, Duration::minutes(180));
    assert_eq!(stored_state(&app, id).await, before, "nothing changed");
    assert_eq!(balance(&app, &alice).await, 100_000, "no refund");
    assert_eq!(
        app.query_count("SELECT count(*) FROM wallet_ledger WHERE kind = 'REFUND'")
            .await,
        0
    );

    // An admin still can, and the money goes back to the buyer.
    let (status, body) = app.post(&cancel_path(id), &app.admin, json!({})).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["cancellableUntil"], Value::Null);
    assert_cancelled_and_refunded(&app, id, &alice, 200_000).await;
    let audited = app
        .query_strings(&format!(
            "SELECT concat_ws(' ', action, actor_id, after->>'refunded', after->>'pastBuyerDeadline') \
             FROM audit_log WHERE entity_type = 'reservation' AND entity_id = '{id}'"
        ))
        .await;
    assert_eq!(
        audited,
        [format!("reservation.cancel {} 100000 true", app.admin.id)]
    );
    assert_money_is_conserved(&app).await;
}

#[tokio::test]
async fn a_buyer_cancels_a_paid_ticket_for_a_refund_until_the_cutoff_the_admin_sets() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let alice = app.user().await;
    charge(&app, &alice, json!(200_000), None).await;
    let r = reserve(&app, &alice, &perf, &perf.seat_ids, true).await;
    let id = r["reservationId"].as_str().expect("id");
    let cutoff_path = format!("/api/v1/admin/performances/{}/refund-cutoff", perf.id);
    let set_cutoff = async |minutes: Value| {
        app.call(
            Method::PUT,
            &cutoff_path,
            Some(&app.admin.token),
            Some(json!({ "refundCutoffMinutes": minutes })),
        )
        .await
    };

    // Eight days before a show a week away: closed already.
    let (status, view) = set_cutoff(json!(8 * 1440)).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["data"]["refundCutoffMinutes"], 8 * 1440);
    let (status, body) = app.post(&cancel_path(id), &alice, json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "CANCELLATION_CLOSED")
    );
    // Bad values are refused and change nothing.
    for bad in [json!(-1), json!(525_601), json!("a day")] {
        let (status, body) = set_cutoff(bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(error_code(&body), "VALIDATION_FAILED");
    }
    assert_eq!(
        app.query_count(&format!(
            "SELECT refund_cutoff_minutes::bigint FROM performances WHERE id = '{}'",
            perf.id
        ))
        .await,
        8 * 1440
    );

    // An hour before the start: open again.
    set_cutoff(json!(60)).await;
    let (_, read) = app.get(&format!("/api/v1/reservations/{id}"), &alice).await;
    let until: DateTime<Utc> = read["data"]["cancellableUntil"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("cancellableUntil");
    assert!(until > Utc::now() + Duration::days(6), "{read}");
    let (status, body) = app.post(&cancel_path(id), &alice, json!({})).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_cancelled_and_refunded(&app, id, &alice, 200_000).await;
    assert_eq!(
        app.query_count("SELECT count(*) FROM audit_log WHERE entity_type = 'reservation'")
            .await,
        0,
        "a buyer's own cancellation is not an admin action"
    );
    assert_money_is_conserved(&app).await;
}

#[tokio::test]
async fn an_unpaid_reservation_can_be_cancelled_after_the_cutoff_until_the_start() {
    let app = TestApp::spawn().await;
    let alice = app.user().await;
    // Past the refund cut-off, before the start.
    let soon = performance_starting(&app, Utc::now() + Duration::hours(2), 1440).await;
    let r = reserve(&app, &alice, &soon, &soon.seat_ids[..1], false).await;
    let id = r["reservationId"].as_str().expect("id");
    assert_eq!(r["status"], "PENDING_PAYMENT");

    let (status, body) = app.post(&cancel_path(id), &alice, json!({})).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(stored_state(&app, id).await.0, "CANCELLED");

    // Started a minute ago (its sale still open): too late even without a payment.
    let started = performance_starting(&app, Utc::now() - Duration::minutes(1), 0).await;
    let r = reserve(&app, &alice, &started, &started.seat_ids[..1], false).await;
    let id = r["reservationId"].as_str().expect("id");

    let (status, body) = app.post(&cancel_path(id), &alice, json!({})).await;

    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "CANCELLATION_CLOSED"),
        "{body}"
    );
    assert_eq!(
        stored_state(&app, id).await,
        (
            "PENDING_PAYMENT".into(),
            vec!["RESERVED".into()],
            String::new()
        )
    );
}

#[tokio::test]
async fn a_performance_with_a_bad_refund_cutoff_is_refused_and_not_created() {
    let app = TestApp::spawn().await;
    let event_id = app.event(1, 1).await;
    let path = format!("/api/v1/admin/events/{event_id}/performances");
    let now = Utc::now();
    let body = |cutoff: Value| {
        json!({ "startsAt": now + Duration::days(3), "saleOpensAt": now,
            "saleClosesAt": now + Duration::days(3), "prices": { "R": 1000 },
            "refundCutoffMinutes": cutoff })
    };

    for bad in [json!(-1), json!(1_000_000), json!(1.5)] {
        let (status, answer) = app.post(&path, &app.admin, body(bad.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
        assert_eq!(error_code(&answer), "VALIDATION_FAILED");
    }
    assert_eq!(
        app.query_count("SELECT count(*) FROM performances").await,
        0
    );

    let (status, created) = app.post(&path, &app.admin, body(json!(0))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["data"]["refundCutoffMinutes"], 0);
    assert_eq!(
        created["data"]["refundCutoffAt"],
        created["data"]["startsAt"]
    );
    let mut defaulted = body(Value::Null);
    defaulted
        .as_object_mut()
        .map(|o| o.remove("refundCutoffMinutes"));
    let (_, created) = app.post(&path, &app.admin, defaulted).await;
    assert_eq!(created["data"]["refundCutoffMinutes"], 1440, "{created}");
}
