//! HTTP calls of virtual users: one pooled keep-alive client, every call timed and recorded.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use reqwest::Method;
use serde_json::Value;

use crate::report::Recorder;

/// An answer: HTTP status (0 when the request got none) and the parsed JSON body.
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// One base URL per gateway; calls take turns over them.
    bases: Arc<[String]>,
    turn: Arc<AtomicUsize>,
    rec: Arc<Recorder>,
}

/// One client per run, shared: connections are reused across virtual users.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .pool_idle_timeout(Duration::from_secs(50))
        .timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()?)
}

/// A request being built: method, path, optional token, body and headers.
pub struct Call<'a> {
    pub op: &'a str,
    pub method: Method,
    pub path: String,
    pub token: Option<&'a str>,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl<'a> Call<'a> {
    pub fn new(op: &'a str, method: Method, path: impl Into<String>) -> Self {
        Self {
            op,
            method,
            path: path.into(),
            token: None,
            body: None,
            headers: Vec::new(),
        }
    }
    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl Api {
    /// `base`: one URL, or several separated by commas (instances of the same system, e.g.
    /// two gateways): calls then go round robin over them, as a load balancer would send them.
    pub fn new(http: reqwest::Client, base: &str, rec: Arc<Recorder>) -> Self {
        let mut bases: Vec<String> = base
            .split(',')
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(|b| format!("{}/api/v1", b.trim_end_matches('/')))
            .collect();
        // An empty target still gets one base: its calls fail (no answer, recorded as such)
        // instead of the round robin dividing by zero.
        if bases.is_empty() {
            bases.push("/api/v1".to_owned());
        }
        Self {
            http,
            bases: bases.into(),
            turn: Arc::new(AtomicUsize::new(0)),
            rec,
        }
    }

    /// Sends the call, records its latency under `call.op`, and parses the body.
    pub async fn send(&self, call: Call<'_>) -> Reply {
        let base = match self.bases.len() {
            1 => &self.bases[0],
            n => &self.bases[self.turn.fetch_add(1, Ordering::Relaxed) % n],
        };
        let mut req = self
            .http
            .request(call.method, format!("{base}{}", call.path));
        if let Some(t) = call.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in call.headers {
            req = req.header(k, v);
        }
        if let Some(b) = call.body {
            req = req.json(&b);
        }
        let started = std::time::Instant::now();
        let (status, body) = match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let bytes = resp.bytes().await.unwrap_or_default();
                (
                    status,
                    serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                )
            }
            Err(_) => (0, Value::Null),
        };
        self.rec.record(call.op, status, started.elapsed());
        Reply { status, body }
    }
}
