//! HTTP handlers of this context: extract and validate, call a service, wrap the answer.

pub(crate) mod admin;
pub(crate) mod catalog;
pub(crate) mod compact;
pub(crate) mod holds;
pub(crate) mod payments;
pub(crate) mod products;
pub(crate) mod queue;
pub(crate) mod reservations;
pub(crate) mod stream;
pub(crate) mod views;

/// The routes of this context with their OpenAPI description.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::startup::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(catalog::router())
        .merge(compact::router())
        .merge(holds::router())
        .merge(reservations::router())
        .merge(admin::router())
        .merge(stream::router())
        .merge(products::router())
        .merge(queue::router())
}
