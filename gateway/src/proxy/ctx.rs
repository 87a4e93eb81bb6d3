//! Per-request state carried through the pipeline, the proxy phases and the logging phase.

use std::{net::IpAddr, time::Instant};

use pingora::lb::Backend;
use tokio::sync::OwnedSemaphorePermit;

use crate::{
    admission::{auth::Identity, rate_limit::Allowance},
    edge_cache::Fill,
};

pub struct Ctx {
    pub start: Instant,
    pub request_id: String,
    pub route: String,
    pub client_ip: Option<IpAddr>,
    /// The client connection came over TLS.
    pub tls: bool,
    pub identity: Option<Identity>,
    pub allowance: Option<Allowance>,
    /// `X-Fcfs-Seq` for writes that passed duplicate blocking.
    pub seq: Option<i64>,
    /// The in-flight key this write holds (freed in `logging` if the write failed).
    pub inflight: Option<String>,
    pub streaming: bool,
    /// Request body bytes seen so far (capped at `max_body_bytes`).
    pub body_bytes: usize,
    /// Upstreams that refused a connection for this request; retries pick another.
    pub failed: Vec<Backend>,
    pub upstream: Option<Backend>,
    /// The upstream connection slot this request holds until it ends (see `upstream`).
    pub upstream_slot: Option<OwnedSemaphorePermit>,
    /// Set when this request fetches a key of the edge cache for everyone asking for it.
    pub cache_fill: Option<Box<Fill>>,
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx {
            start: Instant::now(),
            request_id: String::new(),
            route: "unmatched".to_owned(),
            client_ip: None,
            tls: false,
            identity: None,
            allowance: None,
            seq: None,
            inflight: None,
            streaming: false,
            body_bytes: 0,
            failed: Vec::new(),
            upstream: None,
            upstream_slot: None,
            cache_fill: None,
        }
    }
}
