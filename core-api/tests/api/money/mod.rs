//! Wallet, payments and refunds: money is never created or lost.
//!
//! The shared helpers are here; the tests in `conservation`, `retries` and `refunds`.

mod conservation;
mod refunds;
mod retries;

use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, error_code};

pub async fn charge(
    app: &TestApp,
    user: &TestUser,
    amount: Value,
    key: Option<&str>,
) -> (StatusCode, Value, bool) {
    let mut request = app
        .client
        .post(app.url("/api/v1/wallet/charge"))
        .bearer_auth(&user.token)
        .json(&json!({ "amount": amount }));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let replayed = response.headers().contains_key("idempotent-replayed");
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        replayed,
    )
}

pub async fn balance(app: &TestApp, user: &TestUser) -> i64 {
    let (status, wallet) = app.get("/api/v1/wallet", user).await;
    assert_eq!(status, StatusCode::OK, "{wallet}");
    wallet["data"]["balance"].as_i64().expect("balance")
}

/// Holds `seats` and reserves them; returns the reservation id.
async fn reservation(
    app: &TestApp,
    user: &TestUser,
    performance_id: Uuid,
    seats: &[Uuid],
) -> String {
    let (status, hold) = app.hold(user, performance_id, seats).await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let (status, r) = app
        .reserve(user, hold["data"]["holdId"].as_str().expect("hold id"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r["data"]["reservationId"].as_str().expect("id").to_owned()
}

/// The money invariants, checked in SQL.
pub async fn assert_money_is_conserved(app: &TestApp) {
    let checks = [
        (
            "balance = sum of its ledger",
            "SELECT count(*) FROM wallets w WHERE balance <> \
            (SELECT coalesce(sum(amount), 0) FROM wallet_ledger l WHERE l.user_id = w.user_id)",
        ),
        (
            "totalCharged = sum of charges",
            "SELECT count(*) FROM wallets w WHERE total_charged <> \
            (SELECT coalesce(sum(amount), 0) FROM wallet_ledger l WHERE l.user_id = w.user_id AND kind = 'CHARGE')",
        ),
        (
            "CONFIRMED has a PAID payment",
            "SELECT count(*) FROM reservations r WHERE status = 'CONFIRMED' AND NOT EXISTS \
            (SELECT 1 FROM payments p WHERE p.reservation_id = r.id AND p.status = 'PAID')",
        ),
        (
            "PAID payment belongs to a CONFIRMED reservation",
            "SELECT count(*) FROM payments p JOIN reservations r \
            ON r.id = p.reservation_id WHERE p.status = 'PAID' AND r.status <> 'CONFIRMED'",
        ),
        (
            "payment amount = reservation total",
            "SELECT count(*) FROM payments p JOIN reservations r \
            ON r.id = p.reservation_id WHERE p.amount <> r.total_amount",
        ),
        (
            "every payment debited once",
            "SELECT count(*) FROM payments p WHERE (SELECT count(*) FROM wallet_ledger l \
            WHERE l.reservation_id = p.reservation_id AND l.kind = 'PAYMENT') <> 1",
        ),
        (
            "every refund matches a REFUNDED payment",
            "SELECT count(*) FROM payments p WHERE (p.status = 'REFUNDED') <> \
            EXISTS (SELECT 1 FROM wallet_ledger l WHERE l.reservation_id = p.reservation_id AND l.kind = 'REFUND')",
        ),
        (
            "SOLD seats belong to CONFIRMED reservations",
            "SELECT count(*) FROM seats s LEFT JOIN reservations r \
            ON r.id = s.reservation_id WHERE s.status = 'SOLD' AND r.status IS DISTINCT FROM 'CONFIRMED'",
        ),
        (
            "no seat in two live reservations",
            "SELECT count(*) FROM (SELECT seat_id FROM reservation_seats WHERE live \
            GROUP BY seat_id HAVING count(*) > 1) d",
        ),
    ];
    for (what, sql) in checks {
        assert_eq!(app.query_count(sql).await, 0, "invariant broken: {what}");
    }
    let charged = app
        .query_count(
            "SELECT coalesce(sum(amount), 0)::bigint FROM wallet_ledger WHERE kind = 'CHARGE'",
        )
        .await;
    let held = app
        .query_count("SELECT coalesce(sum(balance), 0)::bigint FROM wallets")
        .await;
    let paid = app
        .query_count("SELECT coalesce(sum(amount), 0)::bigint FROM payments WHERE status = 'PAID'")
        .await;
    assert_eq!(
        charged,
        held + paid,
        "money charged = money in wallets + money paid for live sales"
    );
}
