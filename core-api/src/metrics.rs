//! Prometheus metrics: the recorder, the `/metrics` listener's router and the HTTP middleware.
//!
//! Labels are bounded: routes are matched paths (`/api/v1/holds/{id}`), never raw URIs or ids.

use std::{sync::OnceLock, time::Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
    routing::get,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once; later calls (several apps in one test process)
/// share it.
pub(crate) fn handle() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
                .map(|b| b.build_recorder())
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only if another recorder is installed already; the handle still renders ours.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "HTTP requests by method, matched route and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        "HTTP request latency by method, matched route and status"
    );
    describe_counter!(
        "holds_attempted_total",
        "Hold requests that reached the hold service"
    );
    describe_counter!("holds_granted_total", "Holds granted");
    describe_counter!(
        "holds_conflicted_total",
        "Holds refused: reason=taken (seat unavailable) or limit (per-user limit)"
    );
    describe_counter!("reservations_created_total", "Reservations committed");
    describe_counter!(
        "reservation_commit_conflicts_total",
        "Commits refused because a seat was no longer AVAILABLE"
    );
    describe_counter!(
        "confirmation_failures_total",
        "Commits failed on purpose by CONFIRM_FAILURE_RATE"
    );
    describe_gauge!(
        "dependency_up",
        "1 when the dependency answered the last readiness check, by dependency"
    );
    let counters = [
        (
            "holds_expired_total",
            "Held seats whose hold ran out before it was converted",
        ),
        ("holds_converted_total", "Holds turned into reservations"),
        (
            "reservations_cancelled_total",
            "Reservations cancelled by their owner or an admin",
        ),
        (
            "reservations_expired_total",
            "Unpaid reservations expired by the sweeper",
        ),
        (
            "payments_total",
            "Payment attempts by result (paid or the error code)",
        ),
        ("wallet_charges_total", "Successful wallet charges"),
        (
            "wallet_failures_total",
            "Refused wallet operations by reason",
        ),
        (
            "idempotent_replays_total",
            "Requests answered from a stored Idempotency-Key result",
        ),
        (
            "seat_events_dropped_total",
            "Seat events that could not be published (Redis down)",
        ),
        (
            "seat_stream_refused_total",
            "Seat-stream connections refused with 429, by limit (perClient, perPerformance, perInstance)",
        ),
        (
            "seat_stream_snapshots_total",
            "Seat-stream snapshots built (one serves every client that asks at the same time)",
        ),
        (
            "db_reads_total",
            "Catalog and seat-layout reads (the ones a read replica may serve) by op and by the server that answered (target=replica or primary)",
        ),
        (
            "db_replica_fallbacks_total",
            "Reads that failed or timed out on the read replica and were retried on the primary, by op",
        ),
        (
            "seat_stream_lagged_total",
            "Seat-stream clients that fell behind the shared event ring and were sent a fresh snapshot",
        ),
    ];
    for (name, help) in counters {
        describe_counter!(name, help);
    }
    let gauges = [
        (
            "reservations",
            "Reservations by state (refreshed by the sweeper)",
        ),
        (
            "seats_available",
            "AVAILABLE seats (live holds not subtracted) per performance on sale",
        ),
        (
            "circuit_breaker_state",
            "Redis circuit breaker on the hold path: 0 closed, 1 open, 2 half-open",
        ),
        (
            "seat_stream_connections",
            "Open SSE seat-stream connections on this instance",
        ),
        (
            "db_replica_lag_seconds",
            "How far the read replica is behind the primary, in seconds (NaN while unknown)",
        ),
        (
            "db_replica_lag_bytes",
            "WAL the read replica has not replayed yet, in bytes (NaN while unknown)",
        ),
        (
            "db_replica_up",
            "1 when the read replica answered the last lag check as a standby",
        ),
        (
            "db_replica_in_use",
            "1 when catalog reads go to the read replica (up and within DATABASE_READ_MAX_LAG_MS)",
        ),
        (
            "seat_stream_readers",
            "Redis stream readers (one per watched performance) on this instance",
        ),
    ];
    for (name, help) in gauges {
        describe_gauge!(name, help);
    }
    describe_histogram!(
        "redis_command_duration_seconds",
        "Redis calls on the hold and stream paths, by op"
    );
    describe_histogram!(
        "db_query_duration_seconds",
        "Postgres calls on the hot paths, by op"
    );
}

pub(crate) fn router() -> Router {
    let handle = handle();
    Router::new().route(
        "/metrics",
        get(move || std::future::ready(handle.render() + &process_metrics::render())),
    )
}

/// Counts and times every request by its matched route.
pub(crate) async fn track_http(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(start.elapsed().as_secs_f64());
    response
}

/// Times one call to a store: `redis_command_duration_seconds{op}` or
/// `db_query_duration_seconds{op}`. `op` is a fixed name, never data.
pub(crate) async fn timed<T>(store: Store, op: &'static str, call: impl Future<Output = T>) -> T {
    let start = Instant::now();
    let out = call.await;
    let name = match store {
        Store::Redis => "redis_command_duration_seconds",
        Store::Postgres => "db_query_duration_seconds",
    };
    metrics::histogram!(name, "op" => op).record(start.elapsed().as_secs_f64());
    out
}

#[derive(Clone, Copy)]
pub(crate) enum Store {
    Redis,
    Postgres,
}

pub(crate) fn record_dependencies(postgres_up: bool, redis_up: bool) {
    metrics::gauge!("dependency_up", "dependency" => "postgres")
        .set(f64::from(u8::from(postgres_up)));
    metrics::gauge!("dependency_up", "dependency" => "redis").set(f64::from(u8::from(redis_up)));
}
