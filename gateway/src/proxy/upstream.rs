//! The pool of core-api upstreams: round robin over the healthy ones, HTTP health checks on
//! `/healthz`, and the peer settings (timeouts, pooled keep-alive connections).

use std::{sync::Arc, time::Duration};

use pingora::{
    lb::{Backend, LoadBalancer, health_check::HttpHealthCheck, selection::RoundRobin},
    prelude::HttpPeer,
};
use tokio::sync::watch;

use crate::{config::Config, metrics::Metrics};

pub struct Upstreams {
    lb: LoadBalancer<RoundRobin>,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl Upstreams {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let mut lb =
            LoadBalancer::<RoundRobin>::try_from_iter(config.upstreams.iter().map(String::as_str))?;
        let mut check = HttpHealthCheck::new("localhost", false);
        check.req = pingora::http::RequestHeader::build("GET", b"/healthz", None)?;
        check.req.append_header("Host", "localhost")?;
        let timeout = Duration::from_millis(config.upstream_connect_timeout_ms);
        check.peer_template.options.connection_timeout = Some(timeout);
        check.peer_template.options.read_timeout = Some(timeout.max(Duration::from_millis(500)));
        check.consecutive_failure = 1;
        check.consecutive_success = 1;
        lb.set_health_check(Box::new(check));
        Ok(Upstreams {
            lb,
            connect_timeout: timeout,
            read_timeout: Duration::from_millis(config.upstream_read_timeout_ms),
        })
    }

    /// The next healthy upstream in round-robin order, skipping the ones in `avoid`.
    pub fn select(&self, avoid: &[Backend]) -> Option<Backend> {
        self.lb.select_with(b"", 256, |backend, healthy| {
            healthy && !avoid.contains(backend)
        })
    }

    pub fn any_healthy(&self) -> bool {
        self.select(&[]).is_some()
    }

    /// (address, healthy) of every upstream.
    pub fn health(&self) -> Vec<(String, bool)> {
        let backends = self.lb.backends();
        backends
            .get_backend()
            .iter()
            .map(|b| (b.addr.to_string(), backends.ready(b)))
            .collect()
    }

    /// How to reach `backend`: pooled keep-alive connections, bounded connect time, and no
    /// read timeout for streams (SSE) that stay open on purpose.
    pub fn peer(&self, backend: &Backend, streaming: bool) -> Box<HttpPeer> {
        let mut peer = HttpPeer::new(backend.addr.to_string(), false, String::new());
        peer.options.connection_timeout = Some(self.connect_timeout);
        peer.options.read_timeout = (!streaming).then_some(self.read_timeout);
        peer.options.idle_timeout = Some(Duration::from_secs(60));
        Box::new(peer)
    }

    pub async fn check_health(&self, metrics: &Metrics) {
        self.lb.backends().run_health_check(true).await;
        for (addr, healthy) in self.health() {
            metrics
                .upstream_healthy
                .with_label_values(&[&addr])
                .set(i64::from(healthy));
        }
    }

    pub async fn run(
        self: Arc<Self>,
        interval: Duration,
        metrics: Arc<Metrics>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut timer = tokio::time::interval(interval);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = timer.tick() => self.check_health(&metrics).await,
                _ = crate::stopped(&mut stop) => return,
            }
        }
    }
}
