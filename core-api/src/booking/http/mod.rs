//! HTTP handlers of this context: extract and validate, call a service, wrap the answer.

pub mod bookings;
pub mod resources;

/// The routes of this context with their OpenAPI description.
pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::startup::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(resources::router())
        .merge(bookings::router())
}
