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
//!
//! Each worker thread has its own pool (see `Workers` in `lib.rs`), so the permits are split
//! between the workers (at least one each): a worker only opens a connection when all of its
//! own are busy, and the connections of all workers together stay within the cap.

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
    /// Per upstream address (the backends are fixed at start), one semaphore per worker.
    connections: HashMap<Backend, Vec<Arc<Semaphore>>>,
    /// Each backend's peer settings, built once: (pooled exchange, stream).
    peers: HashMap<Backend, (HttpPeer, HttpPeer)>,
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
                let per_worker = split(config.edge.upstream_max_connections, config.workers)
                    .map(|n| Arc::new(Semaphore::new(n)))
                    .collect();
                (b.clone(), per_worker)
            })
            .collect();
        let read_timeout = Duration::from_millis(config.upstream_read_timeout_ms);
        let peers = lb
            .backends()
            .get_backend()
            .iter()
            .map(|b| {
                let peer = |streaming| build_peer(b, streaming, timeout, read_timeout);
                (b.clone(), (peer(false), peer(true)))
            })
            .collect();
        Ok(Upstreams {
            lb,
            connect_timeout: timeout,
            read_timeout,
            connections,
            peers,
        })
    }

    /// A connection slot of `worker` on `backend`, waited for up to the connect timeout;
    /// `Err(Busy)` when none came free in time (the caller answers 503 as for a connect
    /// timeout).
    pub async fn connection_slot(
        &self,
        backend: &Backend,
        worker: usize,
    ) -> Result<Option<OwnedSemaphorePermit>, Busy> {
        let Some(permits) = self
            .connections
            .get(backend)
            .and_then(|w| w.get(worker % w.len().max(1)))
        else {
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
        Box::new(match self.peers.get(backend) {
            Some((pooled, stream)) => if streaming { stream } else { pooled }.clone(),
            None => build_peer(backend, streaming, self.connect_timeout, self.read_timeout),
        })
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

fn build_peer(
    backend: &Backend,
    streaming: bool,
    connect_timeout: Duration,
    read_timeout: Duration,
) -> HttpPeer {
    let mut peer = HttpPeer::new(backend.addr.to_string(), false, String::new());
    peer.options.connection_timeout = Some(connect_timeout);
    peer.options.read_timeout = (!streaming).then_some(read_timeout);
    peer.options.idle_timeout = Some(Duration::from_secs(60));
    peer
}

/// `total` split into `parts` shares as even as possible, each at least 1.
fn split(total: usize, parts: usize) -> impl Iterator<Item = usize> {
    let parts = parts.max(1);
    (0..parts).map(move |i| (total / parts + usize::from(i < total % parts)).max(1))
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn the_cap_is_split_between_workers() {
        assert_eq!(split(128, 2).collect::<Vec<_>>(), [64, 64]);
        assert_eq!(split(5, 2).collect::<Vec<_>>(), [3, 2]);
        assert_eq!(split(4, 3).collect::<Vec<_>>(), [2, 1, 1]);
        assert_eq!(split(1, 3).collect::<Vec<_>>(), [1, 1, 1]);
        assert_eq!(split(7, 0).collect::<Vec<_>>(), [7]);
    }
}
