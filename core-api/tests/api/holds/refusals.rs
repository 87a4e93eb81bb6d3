//! Holds refused: bad input, an expired hold, a seat Postgres has reserved.

use super::*;

#[tokio::test]
async fn bad_hold_requests_get_clear_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 3, 2).await;
    let other = app.performance(1, 1, 2).await;
    let user = app.user().await;
    let s = &perf.seat_ids;
    let path = "/api/v1/holds";

    let raw = |body: &'static str| {
        app.client
            .post(app.url(path))
            .bearer_auth(&user.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for body in [
        "{not json",
        "",
        "[]",
        "{\"performanceId\": 5, \"seatIds\": []}",
        "{\"performanceId\": \"x\"}",
    ] {
        let response = raw(body).await.expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body:?}");
        let json: serde_json::Value = response.json().await.expect("json envelope");
        assert_eq!(error_code(&json), "VALIDATION_FAILED", "{body:?}");
    }
    let huge = format!(
        "{{\"performanceId\":\"{}\",\"seatIds\":[\"{}\"],\"pad\":\"{}\"}}",
        perf.id,
        s[0],
        "x".repeat(2 << 20)
    );
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await;
    assert_eq!(
        response.expect("sent").status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let cases = [
        (
            json!({ "performanceId": perf.id, "seatIds": [] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [s[0], s[0]] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [other.seat_ids[0]] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [Uuid::new_v4()] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": Uuid::new_v4(), "seatIds": [s[0]] }),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [s[0], s[1], s[2]] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "SEAT_LIMIT_EXCEEDED",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = app.post(path, &user, body.clone()).await;
        assert_eq!((got, error_code(&answer)), (status, code), "{body}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let (status, body) = app
        .call(
            Method::POST,
            path,
            None,
            Some(json!({ "performanceId": perf.id, "seatIds": [s[0]] })),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );

    let (status, _) = app
        .post(
            &format!("/api/v1/admin/performances/{}/close-sale", perf.id),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.hold(&user, perf.id, &s[0..1]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "SALE_NOT_OPEN")
    );

    assert!(
        app.seat_map(perf.id)
            .await
            .iter()
            .all(|(_, s)| s == "AVAILABLE"),
        "nothing was held"
    );
    let seat_keys: HashSet<String> = app
        .redis_keys()
        .await
        .into_iter()
        .filter(|k| k.contains(":seat:"))
        .collect();
    assert!(
        seat_keys.is_empty(),
        "no seat key was written: {seat_keys:?}"
    );
}

#[tokio::test]
async fn an_expired_hold_frees_its_seats_and_cannot_be_reserved() {
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_HOLD_TTL_MS".into(), "1000".into());
        v.insert("CORE_HOLD_EXTENSION_MS".into(), "0".into());
    })
    .await;
    let perf = app.performance(1, 1, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let (_, hold) = app.hold(&alice, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id").to_owned();

    // Redis expires the keys itself; wait (bounded) until it has.
    let expired = eventually(std::time::Duration::from_secs(5), || async {
        app.seat_map(perf.id).await[0].1 == "AVAILABLE"
            && app.redis_keys().await.iter().all(|k| !k.contains(":seat:"))
    })
    .await;
    assert!(expired, "the hold expired within its TTL");

    let (status, body) = app.reserve(&alice, &hold_id).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "HOLD_EXPIRED")
    );
    let (status, hold) = app.hold(&bob, perf.id, &perf.seat_ids).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "someone else can take the seat"
    );
    assert_eq!(
        app.reserve(&bob, hold["data"]["holdId"].as_str().expect("id"))
            .await
            .0,
        StatusCode::CREATED
    );
    let live = app
        .query_count("SELECT count(*) FROM reservation_seats WHERE live")
        .await;
    assert_eq!(live, 1);
}

#[tokio::test]
async fn a_seat_reserved_in_postgres_but_free_in_redis_is_refused_and_the_claim_taken_back() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 3, 4).await;
    let (buyer, other) = (app.user().await, app.user().await);
    let s = &perf.seat_ids;
    let (_, hold) = app.hold(&buyer, perf.id, &s[0..1]).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    assert_eq!(app.reserve(&buyer, hold_id).await.0, StatusCode::CREATED);

    // The reservation's Redis marker is gone (lapsed, or Redis restarted empty): only
    // Postgres still knows the seat is RESERVED.
    let redis = redis_client().await;
    let seat_key = |seat: Uuid| {
        format!(
            "{}{{perf:{}}}:seat:{seat}",
            app.stores.redis_prefix, perf.id
        )
    };
    let removed: i64 = fred::interfaces::KeysInterface::del(&redis, seat_key(s[0]))
        .await
        .expect("del");
    assert_eq!(removed, 1, "the conversion left a marker");

    let (status, body) = app.hold(&other, perf.id, &s[0..2]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "SEAT_UNAVAILABLE")
    );
    assert_eq!(
        body["error"]["details"]["unavailableSeatIds"],
        json!([s[0]]),
        "{body}"
    );
    let keys = app.redis_keys().await;
    for seat in &s[0..2] {
        assert!(
            !keys.contains(&seat_key(*seat)),
            "the claim on {seat} was taken back: {keys:?}"
        );
    }
    assert_eq!(
        app.hold(&other, perf.id, &s[1..2]).await.0,
        StatusCode::CREATED,
        "the free seat of the refused claim can be held at once"
    );

    // The stream tells the truth after the refused claim: s[0] RESERVED, s[1] free again
    // (then HELD by the hold just made).
    let events = app.seat_events(perf.id).await;
    let last_about = |seat: Uuid, skip_last: usize| {
        events
            .iter()
            .rev()
            .skip(skip_last)
            .find(|e| {
                e["seatIds"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|i| i == &json!(seat)))
            })
            .map(|e| e["status"].clone())
    };
    assert_eq!(last_about(s[0], 0), Some(json!("RESERVED")), "{events:?}");
    assert_eq!(last_about(s[1], 0), Some(json!("HELD")), "{events:?}");
    assert_eq!(last_about(s[1], 1), Some(json!("AVAILABLE")), "{events:?}");
}
