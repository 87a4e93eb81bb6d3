//! HTTP handlers of this context: extract and validate, call a service, wrap the answer.

pub mod admin_users;
pub mod auth;
pub mod wallet;

/// The routes of this context with their OpenAPI description.
pub fn router() -> utoipa_axum::router::OpenApiRouter<crate::startup::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(auth::router())
        .merge(admin_users::router())
        .merge(wallet::router())
}
