//! `/auth/*`: register, login, refresh, me.

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::Result,
    http::extract::{ApiJson, Created, Data},
    services::auth::{Caller, LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserView},
    startup::AppState,
};
use axum::extract::State;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(me))
}

/// Creates a USER account.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest, responses(
    (status = 201, body = UserView), (status = 400), (status = 409, description = "EMAIL_TAKEN")))]
async fn register(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Created<UserView>> {
    Ok(Created(state.services.auth.register(req).await?))
}

/// Exchanges e-mail and password for an access token and a refresh token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenPair), (status = 401)))]
async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Data<TokenPair>> {
    Ok(Data(state.services.auth.login(req).await?))
}

/// Rotates a refresh token; reusing an old one revokes every token of that login.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair), (status = 401)))]
async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Data<TokenPair>> {
    Ok(Data(state.services.auth.refresh(req).await?))
}

/// The caller's account.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView), (status = 401)))]
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Data<UserView>> {
    Ok(Data(state.services.auth.me(caller.user_id).await?))
}
