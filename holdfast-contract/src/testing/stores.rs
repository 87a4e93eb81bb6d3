//! The stores the tests of both services run on (real PostgreSQL and Redis, from
//! `TEST_DATABASE_URL` and `REDIS_URL`), a TCP proxy in front of one that a test can cut and
//! restore, and bounded polling for what happens in the background.

use std::{future::Future, net::SocketAddr, time::Duration};

use fred::prelude::{ClientLike, Config};
use serde_json::Value;
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

/// The server tests create their databases on (its own database is never used).
pub fn base_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The `host:port` of a store URL (`scheme://user@host:port/db`).
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// A plain client on the test Redis, for looking at keys (never for flushing: tests share it).
pub async fn redis_client() -> fred::prelude::Client {
    let client = fred::prelude::Client::new(
        Config::from_url(&redis_url()).expect("redis url"),
        None,
        None,
        None,
    );
    client.init().await.expect("connect to Redis");
    client
}

/// Every key matching `pattern` (SCAN, never KEYS). On a cluster every primary is scanned:
/// a plain SCAN sees only the keys of the node it happens to reach.
pub async fn scan_keys(client: &fred::prelude::Client, pattern: &str) -> Vec<String> {
    use fred::types::scan::Scanner;
    use futures::TryStreamExt;

    let mut keys = Vec::new();
    let mut pages: std::pin::Pin<Box<dyn futures::Stream<Item = _> + Send>> =
        if client.is_clustered() {
            Box::pin(client.scan_cluster(pattern.to_owned(), Some(1000), None))
        } else {
            Box::pin(client.scan(pattern.to_owned(), Some(1000), None))
        };
    while let Some(mut page) = pages.try_next().await.expect("scan") {
        if let Some(results) = page.take_results() {
            keys.extend(results.iter().filter_map(|k| k.as_str().map(str::to_owned)));
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The `code` of an error envelope, or "" when the body is not one.
pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// Polls `check` until it returns true, for at most `limit` (bounded, never a blind sleep).
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A TCP proxy between a service and a store, that a test can cut and restore.
pub struct TcpProxy {
    pub addr: SocketAddr,
    target: String,
    task: Option<JoinHandle<()>>,
}

impl TcpProxy {
    /// A proxy to `target` (`host:port`) on a fresh local port.
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        TcpProxy {
            addr,
            target: target.to_owned(),
            task: Some(Self::serve(listener, target.to_owned())),
        }
    }

    /// A proxy to the test Redis; `redis://{addr}` reaches Redis through it.
    pub async fn to_redis() -> Self {
        Self::start(&host_port(&redis_url())).await
    }

    fn serve(listener: TcpListener, target: String) -> JoinHandle<()> {
        tokio::spawn(async move {
            // Connections live in this set: aborting the accept task drops them all.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        })
    }

    /// Refuses new connections and cuts the open ones.
    pub async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Accepts connections again on the same address.
    pub async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("rebind proxy");
        self.task = Some(Self::serve(listener, self.target.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_drops_scheme_credentials_and_database() {
        assert_eq!(
            host_port("postgres://postgres@127.0.0.1:5432/holdfast"),
            "127.0.0.1:5432"
        );
        assert_eq!(host_port("redis://127.0.0.1:6379"), "127.0.0.1:6379");
        assert_eq!(host_port("redis://:pw@redis:6380/0"), "redis:6380");
    }
}
