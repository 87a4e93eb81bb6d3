//! HTTP handlers of this context: extract and validate, call a service, wrap the answer.

pub(crate) mod admin_users;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod notifications;
pub(crate) mod wallet;

/// The routes of this context with their OpenAPI description.
pub(crate) fn router() -> utoipa_axum::router::OpenApiRouter<crate::startup::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .merge(auth::router())
        .merge(admin_users::router())
        .merge(wallet::router())
        .merge(audit::router())
        .merge(notifications::router())
}
