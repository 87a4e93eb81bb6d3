//! Proxying: header hygiene, request ids, upstream failures and failover.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    http::HeaderMap,
    routing::{any, get},
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::helpers::{Stack, code, eventually};

/// A stand-in upstream that records the headers of every request it gets.
async fn capturing_upstream() -> (String, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen: Arc<Mutex<Vec<HeaderMap>>> = Arc::default();
    let record = seen.clone();
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .fallback(any(move |headers: HeaderMap| {
            let record = record.clone();
            async move {
                record.lock().expect("lock").push(headers);
                axum::Json(json!({ "success": true, "data": {} }))
            }
        }));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, seen)
}

#[tokio::test]
async fn spoofed_identity_and_sequence_headers_never_reach_the_upstream() {
    let stack = Stack::new().await;
    let (upstream, seen) = capturing_upstream().await;
    let gateway = stack.gateway_with(&[("GATEWAY_UPSTREAMS", upstream)]).await;
    let user = stack.user().await;
    let spoofed = [
        ("X-User-Id", "00000000-0000-0000-0000-000000000001"),
        (
            "X-Authenticated-User-Id",
            "00000000-0000-0000-0000-000000000001",
        ),
        ("X-Fcfs-Seq", "1"),
    ];

    let (public, _, _) = stack
        .send(
            gateway.addr,
            Method::GET,
            "/api/v1/events",
            None,
            &spoofed,
            None,
        )
        .await;
    let (write, _, _) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/reservations",
            Some(&user.token),
            &spoofed,
            Some(json!({ "holdId": "x" })),
        )
        .await;

    assert_eq!((public, write), (StatusCode::OK, StatusCode::OK));
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].get("x-user-id").is_none());
    assert!(
        seen[0].get("x-authenticated-user-id").is_none(),
        "anonymous request got an identity"
    );
    assert!(seen[0].get("x-fcfs-seq").is_none());
    assert!(seen[1].get("x-user-id").is_none());
    assert_eq!(seen[1].get_all("x-authenticated-user-id").iter().count(), 1);
    assert_eq!(
        seen[1]["x-authenticated-user-id"],
        user.id.to_string().as_str()
    );
    let seq = seen[1]["x-fcfs-seq"].to_str().expect("seq");
    assert_eq!(seen[1].get_all("x-fcfs-seq").iter().count(), 1);
    assert!(seq.parse::<i64>().is_ok_and(|n| n >= 1), "{seq}");
    assert!(seen.iter().all(|h| h.get("x-request-id").is_some()));
}

#[tokio::test]
async fn requests_are_proxied_to_core_api_with_a_request_id() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;

    let (status, headers, body) = stack
        .send(
            gateway.addr,
            Method::GET,
            "/api/v1/events",
            None,
            &[("X-Request-Id", "trace-me-42")],
            None,
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(headers["x-request-id"], "trace-me-42");
    let (status, _, body) = stack
        .send(gateway.addr, Method::GET, "/readyz", None, &[], None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_503_in_our_envelope() {
    let stack = Stack::new().await;
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr");
    let gateway = stack
        .gateway_with(&[("GATEWAY_UPSTREAMS", closed.to_string())])
        .await;

    let (status, headers, body) = stack
        .send(gateway.addr, Method::GET, "/api/v1/events", None, &[], None)
        .await;

    assert!(
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::BAD_GATEWAY,
        "{status}"
    );
    assert_eq!(body["success"], false);
    assert_eq!(code(&body), "DEPENDENCY_UNAVAILABLE");
    assert!(headers.get("retry-after").is_some());
}

#[tokio::test]
async fn with_one_of_two_upstreams_down_no_request_fails_once_the_health_check_notices() {
    let mut stack = Stack::new().await;
    stack.add_core().await;
    let gateway = stack.gateway().await;
    let user = stack.user().await;

    stack.cores[1].stop();
    let noticed = eventually(Duration::from_secs(10), || async {
        let (_, _, body) = stack
            .send(gateway.addr, Method::GET, "/readyz", None, &[], None)
            .await;
        body["data"]["upstreams"]
            .as_array()
            .is_some_and(|u| u.iter().filter(|u| u["healthy"] == false).count() == 1)
    })
    .await;
    assert!(
        noticed,
        "the health check never marked the stopped upstream down"
    );

    for _ in 0..40 {
        let (status, _, body) = stack
            .send(
                gateway.addr,
                Method::GET,
                "/api/v1/auth/me",
                Some(&user.token),
                &[],
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_reaches_core_api() {
    let stack = Stack::new().await;
    let gateway = stack
        .gateway_with(&[("GATEWAY_MAX_BODY_BYTES", "2048".to_owned())])
        .await;
    let user = stack.user().await;

    let big = json!({ "holdId": "x".repeat(4096) });
    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/reservations",
            Some(&user.token),
            &[],
            Some(big),
        )
        .await;

    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(code(&body), "PAYLOAD_TOO_LARGE");
}

/// A chunked body has no length to check up front: it is counted as it streams through, and
/// going over the cap is answered 413 in the envelope, also after core-api has already told
/// the client `100 Continue` (the client sent `Expect: 100-continue`).
#[tokio::test]
async fn an_oversized_chunked_body_is_answered_413_also_after_100_continue() {
    let stack = Stack::new().await;
    let gateway = stack
        .gateway_with(&[("GATEWAY_MAX_BODY_BYTES", "2048".to_owned())])
        .await;
    let user = stack.user().await;

    for expect in ["Expect: 100-continue\r\n", ""] {
        let mut conn = tokio::net::TcpStream::connect(gateway.addr)
            .await
            .expect("connect");
        let head = format!(
            "POST /api/v1/reservations HTTP/1.1\r\nHost: holdfast\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\n{expect}\r\n",
            user.token
        );
        conn.write_all(head.as_bytes()).await.expect("request head");
        let mut answer = Vec::new();
        if !expect.is_empty() {
            // As a client does: wait for the go-ahead before sending the body.
            let mut byte = [0u8; 1];
            while !answer.ends_with(b"\r\n\r\n") {
                let read = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut byte))
                    .await
                    .expect("an interim answer within 10 s")
                    .expect("read");
                assert_eq!(read, 1, "connection closed early");
                answer.push(byte[0]);
            }
            assert!(
                answer.starts_with(b"HTTP/1.1 100"),
                "{}",
                String::from_utf8_lossy(&answer)
            );
        }
        // 8 KiB in 1 KiB chunks; the gateway may stop reading once it has refused.
        let chunk = format!("400\r\n{}\r\n", "x".repeat(1024));
        for _ in 0..8 {
            if conn.write_all(chunk.as_bytes()).await.is_err() {
                break;
            }
        }
        let _ = conn.write_all(b"0\r\n\r\n").await;

        let _ = tokio::time::timeout(Duration::from_secs(10), conn.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.contains("HTTP/1.1 413") && answer.contains("\"PAYLOAD_TOO_LARGE\""),
            "with {expect:?}: {answer}"
        );
    }
}

/// Too many header fields, or too many header bytes, are refused by the gateway in the
/// envelope (core-api's server would answer a bare 431 over 100 fields); a browser-sized
/// request passes.
#[tokio::test]
async fn oversized_headers_are_refused_in_the_envelope() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let user = stack.user().await;

    let names: Vec<String> = (0..80).map(|i| format!("x-extra-{i}")).collect();
    let many: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let big = "a".repeat(40 * 1024);
    let cases: [(&str, &[(&str, &str)]); 2] =
        [("80 fields", &many), ("40 KiB", &[("x-big", big.as_str())])];
    for (what, headers) in cases {
        let (status, _, body) = stack
            .send(
                gateway.addr,
                Method::GET,
                "/api/v1/auth/me",
                Some(&user.token),
                headers,
                None,
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "HEADERS_TOO_LARGE"
            ),
            "{what}: {body}"
        );
    }

    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::GET,
            "/api/v1/auth/me",
            Some(&user.token),
            &many[..30],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "30 extra fields pass: {body}");
}
