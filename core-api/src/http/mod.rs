//! The HTTP surface: routes under /api/v1, health, OpenAPI, and the layers around them.

pub(crate) mod extract;
pub(crate) mod health;
pub(crate) mod idempotent;
pub mod openapi;
pub(crate) mod page;
pub(crate) mod sse;

use std::time::Duration;

use axum::{
    Router,
    body::{Body, Bytes},
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, Request, header},
    middleware,
    response::{IntoResponse, Response},
    routing::get,
};
use tower::ServiceExt;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::{ServeDir, ServeFile},
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
pub(crate) fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(crate::shared::http::router())
        .merge(crate::ticketing::http::router())
        .merge(crate::booking::http::router());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .merge(health::router())
        .split_for_parts()
}

/// The finished OpenAPI document (see `openapi.rs`): what `/openapi.json` serves.
pub(crate) fn openapi_document(doc: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let value = serde_json::to_value(doc).unwrap_or_default();
    openapi::finish(value)
}

/// The document, pretty-printed, as `core-api openapi` prints it and `docs/openapi.json` keeps it.
pub fn openapi_json_pretty() -> String {
    let (_, doc) = api();
    serde_json::to_string_pretty(&openapi_document(&doc)).unwrap_or_default()
}

pub(crate) fn router(state: AppState) -> Router {
    let (routes, openapi) = api();
    let max_body = state.config.max_body_bytes;
    let app = static_app(&state.config.static_dir);
    // Serialised once: axum clones a route's handler for every request it serves, and a
    // handler holding the OpenApi value deep-cloned the whole document each time (every
    // request to any route paid ~50,000 allocations for it).
    let openapi = Bytes::from(openapi_document(&openapi).to_string());
    routes
        .route(
            "/openapi.json",
            get(move || {
                let body = openapi.clone();
                std::future::ready(([(header::CONTENT_TYPE, "application/json")], body))
            }),
        )
        .route_layer(middleware::from_fn(crate::metrics::track_http))
        .fallback(move |req: Request<Body>| fallback(app.clone(), req))
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .with_state(state)
        .layer(middleware::from_fn(move |req, next| read_body_first(max_body, req, next)))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(|_| panic_response()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// The built web app: its files as they are, and index.html for every other path so the
/// app's own routes survive a reload. A missing build asset stays a 404 (never index.html).
#[derive(Clone)]
struct WebApp {
    assets: ServeDir,
    pages: ServeDir<ServeFile>,
}

fn static_app(dir: &std::path::Path) -> Option<WebApp> {
    if !dir.is_dir() {
        tracing::info!(dir = %dir.display(), "no web app directory; not serving static files");
        return None;
    }
    tracing::info!(dir = %dir.display(), "serving the web app");
    Some(WebApp {
        assets: ServeDir::new(dir),
        pages: ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))),
    })
}

/// Unknown API paths get the JSON 404; anything else is the web app (if there is one).
async fn fallback(app: Option<WebApp>, req: Request<Body>) -> Response {
    let path = req.uri().path();
    let api = path == "/api" || path.starts_with("/api/") || path == "/openapi.json";
    let Some(app) = app.filter(|_| !api) else {
        return Error::NotFound("route").into_response();
    };
    // Hashed build assets never change; everything else (index.html) must be revalidated.
    let (served, cache) = if path.starts_with("/assets/") {
        (
            app.assets.oneshot(req).await,
            "public, max-age=31536000, immutable",
        )
    } else {
        (app.pages.oneshot(req).await, "no-cache")
    };
    match served {
        Ok(mut response) => {
            if response.status().is_success() {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            }
            response.map(Body::new)
        }
        Err(never) => match never {},
    }
}

/// Reads a request's whole body (up to the limit) before any handler runs.
///
/// A handler that answers early (403 from the caller check, 404 before the JSON is parsed)
/// leaves the body unread, and hyper then closes the keep-alive connection after the answer
/// without saying so: the gateway, which pools its connections to core-api, sent the next
/// request down the dead connection and answered 502. With the body read first the
/// connection stays usable; a body over the limit is answered 413 with `Connection: close`.
async fn read_body_first(limit: usize, req: Request<Body>, next: middleware::Next) -> Response {
    let (parts, body) = req.into_parts();
    if parts.method == axum::http::Method::GET || parts.method == axum::http::Method::HEAD {
        return next.run(Request::from_parts(parts, body)).await;
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => {
            let mut response = Error::PayloadTooLarge.into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(app: Option<WebApp>, path: &str) -> (u16, String, Option<String>) {
        let req = Request::builder()
            .uri(path)
            .body(Body::empty())
            .expect("request");
        let res = fallback(app, req).await;
        let status = res.status().as_u16();
        let cache = res
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, String::from_utf8_lossy(&body).into_owned(), cache)
    }

    #[tokio::test]
    async fn the_web_app_is_served_with_an_spa_fallback_but_api_paths_stay_json() {
        let dir = std::env::temp_dir().join(format!("holdfast-static-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("assets")).expect("mkdir");
        std::fs::write(dir.join("index.html"), "<html>app</html>").expect("index");
        std::fs::write(dir.join("assets/app-1.js"), "js").expect("asset");
        let app = static_app(&dir);

        let (status, body, cache) = get(app.clone(), "/performances/123").await;
        assert_eq!((status, body.as_str()), (200, "<html>app</html>"));
        assert_eq!(cache.as_deref(), Some("no-cache"));
        let (status, body, cache) = get(app.clone(), "/assets/app-1.js").await;
        assert_eq!((status, body.as_str()), (200, "js"));
        assert!(cache.is_some_and(|c| c.contains("immutable")));
        assert_eq!(get(app.clone(), "/assets/missing.js").await.0, 404);
        let (status, body, _) = get(app.clone(), "/api/v1/nothing").await;
        assert_eq!(status, 404);
        assert!(body.contains("\"NOT_FOUND\""), "{body}");
        // Without a build, nothing but the JSON 404.
        assert_eq!(get(static_app(&dir.join("missing")), "/").await.0, 404);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
