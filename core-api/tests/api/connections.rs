//! Keep-alive connections stay usable whatever a handler does with the request body: the
//! gateway pools its connections to core-api and sends the next request down the same one.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::helpers::TestApp;

/// Writes one request and reads its answer (headers and a Content-Length body); the status
/// line, or None when the connection was closed instead.
async fn exchange(stream: &mut TcpStream, request: &[u8]) -> Option<String> {
    stream.write_all(request).await.ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return head.lines().next().map(str::to_owned);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn a_request_answered_before_its_body_is_read_leaves_the_connection_usable() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    // Large enough that hyper has not buffered it all when the 403 is written.
    let body = format!(r#"{{"name":"{}"}}"#, "a".repeat(300_000));
    let refused = format!(
        "POST /api/v1/admin/venues HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        user.token,
        body.len()
    );
    let mut stream = TcpStream::connect(app.addr).await.expect("connect");

    let first = exchange(&mut stream, refused.as_bytes()).await;
    let second = exchange(&mut stream, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await;

    assert_eq!(first.as_deref(), Some("HTTP/1.1 403 Forbidden"));
    assert_eq!(
        second.as_deref(),
        Some("HTTP/1.1 200 OK"),
        "the same connection answers the next request"
    );
}
