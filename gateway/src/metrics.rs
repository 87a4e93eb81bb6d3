//! Prometheus metrics of one gateway instance and the `/metrics` listener.
//!
//! Each instance owns its registry (no process-wide recorder), so several gateways in one test
//! process report separately. Labels are bounded: matched routes, never raw paths or user ids;
//! queue gauges are labelled by performance id (a handful of on-sale performances).

use std::sync::Arc;

use axum::{Router, routing::get};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub rejects: IntCounterVec,
    pub redis_fallbacks: IntCounterVec,
    pub redis_up: IntGaugeVec,
    pub upstream_healthy: IntGaugeVec,
    pub queue_depth: IntGaugeVec,
    pub queue_admitted: IntCounterVec,
    pub queue_active_passes: IntGaugeVec,
    pub queue_passes_issued: IntCounterVec,
    /// `gateway_edge_cache_total` by result, resolved once (no label lookup per request).
    edge_cache: [IntCounter; 5],
    pub queue_abandoned: IntCounterVec,
    pub queue_full: IntCounterVec,
}

/// What the edge cache did with a cacheable request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheResult {
    /// Answered from a fresh entry.
    Hit = 0,
    /// Fetched from the upstream (and stored if it may be).
    Miss = 1,
    /// Waited for another request fetching the same key and got its answer.
    Coalesced = 2,
    /// Personal (a token or cookie on a route not declared public): not looked up.
    Bypass = 3,
    /// Answered 304 from an entry whose tag the client already has.
    NotModified = 4,
}

const CACHE_RESULTS: [&str; 5] = ["hit", "miss", "coalesced", "bypass", "not_modified"];

impl Metrics {
    pub fn new() -> prometheus::Result<Arc<Self>> {
        let registry = Registry::new();
        let counter =
            |name: &str, help: &str, labels: &[&str]| -> prometheus::Result<IntCounterVec> {
                let c = IntCounterVec::new(Opts::new(name, help), labels)?;
                registry.register(Box::new(c.clone()))?;
                Ok(c)
            };
        let gauge = |name: &str, help: &str, labels: &[&str]| -> prometheus::Result<IntGaugeVec> {
            let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "gateway_http_request_duration_seconds",
                "Time from the first byte of a request to the end of its response, by method, matched route and status",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )?;
        registry.register(Box::new(latency.clone()))?;
        let cache = counter(
            "gateway_edge_cache_total",
            "Cacheable reads by what the edge cache did: hit, miss, coalesced (waited for another request's fetch), bypass (personal request), not_modified (304 from the cache)",
            &["result"],
        )?;
        let edge_cache = CACHE_RESULTS.map(|result| cache.with_label_values(&[result]));
        Ok(Arc::new(Metrics {
            edge_cache,
            requests: counter(
                "gateway_http_requests_total",
                "Requests by method, matched route and status",
                &["method", "route", "status"],
            )?,
            latency,
            rejects: counter(
                "gateway_rejects_total",
                "Requests the gateway answered itself with a refusal, by reason (rate_limited, duplicate, no_pass, sold_out, unauthenticated, ...)",
                &["reason"],
            )?,
            redis_fallbacks: counter(
                "gateway_redis_fallbacks_total",
                "Requests decided without Redis because it was unreachable, by policy and outcome (open: let through, closed: refused)",
                &["policy", "outcome"],
            )?,
            redis_up: gauge(
                "gateway_redis_up",
                "1 when the last Redis call succeeded",
                &["instance"],
            )?,
            upstream_healthy: gauge(
                "gateway_upstream_healthy",
                "1 when the upstream passed its last health check",
                &["upstream"],
            )?,
            queue_depth: gauge(
                "gateway_queue_depth",
                "Users waiting in a performance's queue",
                &["performance"],
            )?,
            queue_admitted: counter(
                "gateway_queue_admitted_total",
                "Users admitted from a performance's queue by this instance's ticks",
                &["performance"],
            )?,
            queue_active_passes: gauge(
                "gateway_queue_active_passes",
                "Admitted users whose pass window is still open",
                &["performance"],
            )?,
            queue_passes_issued: counter(
                "gateway_queue_passes_issued_total",
                "Pass tokens handed out by the status route",
                &["performance"],
            )?,
            queue_abandoned: counter(
                "gateway_queue_abandoned_total",
                "Waiting users dropped from a performance's queue because they stopped polling",
                &["performance"],
            )?,
            queue_full: counter(
                "gateway_queue_full_total",
                "Joins refused because the performance's line was at maxQueueLength",
                &["performance"],
            )?,
            registry,
        }))
    }

    pub fn edge_cache(&self, result: CacheResult) {
        self.edge_cache[result as usize].inc();
    }

    pub fn reject(&self, reason: &str) {
        self.rejects.with_label_values(&[reason]).inc();
    }

    pub fn redis_fallback(&self, policy: &str, outcome: &str) {
        self.redis_fallbacks
            .with_label_values(&[policy, outcome])
            .inc();
    }

    pub fn set_redis_up(&self, up: bool) {
        self.redis_up
            .with_label_values(&["gateway"])
            .set(i64::from(up));
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let encoder = TextEncoder::new();
        if encoder.encode(&self.registry.gather(), &mut out).is_err() {
            return String::new();
        }
        String::from_utf8(out).unwrap_or_default() + &process_metrics::render()
    }

    /// The `/metrics` router for the metrics listener.
    pub fn router(self: &Arc<Self>) -> Router {
        let metrics = self.clone();
        Router::new().route(
            "/metrics",
            get(move || {
                let metrics = metrics.clone();
                async move { metrics.render() }
            }),
        )
    }
}
