//! `/auth/*`: register, login, refresh, logout, logout-all, me.

use axum::{extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{ApiJson, Created, Data},
    shared::{
        domain::{Account, Credentials, NewAccount, Role, Tokens},
        services::auth::Caller,
    },
    startup::AppState,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterRequest {
    /// An e-mail address (trimmed and lowercased; `local@domain.tld`).
    #[schema(max_length = 254)]
    pub(crate) email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub(crate) password: String,
    /// 1 to 100 characters after trimming.
    #[schema(min_length = 1, max_length = 100)]
    pub(crate) name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginRequest {
    /// An e-mail address (trimmed and lowercased; `local@domain.tld`).
    #[schema(max_length = 254)]
    pub(crate) email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub(crate) password: String,
}

/// Also the body of `/auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefreshRequest {
    pub(crate) refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenPair {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    /// Always "Bearer".
    pub(crate) token_type: &'static str,
    /// Seconds until the access token expires.
    pub(crate) expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserView {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: Role,
}

impl From<Account> for UserView {
    fn from(u: Account) -> Self {
        UserView {
            id: u.id,
            role: u.role,
            email: u.email,
            name: u.name,
        }
    }
}

impl From<RegisterRequest> for NewAccount {
    fn from(r: RegisterRequest) -> Self {
        NewAccount {
            email: r.email,
            password: r.password,
            name: r.name,
        }
    }
}

impl From<LoginRequest> for Credentials {
    fn from(r: LoginRequest) -> Self {
        Credentials {
            email: r.email,
            password: r.password,
        }
    }
}

impl From<Tokens> for TokenPair {
    fn from(t: Tokens) -> Self {
        TokenPair {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            token_type: "Bearer",
            expires_in: t.expires_in,
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(logout_all))
        .routes(routes!(me))
}

/// Creates a USER account.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest, responses(
    (status = 201, body = UserView), (status = 400), (status = 409, description = "EMAIL_TAKEN")))]
async fn register(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Created<UserView>> {
    Ok(Created(
        state.services.auth.register(req.into()).await?.into(),
    ))
}

/// Exchanges e-mail and password for an access token and a refresh token. After
/// `CORE_LOGIN_MAX_FAILURES` failures for one e-mail, each further attempt must wait a
/// doubling delay.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenPair), (status = 400, description = "VALIDATION_FAILED"),
    (status = 401, description = "UNAUTHENTICATED: wrong e-mail or password, or a deactivated account"),
    (status = 429, description = "RATE_LIMITED: too many failures for this e-mail; see Retry-After"),
    (status = 503, description = "SERVER_BUSY: too many sign-ins queued; see Retry-After")))]
async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Data<TokenPair>> {
    Ok(Data(state.services.auth.login(req.into()).await?.into()))
}

/// Rotates a refresh token; reusing an old one revokes every token of that login.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair), (status = 400, description = "VALIDATION_FAILED"),
    (status = 401, description = "UNAUTHENTICATED: invalid, expired, revoked, or the account is deactivated")))]
async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Data<TokenPair>> {
    Ok(Data(
        state
            .services
            .auth
            .refresh(&req.refresh_token)
            .await?
            .into(),
    ))
}

/// The caller's account.
#[utoipa::path(get, path = "/auth/me", tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = UserView), (status = 401)))]
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Data<UserView>> {
    Ok(Data(state.services.auth.me(caller.user_id).await?.into()))
}

/// Signs out: ends the login this refresh token belongs to (every token rotated from it).
/// Idempotent: an unknown, expired or already revoked token also answers 204.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = RefreshRequest, responses(
    (status = 204, description = "signed out"), (status = 400, description = "VALIDATION_FAILED"),
    (status = 503, description = "DEPENDENCY_UNAVAILABLE")))]
async fn logout(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode> {
    state.services.auth.logout(&req.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs the caller out everywhere: every refresh token is revoked and every access token
/// issued until now stops working on the next request.
#[utoipa::path(post, path = "/auth/logout-all", tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "signed out everywhere"), (status = 401, description = "UNAUTHENTICATED"),
    (status = 503, description = "DEPENDENCY_UNAVAILABLE")))]
async fn logout_all(State(state): State<AppState>, caller: Caller) -> Result<StatusCode> {
    state.services.auth.logout_all(caller.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
