//! Wallet, payments and refunds: money is never created or lost.

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

#[tokio::test]
async fn random_charges_payments_and_cancellations_from_many_clients_conserve_money() {
    // Arrange: 100 seats, 16 buyers, each running a random script concurrently.
    let app = TestApp::spawn().await;
    let perf = app.performance(10, 10, 6).await;
    let users = app.users(16).await;

    // Act
    let scripts = users.iter().enumerate().map(|(i, user)| {
        let (app, perf) = (&app, &perf);
        async move {
            let mut rng = StdRng::seed_from_u64(i as u64 + 7);
            let mut mine: Vec<String> = Vec::new();
            for _ in 0..10 {
                match rng.random_range(0..5) {
                    0 => {
                        let amount = *[50_000, 120_000, 300_000, 0, -5]
                            .choose(&mut rng)
                            .unwrap_or(&1);
                        charge(app, user, json!(amount), None).await;
                    }
                    1 | 2 => {
                        let n = rng.random_range(1..=2);
                        let seats: Vec<Uuid> = perf
                            .seat_ids
                            .choose_multiple(&mut rng, n)
                            .copied()
                            .collect();
                        let (status, hold) = app.hold(user, perf.id, &seats).await;
                        if status == StatusCode::CREATED {
                            let pay_now = rng.random_bool(0.5);
                            let body = json!({ "holdId": hold["data"]["holdId"], "payNow": pay_now,
                                "attendee": { "name": "Buyer", "phone": "010-1111-2222" } });
                            let (status, r) = app.post("/api/v1/reservations", user, body).await;
                            if status == StatusCode::CREATED {
                                mine.push(
                                    r["data"]["reservationId"]
                                        .as_str()
                                        .unwrap_or_default()
                                        .to_owned(),
                                );
                            }
                        }
                    }
                    3 => {
                        if let Some(id) = mine.choose(&mut rng) {
                            app.post("/api/v1/payments", user, json!({ "reservationId": id }))
                                .await;
                        }
                    }
                    _ => {
                        if let Some(id) = mine.choose(&mut rng) {
                            app.post(
                                &format!("/api/v1/reservations/{id}/cancel"),
                                user,
                                json!({}),
                            )
                            .await;
                        }
                    }
                }
            }
        }
    });
    futures::future::join_all(scripts).await;

    // Assert
    assert_money_is_conserved(&app).await;
    let paid = app.query_count("SELECT count(*) FROM payments").await;
    let refunded = app
        .query_count("SELECT count(*) FROM payments WHERE status = 'REFUNDED'")
        .await;
    assert!(paid > 0, "the run paid for something");
    eprintln!("money run: {paid} payments, {refunded} refunded");
}

#[tokio::test]
async fn two_payments_of_one_reservation_at_once_charge_once() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;
    let id = reservation(&app, &user, perf.id, &perf.seat_ids).await;
    charge(&app, &user, json!(500_000), None).await;

    let pay = || app.post("/api/v1/payments", &user, json!({ "reservationId": id }));
    let (a, b) = tokio::join!(pay(), pay());

    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        a.1,
        b.1
    );
    let loser = if a.0 == StatusCode::CONFLICT {
        &a.1
    } else {
        &b.1
    };
    assert_eq!(error_code(loser), "ALREADY_PAID");
    assert_eq!(balance(&app, &user).await, 400_000, "debited once");
    let (_, r) = app.get(&format!("/api/v1/reservations/{id}"), &user).await;
    assert_eq!(r["data"]["status"], "CONFIRMED");
    assert!(app.seat_map(perf.id).await.iter().all(|(_, s)| s == "SOLD"));
    assert_money_is_conserved(&app).await;
}

#[tokio::test]
async fn a_retried_charge_with_the_same_idempotency_key_charges_once() {
    let app = TestApp::spawn().await;
    let user = app.user().await;

    let (status, first, replayed) = charge(&app, &user, json!(70_000), Some("charge-1")).await;
    assert_eq!((status, replayed), (StatusCode::OK, false));
    let retries = futures::future::join_all(
        (0..5).map(|_| charge(&app, &user, json!(70_000), Some("charge-1"))),
    )
    .await;
    for (status, body, replayed) in &retries {
        assert_eq!((*status, *replayed), (StatusCode::OK, true));
        assert_eq!(body, &first, "the first answer, replayed");
    }
    let (status, body, _) = charge(&app, &user, json!(80_000), Some("charge-1")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED")
    );
    assert_eq!(balance(&app, &user).await, 70_000);
    let (_, ledger) = app.get("/api/v1/wallet/transactions", &user).await;
    assert_eq!(ledger["data"].as_array().map(Vec::len), Some(1));

    let other = app.user().await;
    let (status, _, replayed) = charge(&app, &other, json!(10_000), Some("charge-1")).await;
    assert_eq!(
        (status, replayed),
        (StatusCode::OK, false),
        "keys are per user"
    );
}

#[tokio::test]
async fn a_retried_reservation_or_payment_with_the_same_key_happens_once() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;
    charge(&app, &user, json!(500_000), None).await;
    let (_, hold) = app.hold(&user, perf.id, &perf.seat_ids[0..1]).await;
    let body = json!({ "holdId": hold["data"]["holdId"], "attendee": { "name": "Kim", "phone": "010-1234-5678" } });
    let send = |path: &'static str, body: Value, key: &'static str| {
        app.client
            .post(app.url(path))
            .bearer_auth(&user.token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };

    let first: Value = send("/api/v1/reservations", body.clone(), "r-1")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let again = send("/api/v1/reservations", body, "r-1")
        .await
        .expect("sent");
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    let id = first["data"]["reservationId"].clone();
    let pay = json!({ "reservationId": id });
    let paid: Value = send("/api/v1/payments", pay.clone(), "p-1")
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let repaid = send("/api/v1/payments", pay, "p-1").await.expect("sent");
    assert_eq!(
        repaid.status(),
        StatusCode::CREATED,
        "the retry replays the 201, not ALREADY_PAID"
    );
    assert_eq!(repaid.json::<Value>().await.expect("json"), paid);
    assert_eq!(balance(&app, &user).await, 450_000);
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        1
    );
}

#[tokio::test]
async fn a_reservation_whose_hold_lapses_at_the_last_step_leaves_no_answer_behind_its_key() {
    // The answer to a keyed reservation is stored inside its transaction, before the hold is
    // ended in Redis. Here that last step fails, so the transaction rolls back with the
    // answer in it: a retry must not get a 201 for a reservation that does not exist, nor be
    // told the first request is still running.
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;
    let seat = perf.seat_ids[0];
    let (_, hold) = app.hold(&user, perf.id, &[seat]).await;
    let claims: Vec<String> = app
        .redis_keys()
        .await
        .into_iter()
        .filter(|k| k.ends_with(&format!(":seat:{seat}")))
        .collect();
    assert_eq!(claims.len(), 1, "the hold's claim on the seat");
    let redis = crate::helpers::redis_client().await;
    let _: i64 = fred::interfaces::KeysInterface::del(&redis, claims)
        .await
        .expect("del");

    let body = json!({ "holdId": hold["data"]["holdId"], "attendee": { "name": "Kim", "phone": "010-1234-5678" } });
    for attempt in ["first", "retry"] {
        let response = app
            .client
            .post(app.url("/api/v1/reservations"))
            .bearer_auth(&user.token)
            .header("Idempotency-Key", "lapsed-1")
            .json(&body)
            .send()
            .await
            .expect("sent");
        let status = response.status();
        let answer: Value = response.json().await.expect("json");
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::CONFLICT, "HOLD_EXPIRED"),
            "{attempt}: {answer}"
        );
    }
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        0
    );
    assert_eq!(
        app.query_count(&format!(
            "SELECT count(*) FROM seats WHERE id = '{seat}' AND status = 'AVAILABLE'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn bad_money_requests_get_clear_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let (alice, mallory) = (app.user().await, app.user().await);
    let id = reservation(&app, &alice, perf.id, &perf.seat_ids[0..1]).await;
    charge(&app, &alice, json!(10_000), None).await;

    for amount in [
        json!(0),
        json!(-1000),
        json!(1.5),
        json!("1000"),
        json!(2_000_001),
        json!(null),
        json!(1e30),
    ] {
        let (status, body, _) = charge(&app, &alice, amount.clone(), None).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
            "amount {amount}"
        );
    }
    for _ in 0..5 {
        charge(&app, &alice, json!(2_000_000), None).await;
    }
    let (status, body, _) = charge(&app, &alice, json!(2_000_000), None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "WALLET_LIMIT_EXCEEDED")
    );
    let before = balance(&app, &alice).await;

    let (status, body) = app
        .post("/api/v1/payments", &mallory, json!({ "reservationId": id }))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN"),
        "paying someone else's reservation"
    );
    let (status, _) = app
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "reservationId": Uuid::new_v4() }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "reservationId": "nope" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let poor = app.user().await;
    let poor_id = reservation(&app, &poor, perf.id, &perf.seat_ids[1..2]).await;
    let (status, body) = app
        .post(
            "/api/v1/payments",
            &poor,
            json!({ "reservationId": poor_id }),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::PAYMENT_REQUIRED, "INSUFFICIENT_BALANCE")
    );
    assert_eq!(body["error"]["details"]["required"], 50_000);

    let cancel = format!("/api/v1/reservations/{id}/cancel");
    let (status, _) = app.post(&cancel, &mallory, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.post(&cancel, &alice, json!({})).await.0, StatusCode::OK);
    let (status, body) = app.post(&cancel, &alice, json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "RESERVATION_NOT_CANCELLABLE"),
        "cancelling twice"
    );
    let (status, body) = app
        .post("/api/v1/payments", &alice, json!({ "reservationId": id }))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "RESERVATION_CANCELLED")
    );

    assert_eq!(balance(&app, &alice).await, before, "nothing moved");
    assert_eq!(app.query_count("SELECT count(*) FROM payments").await, 0);
    assert_money_is_conserved(&app).await;
}

#[tokio::test]
async fn cancelling_a_paid_reservation_refunds_it_and_frees_the_seats_at_once() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    charge(&app, &alice, json!(200_000), None).await;
    let (_, hold) = app.hold(&alice, perf.id, &perf.seat_ids).await;
    let body = json!({ "holdId": hold["data"]["holdId"], "payNow": true, "attendee": { "name": "Kim", "phone": "010-1234-5678" } });
    let (status, r) = app.post("/api/v1/reservations", &alice, body).await;
    assert_eq!(
        (status, r["data"]["status"].as_str()),
        (StatusCode::CREATED, Some("CONFIRMED")),
        "{r}"
    );
    assert_eq!(balance(&app, &alice).await, 100_000);
    let id = r["data"]["reservationId"].as_str().expect("id");
    let (_, read) = app.get(&format!("/api/v1/reservations/{id}"), &alice).await;
    assert_eq!(
        read["data"], r["data"],
        "paid at once: the answer is what a read returns"
    );

    let (status, cancelled) = app
        .post(
            &format!("/api/v1/reservations/{id}/cancel"),
            &alice,
            json!({}),
        )
        .await;

    assert_eq!(
        (status, cancelled["data"]["status"].as_str()),
        (StatusCode::OK, Some("CANCELLED"))
    );
    assert_eq!(balance(&app, &alice).await, 200_000, "refunded");
    let (_, ledger) = app.get("/api/v1/wallet/transactions", &alice).await;
    let kinds: Vec<&str> = ledger["data"]
        .as_array()
        .expect("ledger")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["REFUND", "PAYMENT", "CHARGE"]);
    assert!(
        app.seat_map(perf.id)
            .await
            .iter()
            .all(|(_, s)| s == "AVAILABLE")
    );
    assert_eq!(
        app.hold(&bob, perf.id, &perf.seat_ids).await.0,
        StatusCode::CREATED,
        "re-holdable at once"
    );
    assert_money_is_conserved(&app).await;
}

#[tokio::test]
async fn pay_now_without_enough_balance_changes_nothing_and_keeps_the_hold() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let user = app.user().await;
    let (_, hold) = app.hold(&user, perf.id, &perf.seat_ids).await;
    let body = json!({ "holdId": hold["data"]["holdId"], "payNow": true, "attendee": { "name": "Kim", "phone": "010-1234-5678" } });

    let (status, answer) = app.post("/api/v1/reservations", &user, body.clone()).await;

    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::PAYMENT_REQUIRED, "INSUFFICIENT_BALANCE")
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        0
    );
    assert_eq!(app.seat_map(perf.id).await[0].1, "HELD");
    charge(&app, &user, json!(50_000), None).await;
    let (status, r) = app.post("/api/v1/reservations", &user, body).await;
    assert_eq!(
        (status, r["data"]["status"].as_str()),
        (StatusCode::CREATED, Some("CONFIRMED"))
    );
    assert_eq!(balance(&app, &user).await, 0);
}
