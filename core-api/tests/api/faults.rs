//! Postgres cut mid-run: 503 and recovery without a restart (Redis outages: lifecycle.rs).

use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::helpers::{Stores, TcpProxy, TestApp, error_code, eventually};

fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

#[tokio::test]
async fn with_postgres_cut_requests_get_503_and_work_again_once_it_is_back() {
    let stores = Stores::fresh().await;
    let mut proxy = TcpProxy::start(&host_port(&stores.database_url)).await;
    let direct = TestApp::spawn_on_stores(stores.clone()).await;
    let perf = direct.performance(1, 2, 4).await;
    let user = direct.user().await;
    let proxied_url =
        stores
            .database_url
            .replacen(&host_port(&stores.database_url), &proxy.addr.to_string(), 1);
    let app = direct
        .sibling(|v| {
            v.insert("DATABASE_URL".into(), proxied_url);
        })
        .await;
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
