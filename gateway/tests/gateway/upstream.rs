//! A stand-in upstream on port 0 that counts what reaches it: every request (by path and
//! query) and every connection it came on, so tests can prove what the gateway asked for.
//!
//! Query words choose its behaviour: `gated` answers only once the test opens the gate,
//! `cookie` adds `Set-Cookie`, `private` adds `Cache-Control: private`. Every answer is JSON
//! with `ETag: "v7"` and the number of requests seen for that path and query.

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    extract::{ConnectInfo, Request},
    http::{HeaderMap, HeaderValue, header},
    routing::{any, get},
};
use tokio::{net::TcpListener, sync::watch};

#[derive(Clone)]
pub struct Upstream {
    pub addr: String,
    seen: Arc<Mutex<Vec<(String, SocketAddr)>>>,
    gate: Arc<watch::Sender<bool>>,
}

impl Upstream {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let upstream = Upstream {
            addr,
            seen: Arc::default(),
            gate: Arc::new(watch::channel(false).0),
        };
        let this = upstream.clone();
        let app = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .fallback(any(
                move |ConnectInfo(peer): ConnectInfo<SocketAddr>, request: Request| {
                    let this = this.clone();
                    async move { this.answer(peer, request).await }
                },
            ));
        tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, app).await;
        });
        upstream
    }

    async fn answer(&self, peer: SocketAddr, request: Request) -> (HeaderMap, String) {
        let target = request
            .uri()
            .path_and_query()
            .map_or_else(String::new, ToString::to_string);
        let query = request.uri().query().unwrap_or_default().to_owned();
        let n = {
            let mut seen = self.seen.lock().expect("lock");
            seen.push((target.clone(), peer));
            seen.iter().filter(|(t, _)| *t == target).count()
        };
        if query.contains("gated") {
            let mut open = self.gate.subscribe();
            let _ = open.wait_for(|open| *open).await;
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::ETAG, HeaderValue::from_static("\"v7\""));
        if query.contains("cookie") {
            headers.insert(header::SET_COOKIE, HeaderValue::from_static("session=abc"));
        }
        if query.contains("private") {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
        }
        (headers, format!(r#"{{"success":true,"data":{{"n":{n}}}}}"#))
    }

    /// Requests that reached the upstream for this path and query.
    pub fn requests(&self, target: &str) -> usize {
        let seen = self.seen.lock().expect("lock");
        seen.iter().filter(|(t, _)| t == target).count()
    }

    /// Distinct connections the upstream served requests on (health checks not counted).
    pub fn connections(&self) -> usize {
        let seen = self.seen.lock().expect("lock");
        seen.iter()
            .map(|(_, peer)| *peer)
            .collect::<HashSet<_>>()
            .len()
    }

    pub fn open_gate(&self) {
        self.gate.send_replace(true);
    }
}
