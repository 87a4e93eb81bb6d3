//! One hold from claim to release or extension, all or nothing, within the per-user limit.

use super::*;

#[tokio::test]
async fn a_hold_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 3, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let [s1, s2, s3] = [perf.seat_ids[0], perf.seat_ids[1], perf.seat_ids[2]];
    assert_eq!(
        app.hold(&alice, perf.id, &[s2]).await.0,
        StatusCode::CREATED
    );

    let (status, body) = app.hold(&bob, perf.id, &[s1, s2, s3]).await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        uuids(&body["error"]["details"]["unavailableSeatIds"]),
        vec![s2]
    );
    let statuses: Vec<String> = app
        .seat_map(perf.id)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        statuses,
        ["AVAILABLE", "HELD", "AVAILABLE"],
        "the refused hold claimed nothing"
    );
}

#[tokio::test]
async fn a_released_hold_frees_its_seats_and_only_its_owner_can_release_it() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let (_, hold) = app.hold(&alice, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    let path = format!("/api/v1/holds/{hold_id}");

    let (status, body) = app
        .call(Method::DELETE, &path, Some(&bob.token), None)
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    let (status, body) = app.get(&path, &bob).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    assert!(
        app.seat_map(perf.id)
            .await
            .iter()
            .all(|(_, s)| s == "AVAILABLE")
    );
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a released hold is gone");
    assert_eq!(
        app.hold(&bob, perf.id, &perf.seat_ids).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_hold_can_be_extended_once_and_never_again() {
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_HOLD_TTL_MS".into(), "60000".into());
        v.insert("CORE_HOLD_EXTENSION_MS".into(), "30000".into());
    })
    .await;
    let perf = app.performance(1, 1, 4).await;
    let user = app.user().await;
    let (_, hold) = app.hold(&user, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    let first_expiry: chrono::DateTime<chrono::Utc> = hold["data"]["expiresAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("expiry");

    let (status, extended) = app
        .post(&format!("/api/v1/holds/{hold_id}/extend"), &user, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    let second_expiry: chrono::DateTime<chrono::Utc> = extended["data"]["expiresAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("expiry");
    let gained = (second_expiry - first_expiry).num_milliseconds();
    assert!(
        (29_000..=31_000).contains(&gained),
        "extended by the configured 30 s, got {gained} ms"
    );

    let (status, body) = app
        .post(&format!("/api/v1/holds/{hold_id}/extend"), &user, json!({}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "HOLD_EXTENSION_USED")
    );
}

#[tokio::test]
async fn the_per_user_limit_counts_live_holds_and_reservations() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 5, 2).await;
    let user = app.user().await;
    let s = &perf.seat_ids;

    let (status, hold) = app.hold(&user, perf.id, &s[0..2]).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app.hold(&user, perf.id, &s[2..3]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "SEAT_LIMIT_EXCEEDED"),
        "two held"
    );

    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    assert_eq!(app.reserve(&user, hold_id).await.0, StatusCode::CREATED);
    let (status, body) = app.hold(&user, perf.id, &s[2..3]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "SEAT_LIMIT_EXCEEDED"),
        "two reserved"
    );
    // Redis granted that claim before Postgres counted the reservations; it was taken back.
    let other = app.user().await;
    assert_eq!(
        app.hold(&other, perf.id, &s[2..3]).await.0,
        StatusCode::CREATED,
        "the refused claim left nothing behind"
    );

    let (status, body) = app.hold(&user, perf.id, &s[0..3]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "more than the limit in one go: {body}"
    );
}
