//! The edge: upstream connections reused and capped, and the edge cache (one upstream request
//! per key at a time, expiry, 304s, nothing personal kept), against a counting upstream.

use futures::future::join_all;
use reqwest::{StatusCode, header};
use uuid::Uuid;

use crate::{
    helpers::{Gateway, Stack, eventually, metrics_text},
    upstream::Upstream,
};

async fn edge(stack: &Stack, upstream: &Upstream, extra: &[(&str, &str)]) -> Gateway {
    let mut vars = vec![
        ("GATEWAY_UPSTREAMS", upstream.addr.clone()),
        ("GATEWAY_HEALTH_CHECK_INTERVAL_MS", "60000".to_owned()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    stack.gateway_with(&vars).await
}

async fn get(
    stack: &Stack,
    gateway: &Gateway,
    target: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, header::HeaderMap, String) {
    let mut request = stack.client.get(format!("http://{}{target}", gateway.addr));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("send");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

/// `gateway_edge_cache_total{result="…"}` from the gateway's metrics.
async fn cache_count(stack: &Stack, gateway: &Gateway, result: &str) -> u64 {
    let needle = format!("gateway_edge_cache_total{{result=\"{result}\"}} ");
    metrics_text(stack, gateway)
        .await
        .lines()
        .find_map(|l| l.strip_prefix(needle.as_str()))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn seats(query: &str) -> String {
    format!("/api/v1/performances/{}/seats?{query}", Uuid::new_v4())
}

#[tokio::test]
async fn upstream_connections_are_reused_and_never_more_than_the_cap() {
    let stack = Stack::new().await;
    let upstream = Upstream::start().await;
    let gateway = edge(
        &stack,
        &upstream,
        &[("GATEWAY_UPSTREAM_MAX_CONNECTIONS", "4")],
    )
    .await;

    for _ in 0..50 {
        let (status, _, _) = get(&stack, &gateway, "/assets/app.js", &[]).await;
        assert_eq!(status, StatusCode::OK);
    }
    let sequential = upstream.connections();
    let burst = join_all((0..200).map(|_| get(&stack, &gateway, "/assets/app.js", &[]))).await;
    let again = join_all((0..200).map(|_| get(&stack, &gateway, "/assets/app.js", &[]))).await;

    assert_eq!(
        sequential, 1,
        "50 requests one after another use one connection"
    );
    assert!(
        burst
            .iter()
            .chain(&again)
            .all(|(s, _, _)| *s == StatusCode::OK)
    );
    assert_eq!(upstream.requests("/assets/app.js"), 450);
    assert!(
        upstream.connections() <= 4,
        "{} upstream connections for a cap of 4",
        upstream.connections()
    );
}

#[tokio::test]
async fn a_stampede_on_one_key_makes_one_upstream_request() {
    let stack = Stack::new().await;
    let upstream = Upstream::start().await;
    let gateway = edge(
        &stack,
        &upstream,
        &[
            ("GATEWAY_EDGE_CACHE_TTL_MS", "30000"),
            ("GATEWAY_EDGE_CACHE_WAIT_MS", "20000"),
        ],
    )
    .await;
    let target = seats("gated");

    let stampede = tokio::spawn({
        let (client, addr, target) = (stack.client.clone(), gateway.addr, target.clone());
        async move {
            join_all((0..200).map(|_| {
                let request = client.get(format!("http://{addr}{target}")).send();
                async move {
                    let response = request.await.expect("send");
                    (response.status(), response.text().await.expect("body"))
                }
            }))
            .await
        }
    });
    let first_arrived = eventually(std::time::Duration::from_secs(10), || async {
        upstream.requests(&target) >= 1
    })
    .await;
    upstream.open_gate();
    let answers = stampede.await.expect("stampede");

    assert!(first_arrived);
    assert_eq!(upstream.requests(&target), 1);
    assert!(
        answers
            .iter()
            .all(|(s, body)| *s == StatusCode::OK && body.contains(r#""n":1"#))
    );
    let served = cache_count(&stack, &gateway, "hit").await
        + cache_count(&stack, &gateway, "coalesced").await;
    assert_eq!(served, 199);
    assert_eq!(cache_count(&stack, &gateway, "miss").await, 1);
}

#[tokio::test]
async fn an_entry_is_fetched_again_once_its_time_is_up() {
    let stack = Stack::new().await;
    let upstream = Upstream::start().await;
    let gateway = edge(&stack, &upstream, &[("GATEWAY_EDGE_CACHE_TTL_MS", "300")]).await;
    let target = seats("ttl");

    let (_, _, first) = get(&stack, &gateway, &target, &[]).await;
    let refetched = eventually(std::time::Duration::from_secs(5), || async {
        let (_, _, body) = get(&stack, &gateway, &target, &[]).await;
        body.contains(r#""n":2"#)
    })
    .await;

    assert!(first.contains(r#""n":1"#));
    assert!(refetched, "the entry was never fetched again");
    assert_eq!(upstream.requests(&target), 2);
}

#[tokio::test]
async fn a_token_bypasses_the_cache_only_on_routes_not_declared_public() {
    let stack = Stack::new().await;
    let upstream = Upstream::start().await;
    let gateway = edge(&stack, &upstream, &[("GATEWAY_EDGE_CACHE_TTL_MS", "30000")]).await;
    let user = stack.user().await;
    let bearer = format!("Bearer {}", user.token);
    let catalog = "/api/v1/events?by-caller";
    let shared = seats("shared");

    for _ in 0..2 {
        get(&stack, &gateway, catalog, &[("authorization", &bearer)]).await;
        get(&stack, &gateway, catalog, &[("cookie", "theme=dark")]).await;
        get(&stack, &gateway, &shared, &[("authorization", &bearer)]).await;
    }
    get(&stack, &gateway, catalog, &[]).await;
    get(&stack, &gateway, catalog, &[]).await;

    assert_eq!(
        upstream.requests(catalog),
        5,
        "4 personal requests + 1 anonymous fill"
    );
    assert_eq!(upstream.requests(&shared), 1);
    assert_eq!(cache_count(&stack, &gateway, "bypass").await, 4);
}

#[tokio::test]
async fn a_client_holding_the_cached_tag_gets_304_from_the_cache() {
    let stack = Stack::new().await;
    let upstream = Upstream::start().await;
    let gateway = edge(&stack, &upstream, &[("GATEWAY_EDGE_CACHE_TTL_MS", "30000")]).await;
    let target = seats("etag");

    let (status, headers, _) = get(&stack, &gateway, &target, &[("if-none-match", "\"v7\"")]).await;
    let (again, again_headers, body) =
        get(&stack, &gateway, &target, &[("if-none-match", "W/\"v7\"")]).await;
    let (other, _, other_body) =
        get(&stack, &gateway, &target, &[("if-none-match", "\"v6\"")]).await;

    assert_eq!(
        status,
        StatusCode::OK,
        "the filling request gets the whole answer"
    );
    assert_eq!(headers[header::ETAG], "\"v7\"");
    assert_eq!(again, StatusCode::NOT_MODIFIED);
    assert_eq!(again_headers[header::ETAG], "\"v7\"");
    assert!(again_headers.contains_key("x-request-id"));
    assert!(body.is_empty());
    assert_eq!(
        (other, other_body.contains(r#""n":1"#)),
        (StatusCode::OK, true)
    );
    assert_eq!(upstream.requests(&target), 1);
    assert_eq!(cache_count(&stack, &gateway, "not_modified").await, 1);
}

#[tokio::test]
async fn answers_with_a_cookie_or_marked_private_are_not_kept() {
    let stack = Stack::new().await;
    let upstream = Upstream::start().await;
    let gateway = edge(&stack, &upstream, &[("GATEWAY_EDGE_CACHE_TTL_MS", "30000")]).await;
    let (cookie, private) = (seats("cookie"), seats("private"));

    for _ in 0..3 {
        let (_, headers, _) = get(&stack, &gateway, &cookie, &[]).await;
        assert_eq!(headers[header::SET_COOKIE], "session=abc");
        get(&stack, &gateway, &private, &[]).await;
    }

    assert_eq!(upstream.requests(&cookie), 3);
    assert_eq!(upstream.requests(&private), 3);
}

#[tokio::test]
async fn a_cache_ttl_of_zero_turns_the_cache_off() {
    let stack = Stack::new().await;
    let upstream = Upstream::start().await;
    let gateway = edge(&stack, &upstream, &[("GATEWAY_EDGE_CACHE_TTL_MS", "0")]).await;
    let target = seats("off");

    get(&stack, &gateway, &target, &[]).await;
    get(&stack, &gateway, &target, &[]).await;

    assert_eq!(upstream.requests(&target), 2);
}
