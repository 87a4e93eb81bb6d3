//! The shared snapshot, a client too slow to keep up, a Redis outage and a reconnect from far back.

use super::*;

#[tokio::test]
async fn concurrent_new_streams_share_one_snapshot_build_and_a_seat_event_makes_the_next_fresh() {
    // Arrange: a seat map cache long enough that only an event can make a new build.
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_SEAT_MAP_CACHE_MS".into(), "60000".into());
    })
    .await;
    let perf = app.performance(20, 50, 4).await;
    let builds_before = app.services.streams.stats().snapshot_builds;

    // Act: 100 new clients at once.
    let mut readers: Vec<SseReader> = futures::future::join_all((0..100).map(|i| {
        SseReader::send(
            app.stream_request(perf.id)
                .header("x-forwarded-for", address(i)),
        )
    }))
    .await
    .into_iter()
    .map(|r| r.expect("admitted"))
    .collect();
    for reader in &mut readers {
        let (event, _, data) = reader
            .next(Duration::from_secs(10))
            .await
            .expect("snapshot");
        assert_eq!(event, "snapshot");
        assert_eq!(data["seats"].as_array().map(Vec::len), Some(1_000));
    }

    // Assert: one build served them all.
    assert_eq!(
        app.services.streams.stats().snapshot_builds - builds_before,
        1
    );
    // A seat event reaches the open streams and drops the shared snapshot: the next client
    // sees the seat held.
    let user = app.user().await;
    let seat = perf.seat_ids[7];
    let (status, _) = app.hold(&user, perf.id, &[seat]).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, _, held) = readers[0]
        .next_about(seat, Duration::from_secs(5))
        .await
        .expect("HELD event");
    assert_eq!(held["status"], "HELD");
    let mut late = SseReader::send(
        app.stream_request(perf.id)
            .header("x-forwarded-for", "198.51.100.2"),
    )
    .await
    .expect("admitted");
    let (_, _, snapshot) = late.next(Duration::from_secs(10)).await.expect("snapshot");
    let status_of = snapshot["seats"]
        .as_array()
        .and_then(|seats| seats.iter().find(|s| s["id"] == seat.to_string()))
        .map(|s| s["status"].clone());
    assert_eq!(status_of, Some(serde_json::json!("HELD")));
    assert_eq!(
        app.services.streams.stats().snapshot_builds - builds_before,
        2
    );
}

#[tokio::test]
async fn a_client_too_slow_for_the_event_rate_is_skipped_ahead_to_a_fresh_snapshot() {
    // Arrange: a client that has its snapshot, then stops reading.
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let mut slow = open_from(&app, perf.id, "192.0.2.9").await;

    // Act: far more events than the shared ring keeps (1,024), and far more bytes (~11 MB)
    // than the sockets between them buffer, so the server cannot keep sending.
    let event = SeatEvent {
        seat_ids: (0..100).map(|_| Uuid::new_v4()).collect(),
        status: SeatStatus::Held,
        reason: SeatChangeReason::Held,
    };
    let events = app.services.streams.events().clone();
    futures::stream::iter(0..3_000)
        .map(|_| events.publish(perf.id, &event))
        .buffer_unordered(50)
        .for_each(|published| async move { published.expect("published") })
        .await;

    // Assert: reading again, the client is sent a fresh snapshot before it was sent every
    // event (the server kept no backlog of them for it).
    let mut seat_events = 0;
    loop {
        let (name, _, _) = slow
            .next(Duration::from_secs(20))
            .await
            .expect("the stream goes on");
        if name == "snapshot" {
            break;
        }
        seat_events += 1;
    }
    eprintln!("slow client: {seat_events} events, then a snapshot");
    assert!(
        seat_events < 3_000,
        "{seat_events} events before the snapshot"
    );
    let key = format!("{}{{perf:{}}}:events", app.stores.redis_prefix, perf.id);
    let _: i64 = fred::interfaces::KeysInterface::del(&redis_client().await, key)
        .await
        .expect("del");
}

#[tokio::test]
async fn an_open_stream_outlives_a_redis_outage_and_carries_events_again_after_it() {
    // Arrange: Redis only through a proxy the test controls; one open stream.
    let mut proxy = TcpProxy::to_redis().await;
    let app = TestApp::spawn_with(|v| {
        v.insert("REDIS_URL".into(), format!("redis://{}", proxy.addr));
    })
    .await;
    let perf = app.performance(1, 4, 4).await;
    let mut stream = open_from(&app, perf.id, "192.0.2.20").await;
    let named = eventually(Duration::from_secs(5), || async {
        app.stream_reader_connections().await == 1
    })
    .await;
    assert!(named, "the reader's connection is named");

    // Act: the reader's connection is cut, then Redis comes back.
    proxy.cut().await;
    proxy.restore().await;

    // Assert: the reader reconnects (under its name again) and events flow to the open stream.
    let renamed = eventually(Duration::from_secs(15), || async {
        app.stream_reader_connections().await == 1
    })
    .await;
    assert!(
        renamed,
        "the reader reconnected and named its connection again"
    );
    let user = app.user().await;
    let seat = perf.seat_ids[2];
    let (status, body) = app.hold(&user, perf.id, &[seat]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, _, held) = stream
        .next_about(seat, Duration::from_secs(5))
        .await
        .expect("the HELD event reached the stream opened before the outage");
    assert_eq!(held["status"], "HELD");
}

#[tokio::test]
async fn a_client_reconnecting_from_too_far_back_gets_a_snapshot_not_a_backlog() {
    // Arrange: the client saw one event; 1,100 more came while it was away (more than the
    // 1,024 a live client may fall behind).
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let events = app.services.streams.events().clone();
    let event = SeatEvent {
        seat_ids: vec![perf.seat_ids[0]],
        status: SeatStatus::Held,
        reason: SeatChangeReason::Held,
    };
    events.publish(perf.id, &event).await.expect("published");
    let seen = events.last_id(perf.id).await.expect("id");
    futures::stream::iter(0..1_100)
        .map(|_| events.publish(perf.id, &event))
        .buffer_unordered(50)
        .for_each(|published| async move { published.expect("published") })
        .await;

    // Act: it reconnects with the id it saw.
    let request = app
        .stream_request(perf.id)
        .header("last-event-id", &seen)
        .header("x-forwarded-for", "192.0.2.30");
    let mut reader = SseReader::send(request).await.expect("admitted");

    // Assert: a snapshot as of the newest event, not 1,100 queued events.
    let (name, id, _) = reader.next(Duration::from_secs(10)).await.expect("event");
    assert_eq!(name, "snapshot");
    assert_eq!(id, events.last_id(perf.id).await.expect("id"));
}
