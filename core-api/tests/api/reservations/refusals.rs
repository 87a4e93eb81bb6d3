//! Reservations refused: bad input and the per-user limit checked again at commit.

use super::*;

#[tokio::test]
async fn bad_reservation_requests_get_clear_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let user = app.user().await;
    let (_, hold) = app.hold(&user, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    let path = "/api/v1/reservations";

    let cases = [
        (
            json!({ "holdId": hold_id }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "holdId": hold_id, "attendee": { "name": "", "phone": "010-1234-5678" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "holdId": hold_id, "attendee": { "name": "Kim", "phone": "call me" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "holdId": hold_id, "attendee": { "name": "Kim", "phone": "010-1234-5678", "email": "nope" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "holdId": hold_id, "attendee": { "name": "Kim", "phone": "010-1234-5678" }, "payNow": "yes" }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "holdId": "not-a-uuid", "attendee": { "name": "Kim", "phone": "010-1234-5678" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "holdId": uuid::Uuid::new_v4(), "attendee": { "name": "Kim", "phone": "010-1234-5678" } }),
            StatusCode::CONFLICT,
            "HOLD_EXPIRED",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = app.post(path, &user, body.clone()).await;
        assert_eq!((got, error_code(&answer)), (status, code), "{body}");
    }
    let (status, _) = app
        .call(Method::POST, path, None, Some(json!({ "holdId": hold_id })))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        0
    );
    assert_eq!(
        app.seat_map(perf.id).await[0].1,
        "HELD",
        "the hold is untouched"
    );
}

#[tokio::test]
async fn the_commit_checks_the_per_user_limit_again_and_changes_nothing_when_over() {
    // Rules read fresh on every request, so a limit lowered in the database applies at once.
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_RULES_CACHE_MS".to_owned(), "0".to_owned());
    })
    .await;
    let perf = app.performance(1, 4, 2).await;
    let user = app.user().await;
    let (status, first) = app.hold(&user, perf.id, &perf.seat_ids[0..1]).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let first = first["data"]["holdId"]
        .as_str()
        .expect("hold id")
        .to_owned();
    let (status, second) = app.hold(&user, perf.id, &perf.seat_ids[1..2]).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let second = second["data"]["holdId"]
        .as_str()
        .expect("hold id")
        .to_owned();
    assert_eq!(app.reserve(&user, &first).await.0, StatusCode::CREATED);

    // Both holds were within the limit of 2 when granted; now it is 1, and the user has 1.
    app.db
        .execute_unprepared(&format!(
            "UPDATE performances SET max_seats_per_user = 1 WHERE id = '{}'",
            perf.id
        ))
        .await
        .expect("lower the limit");
    let (status, body) = app.reserve(&user, &second).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "SEAT_LIMIT_EXCEEDED"),
        "{body}"
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        1,
        "no second reservation"
    );
    assert_eq!(
        app.query_count(&format!(
            "SELECT count(*) FROM seats WHERE id = '{}' AND status = 'AVAILABLE' AND reservation_id IS NULL",
            perf.seat_ids[1]
        ))
        .await,
        1,
        "the seat is untouched"
    );
}
