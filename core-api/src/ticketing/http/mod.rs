//! HTTP handlers of this context: extract and validate, call a service, wrap the answer.

pub mod admin;
pub mod catalog;
pub mod holds;
pub mod payments;
pub mod products;
pub mod queue;
pub mod reservations;
pub mod stream;
pub mod views;

/// The routes of this context with their OpenAPI description.
pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::startup::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(catalog::router())
        .merge(holds::router())
        .merge(reservations::router())
        .merge(admin::router())
        .merge(stream::router())
        .merge(products::router())
        .merge(queue::router())
}
