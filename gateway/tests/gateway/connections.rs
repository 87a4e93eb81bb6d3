//! Client connections: kept alive request after request, a silent one waits without holding
//! anyone up, and a response larger than the write hold arrives whole.

use axum::{
    Router,
    extract::Request,
    routing::{any, get},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::helpers::Stack;

const BIG: usize = 100 * 1024;

/// An upstream answering `.../big` with `BIG` bytes and anything else with a small JSON body.
async fn sized_upstream() -> String {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .fallback(any(|request: Request| async move {
            if request.uri().path().ends_with("/big") {
                "x".repeat(BIG)
            } else {
                r#"{"success":true,"data":{}}"#.to_owned()
            }
        }));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// One HTTP/1.1 request on a kept-alive connection; returns the status and the body length.
async fn roundtrip(stream: &mut TcpStream, path: &str) -> (u16, usize) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "connection closed before the response ended");
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("content-length");
        if buf.len() >= end + 4 + len {
            assert_eq!(buf.len(), end + 4 + len, "bytes past the response");
            let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
            return (status, len);
        }
    }
}

#[tokio::test]
async fn a_kept_alive_connection_serves_request_after_request_while_a_silent_one_waits() {
    let stack = Stack::new().await;
    let gateway = stack
        .gateway_with(&[("GATEWAY_UPSTREAMS", sized_upstream().await)])
        .await;
    let mut silent = TcpStream::connect(gateway.addr).await.expect("connect");
    let closed = TcpStream::connect(gateway.addr).await.expect("connect");
    drop(closed);

    let mut busy = TcpStream::connect(gateway.addr).await.expect("connect");
    let mut answers = Vec::new();
    for path in [
        "/api/v1/events",
        "/api/v1/events/big",
        "/healthz",
        "/api/v1/events",
    ] {
        answers.push(roundtrip(&mut busy, path).await);
    }
    let late = roundtrip(&mut silent, "/api/v1/events").await;

    assert_eq!(answers[0].0, 200);
    assert_eq!(answers[1], (200, BIG));
    assert_eq!(answers[2].0, 200);
    assert_eq!(answers[3].0, 200);
    assert_eq!(late.0, 200);
}
