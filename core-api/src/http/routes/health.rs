//! `/healthz` (the process is up) and `/readyz` (Postgres and Redis answer).

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{http::within, startup::AppState, storage::db};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "success": true, "data": { "status": "ok" } }))
}

/// Postgres and Redis are reachable (each checked with a bounded wait).
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, description = "ready"),
    (status = 503, description = "a dependency is down; details say which"),
))]
async fn readyz(State(state): State<AppState>) -> Response {
    let limit = state.config.dependency_timeout();
    let (pg, redis) = tokio::join!(
        within(limit, db::ping(&state.db)),
        within(limit, state.redis.ping())
    );
    let word = |ok: bool| if ok { "up" } else { "down" };
    let checks =
        json!({ "postgres": word(pg.is_ok()), "redis": word(redis.is_ok()), "holdPath": "redis" });
    crate::metrics::record_dependencies(pg.is_ok(), redis.is_ok());
    if pg.is_ok() && redis.is_ok() {
        Json(json!({ "success": true, "data": checks })).into_response()
    } else {
        let body = json!({ "success": false, "error": {
            "code": "DEPENDENCY_UNAVAILABLE", "message": "a dependency is unavailable", "details": checks } });
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}
