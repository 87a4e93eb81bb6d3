//! The pool of core-api upstreams: round robin over the healthy ones, HTTP health checks on
//! `/healthz`, the peer settings (timeouts, pooled keep-alive connections) and the cap on
//! connections to each upstream.
//!
//! Pingora opens a new upstream connection whenever its pool has no idle one, without limit:
//! a flash crowd of thousands of clients became thousands of simultaneous connects to
//! core-api, overflowed its accept backlog and ended in `ConnectTimedout` (503), and the
//! surplus connections were closed again on release because they did not fit the pool. Each
//! upstream therefore has a semaphore of `GATEWAY_UPSTREAM_MAX_CONNECTIONS` permits: a request
//! holds one from peer selection until its exchange is over, so no more connections than
//! permits exist, the pool (sized to hold them all) keeps every one of them, and a burst waits
//! for a free connection instead of opening new ones.

use std::{collections::HashMap, sync::Arc, time::Duration};

use pingora::{
    lb::{Backend, LoadBalancer, health_check::HttpHealthCheck, selection::RoundRobin},
    prelude::HttpPeer,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::{config::Config, metrics::Metrics};

/// Every connection to an upstream stayed in use for the whole connect timeout.
#[derive(Debug)]
pub struct Busy;

pub struct Upstreams {
    lb: LoadBalancer<RoundRobin>,
    connect_timeout: Duration,
    read_timeout: Duration,
    /// One semaphore per upstream address (the backends are fixed at start).
    connections: HashMap<Backend, Arc<Semaphore>>,
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
        let connections = lb
            .backends()
            .get_backend()
            .iter()
            .map(|b| {
                let permits = Semaphore::new(config.edge.upstream_max_connections);
                (b.clone(), Arc::new(permits))
            })
            .collect();
        Ok(Upstreams {
            lb,
            connect_timeout: timeout,
            read_timeout: Duration::from_millis(config.upstream_read_timeout_ms),
            connections,
        })
    }

    /// A connection slot on `backend`, waited for up to the connect timeout; `Err(Busy)` when
    /// none came free in time (the caller answers 503 as for a connect timeout).
    pub async fn connection_slot(
        &self,
        backend: &Backend,
    ) -> Result<Option<OwnedSemaphorePermit>, Busy> {
        let Some(permits) = self.connections.get(backend) else {
            return Ok(None);
        };
        if let Ok(permit) = permits.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        match tokio::time::timeout(self.connect_timeout, permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(Busy),
        }
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
