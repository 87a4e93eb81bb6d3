//! The commit: owner-only reads, double clicks, someone else's hold, the failure knob, a lost Redis.

use super::*;

#[tokio::test]
async fn a_hold_becomes_a_pending_reservation_that_only_its_owner_and_admins_can_read() {
    // Arrange
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 3, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let (_, hold) = app.hold(&alice, perf.id, &perf.seat_ids[0..2]).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");

    // Act
    let (status, body) = app.reserve(&alice, hold_id).await;

    // Assert
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let r = &body["data"];
    assert_eq!(r["status"], "PENDING_PAYMENT");
    assert_eq!(r["totalAmount"], 100_000);
    assert_eq!(r["performanceId"], perf.id.to_string());
    assert_eq!(r["attendee"]["name"], "Kim Minsu");
    assert!(
        r["reservationNumber"]
            .as_str()
            .is_some_and(|n| n.starts_with("HF-"))
    );
    assert!(r["expiresAt"].as_str().is_some());
    let seat_ids: Vec<String> = r["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(seat_ids.len(), 2);
    assert!(
        r["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .all(|s| s["status"] == "RESERVED")
    );
    let map: Vec<String> = app
        .seat_map(perf.id)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(map, ["RESERVED", "RESERVED", "AVAILABLE"]);

    let id = r["reservationId"].as_str().expect("id");
    let path = format!("/api/v1/reservations/{id}");
    let (status, read) = app.get(&path, &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        read["data"], *r,
        "the answer to the commit (built without a read-back) is what a read returns"
    );
    assert_eq!(app.get(&path, &app.admin).await.0, StatusCode::OK);
    let (status, body) = app.get(&path, &bob).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    let (status, body) = app
        .get(
            &format!("/api/v1/reservations/{}", uuid::Uuid::new_v4()),
            &alice,
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "NOT_FOUND")
    );

    let (_, mine) = app.get("/api/v1/me/reservations", &alice).await;
    assert_eq!(mine["data"].as_array().map(Vec::len), Some(1));
    let (_, theirs) = app.get("/api/v1/me/reservations", &bob).await;
    assert_eq!(theirs["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn a_double_clicked_reservation_is_made_once() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;
    let (_, hold) = app.hold(&user, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");

    let results = futures::future::join_all((0..10).map(|_| app.reserve(&user, hold_id))).await;

    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            body["data"]["reservationId"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "every click answers with the same reservation"
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        1
    );
}

#[tokio::test]
async fn someone_elses_hold_cannot_be_reserved() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let (alice, mallory) = (app.user().await, app.user().await);
    let (_, hold) = app.hold(&alice, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");

    let (status, body) = app.reserve(&mallory, hold_id).await;

    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        0
    );
    assert_eq!(
        app.reserve(&alice, hold_id).await.0,
        StatusCode::CREATED,
        "the owner still can"
    );
}

#[tokio::test]
async fn a_failed_confirmation_rolls_back_and_keeps_the_hold_for_a_retry() {
    // Arrange: one instance that always fails confirmation, one that never does, same stores.
    let failing = TestApp::spawn_with(|v| {
        v.insert("CONFIRM_FAILURE_RATE".into(), "1".into());
    })
    .await;
    let healthy = failing.sibling(|_| {}).await;
    let perf = failing.performance(1, 1, 4).await;
    let user = failing.user().await;
    let (_, hold) = failing.hold(&user, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");

    // Act
    let (status, body) = failing.reserve(&user, hold_id).await;

    // Assert
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "CONFIRMATION_FAILED")
    );
    assert_eq!(
        failing
            .query_count("SELECT count(*) FROM reservations")
            .await,
        0,
        "rolled back"
    );
    assert_eq!(
        failing.seat_map(perf.id).await[0].1,
        "HELD",
        "the hold is kept"
    );
    let (status, _) = failing
        .get(&format!("/api/v1/holds/{hold_id}"), &user)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = healthy.reserve(&user, hold_id).await;
    assert_eq!(status, StatusCode::CREATED, "the retry succeeds: {body}");
}

#[tokio::test]
async fn losing_redis_between_hold_and_commit_never_sells_a_seat_twice() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let [s1, s2] = [perf.seat_ids[0], perf.seat_ids[1]];

    // Alice holds s1, Redis forgets everything, Bob holds s1 too: only Bob's hold is live.
    let (_, alice_hold) = app.hold(&alice, perf.id, &[s1]).await;
    app.flush_redis().await;
    let (status, bob_hold) = app.hold(&bob, perf.id, &[s1]).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .reserve(&alice, alice_hold["data"]["holdId"].as_str().expect("id"))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "HOLD_EXPIRED")
    );
    assert_eq!(
        app.reserve(&bob, bob_hold["data"]["holdId"].as_str().expect("id"))
            .await
            .0,
        StatusCode::CREATED
    );

    // Alice reserves s2, Redis forgets everything again: Postgres still says s2 is taken.
    let (_, hold) = app.hold(&alice, perf.id, &[s2]).await;
    assert_eq!(
        app.reserve(&alice, hold["data"]["holdId"].as_str().expect("id"))
            .await
            .0,
        StatusCode::CREATED
    );
    app.flush_redis().await;
    let (status, body) = app.hold(&bob, perf.id, &[s1, s2]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "SEAT_UNAVAILABLE")
    );
    assert_eq!(uuids(&body["error"]["details"]["unavailableSeatIds"]), {
        let mut both = vec![s1, s2];
        both.sort();
        both
    });
    let doubled = app
        .query_count("SELECT count(*) FROM (SELECT seat_id FROM reservation_seats WHERE live GROUP BY seat_id HAVING count(*) > 1) d")
        .await;
    assert_eq!(doubled, 0);
}
