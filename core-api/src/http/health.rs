//! `/healthz` (the process is up) and `/readyz` (Postgres and Redis answer; the read
//! replica's state is reported but never makes the instance unready).

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::ErrorCode, http::within, startup::AppState};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "success": true, "data": { "status": "ok" } }))
}

/// Postgres is reachable, and Redis is too or holds can fall back to Postgres (each checked
/// with a bounded wait). The body names each dependency's state and the live hold path.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "ready"),
    (status = 503, description = "a dependency is down; details say which"),
))]
async fn readyz(State(state): State<AppState>) -> Response {
    let limit = state.config.dependency_timeout();
    let (pg, redis) = tokio::join!(
        within(limit, state.connections.ping_postgres()),
        within(limit, state.connections.ping_redis())
    );
    let word = |ok: bool| if ok { "up" } else { "down" };
    let fallback = state.config.hold_fallback;
    let hold_path = match (redis.is_ok(), fallback) {
        (true, _) => state.services.holds.store().live_path(),
        (false, true) => "postgres",
        (false, false) => "none",
    };
    let mut checks = json!({ "postgres": word(pg.is_ok()), "redis": word(redis.is_ok()), "holdPath": hold_path });
    // With a read replica configured the body names its state too. The primary is the truth:
    // a replica that is down or behind only moves catalog reads back to the primary, so it
    // never makes the instance unready.
    if let Some(replica) = state.connections.replica_status() {
        checks["postgresReplica"] = json!(replica.as_str());
    }
    crate::metrics::record_dependencies(pg.is_ok(), redis.is_ok());
    // With the Postgres fallback on, an instance without Redis still sells (degraded): it stays
    // ready, so a Redis outage does not take every instance out of the load balancer.
    if pg.is_ok() && (redis.is_ok() || fallback) {
        Json(json!({ "success": true, "data": checks })).into_response()
    } else {
        let body = json!({ "success": false, "error": {
            "code": ErrorCode::DependencyUnavailable, "message": "a dependency is unavailable", "details": checks } });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}
