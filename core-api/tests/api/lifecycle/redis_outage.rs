//! Redis lost mid-run: holds continue on Postgres (or answer 503) and recover.

use super::*;

#[tokio::test]
async fn with_redis_killed_mid_run_holds_continue_on_postgres_and_the_breaker_closes_when_it_returns()
 {
    // Arrange: Redis only through a proxy the test controls.
    let mut proxy = TcpProxy::to_redis().await;
    let app = TestApp::spawn_with(|v| {
        v.insert("REDIS_URL".into(), format!("redis://{}", proxy.addr));
    })
    .await;
    let perf = app.performance(4, 5, 4).await;
    let users = app.users(20).await;
    let (status, hold) = app.hold(&users[0], perf.id, &perf.seat_ids[0..1]).await;
    assert_eq!(status, StatusCode::CREATED);
    let redis_hold = hold["data"]["holdId"].as_str().expect("id").to_owned();

    // Act: Redis dies; everyone grabs overlapping pairs of seats at once, then reserves.
    proxy.cut().await;
    let attempts = users.iter().enumerate().map(|(i, u)| {
        let seats = [perf.seat_ids[1 + i % 10], perf.seat_ids[1 + (i + 1) % 10]];
        let app = &app;
        async move { (i, app.hold(u, perf.id, &seats).await) }
    });
    let results = futures::future::join_all(attempts).await;

    // Assert: nobody got a 5xx; winners commit on the Postgres path; nothing is doubled.
    let mut granted = 0;
    for (i, (status, body)) in &results {
        assert!(
            *status == StatusCode::CREATED || *status == StatusCode::CONFLICT,
            "{status} {body}"
        );
        if *status == StatusCode::CREATED {
            granted += 1;
            let (status, r) = app
                .reserve(&users[*i], body["data"]["holdId"].as_str().expect("id"))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{r}");
        }
    }
    // Winners form a maximal matching of a 10-seat ring: at least 4 pairs.
    assert!(
        granted >= 4,
        "ten seats in overlapping pairs leave at least four winners, got {granted}"
    );
    let (status, ready) = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "still ready: it sells on postgres: {ready}"
    );
    assert_eq!(
        (
            ready["data"]["redis"].as_str(),
            ready["data"]["holdPath"].as_str()
        ),
        (Some("down"), Some("postgres"))
    );
    let doubled = app
        .query_count("SELECT count(*) FROM (SELECT seat_id FROM reservation_seats WHERE live GROUP BY seat_id HAVING count(*) > 1) d")
        .await;
    assert_eq!(doubled, 0);

    proxy.restore().await;
    let closed = eventually(Duration::from_secs(20), || async {
        let u = app.user().await;
        app.hold(&u, perf.id, &perf.seat_ids[15..16]).await;
        app.call(Method::GET, "/readyz", None, None).await.1["data"]["holdPath"] == "redis"
    })
    .await;
    assert!(closed, "the breaker closed once Redis was back");
    let (status, _) = app.reserve(&users[0], &redis_hold).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the hold taken before the outage still converts"
    );
    let live = app
        .query_count("SELECT count(*) FROM reservation_seats WHERE live")
        .await;
    assert_eq!(live as usize, granted * 2 + 1);
}

#[tokio::test]
async fn with_the_fallback_off_a_redis_outage_answers_503_and_recovers_without_a_restart() {
    let mut proxy = TcpProxy::to_redis().await;
    let app = TestApp::spawn_with(|v| {
        v.insert("REDIS_URL".into(), format!("redis://{}", proxy.addr));
        v.insert("CORE_HOLD_FALLBACK".into(), "none".into());
    })
    .await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;

    proxy.cut().await;
    let (status, body) = app.hold(&user, perf.id, &perf.seat_ids[0..1]).await;

    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")
    );
    assert_eq!(body["error"]["details"]["dependency"], "redis");
    let (status, ready) = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status, ready["error"]["details"]["redis"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("down"))
    );
    assert_eq!(
        app.call(Method::GET, "/healthz", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM pg_holds").await,
        0,
        "nothing held anywhere"
    );

    proxy.restore().await;
    let recovered = eventually(Duration::from_secs(15), || async {
        app.call(Method::GET, "/readyz", None, None).await.0 == StatusCode::OK
    })
    .await;
    assert!(recovered);
    assert_eq!(
        app.hold(&user, perf.id, &perf.seat_ids[0..1]).await.0,
        StatusCode::CREATED
    );
}
