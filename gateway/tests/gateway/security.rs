//! What leaves the gateway is safe by default: security headers on every answer, client
//! addresses only from trusted proxies, and calendar feed tokens never in its logs.

use holdfast_contract::testing::CapturedLogs;
use reqwest::{Method, StatusCode, header::HeaderMap};
use tracing_subscriber::EnvFilter;
use uuid::Uuid;

use crate::helpers::{Stack, code};

fn assert_security_headers(what: &str, headers: &HeaderMap) {
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(
        headers["referrer-policy"], "strict-origin-when-cross-origin",
        "{what}"
    );
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert!(
        headers
            .get_all("content-security-policy")
            .iter()
            .any(|v| v == "frame-ancestors 'none'"),
        "{what}: {headers:?}"
    );
    assert!(
        headers.get("strict-transport-security").is_none(),
        "{what}: HSTS over plain HTTP"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_plain_http_no_hsts() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let dead = stack
        .gateway_with(&[("GATEWAY_UPSTREAMS", "127.0.0.1:1".to_owned())])
        .await;

    let cases = [
        ("proxied", gateway.addr, "/api/v1/events", StatusCode::OK),
        (
            "proxied 404",
            gateway.addr,
            "/api/v1/events/00000000-0000-0000-0000-000000000000",
            StatusCode::NOT_FOUND,
        ),
        ("own health", gateway.addr, "/healthz", StatusCode::OK),
        (
            "own refusal",
            gateway.addr,
            "/api/v1/auth/me",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "no upstream",
            dead.addr,
            "/api/v1/events",
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    ];
    for (what, addr, path, expected) in cases {
        let (status, headers, _) = stack.send(addr, Method::GET, path, None, &[], None).await;
        assert_eq!(status, expected, "{what}");
        assert_security_headers(what, &headers);
    }
}

async fn events_from(stack: &Stack, addr: std::net::SocketAddr, forged: &str) -> StatusCode {
    stack
        .send(
            addr,
            Method::GET,
            "/api/v1/events",
            None,
            &[("x-forwarded-for", forged)],
            None,
        )
        .await
        .0
}

#[tokio::test]
async fn a_forged_forwarded_for_from_an_untrusted_peer_does_not_change_the_ip_bucket() {
    let stack = Stack::new().await;
    // The header a balancer would set is named, but the test client is not a trusted proxy.
    let limits = [
        ("GATEWAY_RATE_PER_IP_PER_SEC", "1".to_owned()),
        ("GATEWAY_RATE_PER_IP_BURST", "1".to_owned()),
        ("GATEWAY_CLIENT_IP_HEADER", "x-forwarded-for".to_owned()),
    ];
    let untrusted = stack.gateway_with(&limits).await;

    let first = events_from(&stack, untrusted.addr, "198.51.100.1").await;
    let second = events_from(&stack, untrusted.addr, "198.51.100.2").await;

    assert_eq!(first, StatusCode::OK);
    assert_eq!(
        second,
        StatusCode::TOO_MANY_REQUESTS,
        "forged address got its own bucket"
    );
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client_and_trusted_hops_are_skipped() {
    let stack = Stack::new().await;
    let trusted = stack
        .gateway_with(&[
            ("GATEWAY_RATE_PER_IP_PER_SEC", "1".to_owned()),
            ("GATEWAY_RATE_PER_IP_BURST", "1".to_owned()),
            (
                "GATEWAY_TRUSTED_PROXIES",
                "127.0.0.0/8, 10.0.0.0/8".to_owned(),
            ),
        ])
        .await;

    // The right-most untrusted hop is the client: 198.51.100.1 behind the 10.x balancer.
    let a = events_from(&stack, trusted.addr, "203.0.113.9, 198.51.100.1, 10.0.0.5").await;
    let b = events_from(&stack, trusted.addr, "198.51.100.2").await;
    // Same client as the first (whatever it claims further left): its bucket is spent.
    let a_again = events_from(&stack, trusted.addr, "192.0.2.77, 198.51.100.1").await;

    assert_eq!(a, StatusCode::OK);
    assert_eq!(b, StatusCode::OK);
    assert_eq!(a_again, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_calendar_feed_token_never_reaches_the_gateway_logs() {
    let captured = CapturedLogs::default();
    // The gateway's own logging set-up, every level of the gateway and of Pingora.
    gateway::telemetry::init_with(
        false,
        EnvFilter::new(
            "off,gateway=trace,pingora=trace,pingora_core=trace,pingora_proxy=trace,pingora_http=trace,pingora_load_balancing=trace",
        ),
        captured.clone(),
    );
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let dead = stack
        .gateway_with(&[("GATEWAY_UPSTREAMS", "127.0.0.1:1".to_owned())])
        .await;
    let token = format!("feedsecret{}", Uuid::new_v4().simple());
    let request_id = format!("calendar-{}", Uuid::new_v4().simple());

    for addr in [gateway.addr, dead.addr] {
        let (status, _, body) = stack
            .send(
                addr,
                Method::GET,
                &format!("/api/v1/calendar/{token}.ics"),
                None,
                &[("x-request-id", &request_id)],
                None,
            )
            .await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status} {body}"
        );
        assert!(!body.to_string().contains(&token), "{body}");
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(code(&body), "DEPENDENCY_UNAVAILABLE");
        }
    }
    drop((gateway, dead));

    let logs = captured.text();
    // The failed proxy attempt is logged (by Pingora, naming the request by its id)...
    assert!(logs.contains(&request_id), "nothing captured: {logs}");
    // ...and the token is not.
    assert!(!logs.contains(&token), "token in the logs:\n{logs}");
    assert!(!logs.contains("feedsecret"), "token in the logs:\n{logs}");
}
