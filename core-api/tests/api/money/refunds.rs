//! Bad money requests, refunds on cancellation, and paying at once without the balance.

use super::*;

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
