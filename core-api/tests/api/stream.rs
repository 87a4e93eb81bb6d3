//! The seat stream under load: what a gone client leaves behind, the connection caps, the
//! shared snapshot, and a client too slow to keep up.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use uuid::Uuid;

use core_api::ticketing::{
    domain::status::{SeatChangeReason, SeatStatus},
    storage::seat_events::SeatEvent,
};

use crate::helpers::{SseReader, TcpProxy, TestApp, error_code, eventually, redis_client};

/// A distinct client address for the i-th connection, as the gateway would forward it.
fn address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

async fn open_from(app: &TestApp, performance_id: Uuid, ip: &str) -> SseReader {
    let request = app
        .stream_request(performance_id)
        .header("x-forwarded-for", ip);
    let mut reader = SseReader::send(request).await.expect("admitted");
    let (event, _, _) = reader
        .next(Duration::from_secs(10))
        .await
        .expect("a first event");
    assert_eq!(event, "snapshot");
    reader
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test]
async fn five_thousand_streams_opened_and_dropped_leave_no_task_receiver_or_redis_connection() {
    // Arrange: one performance; a witness stream keeps its reader alive through the run.
    let app = TestApp::spawn().await;
    let perf = app.performance(2, 3, 4).await;
    let tasks_before = alive_tasks();
    let redis_before = app.stream_reader_connections().await;
    let witness = open_from(&app, perf.id, "192.0.2.1").await;

    // Act: 5,000 connections, 200 at a time, each from its own address; each reads its
    // snapshot and goes.
    let started = std::time::Instant::now();
    let opened = futures::stream::iter(0..5_000)
        .map(|i| {
            let app = &app;
            async move {
                drop(open_from(app, perf.id, &address(i)).await);
            }
        })
        .buffer_unordered(200)
        .count()
        .await;
    assert_eq!(opened, 5_000);
    eprintln!(
        "5,000 streams opened and dropped in {:?}",
        started.elapsed()
    );

    // Assert: all of them shared the witness's one reader and its one Redis connection...
    let stats = app.services.streams.stats();
    assert_eq!(stats.readers, 1, "{stats:?}");
    assert_eq!(app.stream_reader_connections().await, redis_before + 1);
    // ...and once the witness goes too, nothing is left.
    drop(witness);
    let streams = app.services.streams.clone();
    let released = eventually(Duration::from_secs(10), || {
        let streams = streams.clone();
        async move {
            let stats = streams.stats();
            stats.connections == 0 && stats.readers == 0
        }
    })
    .await;
    assert!(released, "left behind: {:?}", app.services.streams.stats());
    let redis_released = eventually(Duration::from_secs(10), || async {
        app.stream_reader_connections().await == redis_before
    })
    .await;
    assert!(
        redis_released,
        "the reader's Redis connection is still open"
    );
    let tasks_released = eventually(Duration::from_secs(10), || async {
        alive_tasks() <= tasks_before
    })
    .await;
    assert!(
        tasks_released,
        "{} tasks alive, {tasks_before} before",
        alive_tasks()
    );
}

#[tokio::test]
async fn the_fifth_stream_of_one_client_is_refused_until_one_of_its_four_closes() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;
    let open_as = |token: &str| SseReader::send(app.stream_request(perf.id).bearer_auth(token));
    let mut four = Vec::new();
    for _ in 0..4 {
        four.push(open_as(&user.token).await.expect("within the cap"));
    }

    let refused = open_as(&user.token)
        .await
        .err()
        .expect("the 5th is refused");
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        error_code(&refused.body),
        "RATE_LIMITED",
        "{}",
        refused.body
    );
    assert_eq!(refused.body["error"]["details"]["limit"], "perClient");
    assert_eq!(refused.retry_after.as_deref(), Some("5"));
    // Someone else, and the same user on another performance, are not affected by it... but
    // the per-client count spans performances.
    let other = app.user().await;
    let _theirs = open_as(&other.token).await.expect("another user");
    let elsewhere = app.performance(1, 2, 4).await;
    let refused_elsewhere =
        SseReader::send(app.stream_request(elsewhere.id).bearer_auth(&user.token)).await;
    assert_eq!(
        refused_elsewhere.err().map(|r| r.status),
        Some(StatusCode::TOO_MANY_REQUESTS)
    );

    // Closing one lets a new one in.
    drop(four.pop());
    let admitted = eventually(Duration::from_secs(10), || async {
        open_as(&user.token).await.is_ok()
    })
    .await;
    assert!(admitted, "a closed stream gave its slot back");
}

#[tokio::test]
async fn clients_without_a_token_are_counted_by_address() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let mut open = Vec::new();
    for _ in 0..4 {
        open.push(open_from(&app, perf.id, "203.0.113.7").await);
    }
    let refused = SseReader::send(
        app.stream_request(perf.id)
            .header("x-forwarded-for", "203.0.113.7"),
    )
    .await
    .err()
    .expect("the 5th from one address is refused");
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address, and a direct caller (counted by its TCP peer), still get in.
    let _other = open_from(&app, perf.id, "203.0.113.8").await;
    let (status, _direct) = SseReader::open(&app, perf.id, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_performance_at_its_cap_refuses_new_streams_until_one_closes() {
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_STREAM_MAX_PER_PERFORMANCE".into(), "3".into());
    })
    .await;
    let perf = app.performance(1, 2, 4).await;
    let mut open: Vec<_> = Vec::new();
    for i in 0..3 {
        open.push(open_from(&app, perf.id, &address(i)).await);
    }
    let request = || {
        app.stream_request(perf.id)
            .header("x-forwarded-for", address(99))
    };
    let refused = SseReader::send(request()).await.err().expect("refused");
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(&refused.body), "RATE_LIMITED");
    assert_eq!(refused.body["error"]["details"]["limit"], "perPerformance");
    assert!(refused.retry_after.is_some());
    // Another performance is not affected.
    let other = app.performance(1, 2, 4).await;
    let _elsewhere = open_from(&app, other.id, &address(99)).await;

    drop(open.pop());
    let got_in = eventually(Duration::from_secs(10), || async {
        SseReader::send(request()).await.is_ok()
    })
    .await;
    assert!(got_in, "a closed stream gave its performance slot back");
}

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
