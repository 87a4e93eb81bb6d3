//! Postgres cut mid-run: 503 and recovery without a restart (Redis outages: lifecycle.rs).

use std::time::Duration;

use holdfast_contract::testing::host_port;
use reqwest::{Method, StatusCode};

use crate::helpers::{Stores, TcpProxy, TestApp, error_code, eventually};

/// A fresh database with an app straight on it (for arranging), and a sibling app that
/// reaches Postgres through a proxy the test can cut; `extra` adds settings to the sibling.
async fn behind_a_postgres_proxy(extra: &[(&str, &str)]) -> (TestApp, TestApp, TcpProxy) {
    let stores = Stores::fresh().await;
    let proxy = TcpProxy::start(&host_port(&stores.database_url)).await;
    let direct = TestApp::spawn_on_stores(stores.clone()).await;
    let proxied_url =
        stores
            .database_url
            .replacen(&host_port(&stores.database_url), &proxy.addr.to_string(), 1);
    let app = direct
        .sibling(|v| {
            v.insert("DATABASE_URL".into(), proxied_url);
            for (name, value) in extra {
                v.insert((*name).into(), (*value).into());
            }
        })
        .await;
    (direct, app, proxy)
}

#[tokio::test]
async fn with_postgres_cut_requests_get_503_and_work_again_once_it_is_back() {
    let (direct, app, mut proxy) = behind_a_postgres_proxy(&[]).await;
    let perf = direct.performance(1, 2, 4).await;
    let user = direct.user().await;
    assert_eq!(
        app.hold(&user, perf.id, &perf.seat_ids[0..1]).await.0,
        StatusCode::CREATED,
        "works through the proxy"
    );

    proxy.cut().await;
    let seat_map = format!("/api/v1/performances/{}/seats", perf.id);
    let (status, body) = app.call(Method::GET, &seat_map, None, None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.contains("postgres://")),
        "no internals leak"
    );
    let (status, body) = app.hold(&user, perf.id, &perf.seat_ids[1..2]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")
    );
    let (status, ready) = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status, ready["error"]["details"]["postgres"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("down"))
    );

    proxy.restore().await;
    let recovered = eventually(Duration::from_secs(15), || async {
        app.call(Method::GET, &seat_map, None, None).await.0 == StatusCode::OK
    })
    .await;
    assert!(recovered, "requests succeed again without a restart");
    assert_eq!(
        app.hold(&user, perf.id, &perf.seat_ids[1..2]).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn with_postgres_cut_the_losers_of_a_held_seat_are_still_answered_by_redis_alone() {
    // Rules and accounts remembered for the whole test (whether or not account-change
    // notices arrive yet), so only the seat decides what the hold needs.
    let (direct, app, mut proxy) = behind_a_postgres_proxy(&[
        ("CORE_RULES_CACHE_MS", "600000"),
        ("CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS", "60000"),
    ])
    .await;
    let perf = direct.performance(1, 2, 4).await;
    let (winner, loser) = (direct.user().await, direct.user().await);
    assert_eq!(
        app.hold(&winner, perf.id, &perf.seat_ids[0..1]).await.0,
        StatusCode::CREATED
    );
    // An account this instance has not seen yet needs Postgres to be checked (a 503 while
    // it is cut); the loser has been seen.
    assert_eq!(app.get("/api/v1/auth/me", &loser).await.0, StatusCode::OK);

    proxy.cut().await;
    // Losing a contested seat is decided in Redis: no Postgres needed, so still a 409.
    let (status, body) = app.hold(&loser, perf.id, &perf.seat_ids[0..1]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "SEAT_UNAVAILABLE")
    );
    // Winning needs Postgres's word: 503, and the Redis claim is taken back.
    let (status, body) = app.hold(&loser, perf.id, &perf.seat_ids[1..2]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")
    );
    let free_seat_key = format!(
        "{}{{perf:{}}}:seat:{}",
        app.stores.redis_prefix, perf.id, perf.seat_ids[1]
    );
    assert!(
        !app.redis_keys().await.contains(&free_seat_key),
        "the claim made before Postgres refused to answer was taken back"
    );

    proxy.restore().await;
    let recovered = eventually(Duration::from_secs(15), || async {
        app.hold(&loser, perf.id, &perf.seat_ids[1..2]).await.0 == StatusCode::CREATED
    })
    .await;
    assert!(recovered, "the seat is free once Postgres is back");
}

/// Pooled connections are pinged only after sitting idle, so a connection Postgres ended a
/// moment ago (a restart, an administrator) is found out by the request that uses it: that
/// request gets a 503, the connection is thrown away, and the requests after it work.
#[tokio::test]
async fn when_postgres_ends_the_pools_connections_each_costs_at_most_one_503() {
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_DB_MAX_CONNECTIONS".into(), "2".into());
    })
    .await;
    let user = app.user().await;
    assert_eq!(app.get("/api/v1/auth/me", &user).await.0, StatusCode::OK);

    let ended = app
        .query_count(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()) t",
        )
        .await;
    assert!(ended >= 1, "the app's pooled connection was ended");

    let mut answers = Vec::new();
    for _ in 0..6 {
        let (status, body) = app.get("/api/v1/auth/me", &user).await;
        answers.push((status, error_code(&body).to_owned()));
    }
    let failed = answers
        .iter()
        .filter(|(status, _)| *status != StatusCode::OK)
        .collect::<Vec<_>>();
    assert!(
        failed
            .iter()
            .all(|(s, code)| *s == StatusCode::SERVICE_UNAVAILABLE
                && code == "DEPENDENCY_UNAVAILABLE"),
        "a dead connection is a 503, nothing else: {answers:?}"
    );
    assert!(
        failed.len() <= 2,
        "at most one 503 per pooled connection: {answers:?}"
    );
    assert!(
        answers[2..].iter().all(|(s, _)| *s == StatusCode::OK),
        "once the dead connections are gone, requests work: {answers:?}"
    );
}
