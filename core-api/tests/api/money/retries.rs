//! Retries with the same Idempotency-Key: a charge, a reservation or a payment happens once, and a failed one leaves no answer.

use super::*;

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
