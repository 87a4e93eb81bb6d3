//! Expiry across instances and the live seat stream across instances.

use super::*;

#[tokio::test]
async fn an_unpaid_reservation_expires_even_when_the_instance_that_made_it_is_gone() {
    // Arrange: instance A (which never sweeps) makes the reservation, then goes away.
    let a = TestApp::spawn_with(|v| {
        v.insert("CORE_RESERVATION_TTL_MS".into(), "1500".into());
        v.insert("CORE_SWEEP_INTERVAL_MS".into(), "3600000".into());
    })
    .await;
    let perf = a.performance(1, 2, 4).await;
    let user = a.user().await;
    let (_, hold) = a.hold(&user, perf.id, &perf.seat_ids).await;
    let (status, r) = a
        .reserve(&user, hold["data"]["holdId"].as_str().expect("id"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = r["data"]["reservationId"].as_str().expect("id").to_owned();
    let b = a.sibling(fast_expiry).await;
    drop_server(&a);

    // Act: B's sweeper runs on its own.
    let expired = eventually(Duration::from_secs(10), || async {
        b.get(&format!("/api/v1/reservations/{id}"), &user).await.1["data"]["status"] == "EXPIRED"
    })
    .await;

    // Assert
    assert!(expired, "the reservation expired");
    assert!(
        b.seat_map(perf.id)
            .await
            .iter()
            .all(|(_, s)| s == "AVAILABLE"),
        "seats are back"
    );
    let other = b.user().await;
    assert_eq!(
        b.hold(&other, perf.id, &perf.seat_ids).await.0,
        StatusCode::CREATED,
        "and can be held again at once"
    );
    let (status, body) = b
        .post("/api/v1/payments", &user, json!({ "reservationId": id }))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "RESERVATION_EXPIRED")
    );
}

fn drop_server(app: &TestApp) {
    app.stop();
}

#[tokio::test]
async fn payments_racing_the_sweeper_either_confirm_or_find_it_expired_never_both() {
    let app = TestApp::spawn_with(fast_expiry).await;
    let perf = app.performance(2, 6, 4).await;
    let users = app.users(12).await;
    let mut ids = Vec::new();
    for (user, seat) in users.iter().zip(&perf.seat_ids) {
        let (_, hold) = app.hold(user, perf.id, &[*seat]).await;
        let (_, r) = app
            .reserve(user, hold["data"]["holdId"].as_str().expect("id"))
            .await;
        ids.push(r["data"]["reservationId"].as_str().expect("id").to_owned());
        app.post("/api/v1/wallet/charge", user, json!({ "amount": 100_000 }))
            .await;
    }
    let (_, first) = app
        .get(&format!("/api/v1/reservations/{}", ids[0]), &users[0])
        .await;
    let deadline: chrono::DateTime<chrono::Utc> = first["data"]["expiresAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("expiry");
    // Aim the payments at the deadline, where the sweeper is about to act.
    let wait = (deadline - chrono::Utc::now() - chrono::Duration::milliseconds(30))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;

    let payments = users
        .iter()
        .zip(&ids)
        .map(|(u, id)| app.post("/api/v1/payments", u, json!({ "reservationId": id })));
    let results = futures::future::join_all(payments).await;

    for (status, body) in &results {
        assert!(
            *status == StatusCode::CREATED
                || (*status == StatusCode::CONFLICT && error_code(body) == "RESERVATION_EXPIRED"),
            "{status} {body}"
        );
    }
    let settled = eventually(Duration::from_secs(10), || async {
        app.query_count("SELECT count(*) FROM reservations WHERE status = 'PENDING_PAYMENT'")
            .await
            == 0
    })
    .await;
    assert!(settled);
    let confirmed = app
        .query_count("SELECT count(*) FROM reservations WHERE status = 'CONFIRMED'")
        .await;
    let paid = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count() as i64;
    assert_eq!(
        confirmed, paid,
        "every 201 is a confirmed reservation and nothing else is"
    );
    assert_eq!(app.query_count("SELECT count(*) FROM payments p JOIN reservations r ON r.id = p.reservation_id WHERE r.status = 'EXPIRED'").await, 0);
    assert_money_is_conserved(&app).await;
    eprintln!("race: {paid} paid, {} expired", 12 - paid);
}

#[tokio::test]
async fn a_hold_on_one_instance_reaches_a_stream_opened_on_another_within_a_second() {
    let a = TestApp::spawn().await;
    let b = a.sibling(|_| {}).await;
    let perf = a.performance(2, 3, 4).await;
    let user = a.user().await;
    let seat = perf.seat_ids[4];
    let (status, stream) = SseReader::open(&b, perf.id, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut stream = stream.expect("stream");
    let (event, snapshot_id, snapshot) =
        stream.next(Duration::from_secs(5)).await.expect("snapshot");
    assert_eq!(event, "snapshot");
    assert_eq!(snapshot["seats"].as_array().map(Vec::len), Some(6));

    let started = std::time::Instant::now();
    let (_, hold) = a.hold(&user, perf.id, &[seat]).await;
    let held = stream.next_about(seat, Duration::from_secs(1)).await;

    let (_, held_id, data) = held.expect("the HELD event arrived within 1 s");
    eprintln!("cross-instance hold event after {:?}", started.elapsed());
    assert_eq!(
        (data["status"].as_str(), data["reason"].as_str()),
        (Some("HELD"), Some("HELD"))
    );
    assert_eq!(uuids(&data["seatIds"]), vec![seat]);

    let (status, _) = a
        .reserve(&user, hold["data"]["holdId"].as_str().expect("id"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, _, reserved) = stream
        .next_about(seat, Duration::from_secs(2))
        .await
        .expect("RESERVED event");
    assert_eq!(reserved["status"], "RESERVED");

    // A client that reconnects with the HELD event's id resumes with what it missed.
    let (_, resumed) = SseReader::open(&a, perf.id, Some(&held_id)).await;
    let (event, _, missed) = resumed
        .expect("stream")
        .next(Duration::from_secs(5))
        .await
        .expect("catch-up");
    assert_eq!(
        (event.as_str(), missed["status"].as_str()),
        ("seat", Some("RESERVED"))
    );
    // One that lost track entirely gets a snapshot showing the reserved seat.
    let (_, fresh) = SseReader::open(&a, perf.id, Some("0-1")).await;
    let (event, _, snap) = fresh
        .expect("stream")
        .next(Duration::from_secs(5))
        .await
        .expect("snapshot");
    assert_eq!(event, "snapshot");
    let status_of = snap["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .find(|s| s["id"] == seat.to_string())
        .expect("seat")["status"]
        .clone();
    assert_eq!(status_of, "RESERVED");
    assert!(!snapshot_id.is_empty());
    let (status, _) = SseReader::open(&a, Uuid::new_v4(), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_expiring_hold_is_announced_as_available_again() {
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_HOLD_TTL_MS".into(), "1000".into());
        v.insert("CORE_HOLD_EXTENSION_MS".into(), "0".into());
        v.insert("CORE_SWEEP_INTERVAL_MS".into(), "100".into());
    })
    .await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;
    let (_, stream) = SseReader::open(&app, perf.id, None).await;
    let mut stream = stream.expect("stream");
    stream.next(Duration::from_secs(5)).await.expect("snapshot");

    app.hold(&user, perf.id, &perf.seat_ids[0..1]).await;

    let (_, _, held) = stream
        .next_about(perf.seat_ids[0], Duration::from_secs(2))
        .await
        .expect("HELD");
    assert_eq!(held["reason"], "HELD");
    let (_, _, expired) = stream
        .next_about(perf.seat_ids[0], Duration::from_secs(5))
        .await
        .expect("EXPIRED");
    assert_eq!(
        (expired["status"].as_str(), expired["reason"].as_str()),
        (Some("AVAILABLE"), Some("EXPIRED"))
    );
}
