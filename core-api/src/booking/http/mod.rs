//! HTTP handlers of this context: extract and validate, call a service, wrap the answer.
//! Request and response bodies sit next to their handlers.

pub(crate) mod bookings;
mod dashboard;
mod feeds;
pub mod resources;
mod stream;
mod teams;

/// The routes of this context with their OpenAPI description.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::startup::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(stream::router())
        .merge(resources::router())
        .merge(dashboard::router())
        .merge(bookings::router())
        .merge(feeds::router())
        .merge(teams::router())
}
