//! What a gone client leaves behind and the per-client, per-performance caps.

use super::*;

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
