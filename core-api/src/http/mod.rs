//! The HTTP surface: routes under /api/v1, health, OpenAPI, and the layers around them.

pub mod extract;
pub mod idempotent;
pub mod routes;

use std::time::Duration;

use axum::{
    Json, Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, Request},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::router::OpenApiRouter;

use crate::{error::Error, startup::AppState};

#[derive(OpenApi)]
#[openapi(
    info(title = "Holdfast core API", description = "Seats, holds and reservations. Every success is `{success: true, data}`; every error `{success: false, error: {code, message, details}}`."),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The routes with their OpenAPI description, before state and layers.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(routes::auth::router())
        .merge(routes::catalog::router())
        .merge(routes::holds::router())
        .merge(routes::reservations::router())
        .merge(routes::admin::router())
        .merge(routes::wallet::router())
        .merge(routes::stream::router())
        .merge(routes::products::router())
        .merge(routes::queue::router());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .merge(routes::health::router())
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (routes, openapi) = api();
    let max_body = state.config.max_body_bytes;
    routes
        .route("/openapi.json", get(move || std::future::ready(Json(openapi.clone()))))
        .route_layer(middleware::from_fn(crate::metrics::track_http))
        .fallback(|| async { Error::NotFound("route") })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(|_| panic_response()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

fn panic_response() -> Response {
    Error::Internal(anyhow::anyhow!("handler panicked")).into_response()
}

/// Bounded wait for one dependency check.
pub(crate) async fn within<T, E: Into<anyhow::Error>>(
    limit: Duration,
    fut: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(anyhow::anyhow!("timed out after {limit:?}")),
    }
}
