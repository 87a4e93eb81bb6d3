//! `/admin/users`: find accounts, change their role, deactivate or reactivate them. Admins only.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    http::{
        extract::{AdminCaller, ApiJson, ApiPath, ApiQuery, Data},
        page::{Page, page_schema},
    },
    shared::{
        domain::{Account, AccountPage, Role},
        services::accounts::Change,
    },
    startup::AppState,
};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountView {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) active: bool,
    pub(crate) created_at: DateTime<Utc>,
}

impl From<Account> for AccountView {
    fn from(u: Account) -> Self {
        AccountView {
            id: u.id,
            role: u.role,
            email: u.email,
            name: u.name,
            active: u.active,
            created_at: u.created_at,
        }
    }
}

page_schema!(AccountPageView = AccountView);

impl From<AccountPage> for AccountPageView {
    fn from(p: AccountPage) -> Self {
        Page::of(p.items, p.total, (p.limit, p.offset))
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(update_user))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    /// Part of the e-mail or name, any case (at most 100 characters).
    #[param(max_length = 100)]
    query: Option<String>,
    /// 1-100, default 50.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// Accounts to skip (0-100000), default 0.
    #[param(minimum = 0, maximum = 100000)]
    offset: Option<u64>,
}

/// Accounts, newest first, optionally only those whose e-mail or name contains `query`.
#[utoipa::path(get, path = "/admin/users", tag = "admin", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = AccountPageView), (status = 400, description = "VALIDATION_FAILED"),
    (status = 401), (status = 403)))]
async fn list_users(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Data<AccountPageView>> {
    let query = q.query.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if query.is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::validation("query", "must be at most 100 characters"));
    }
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(Error::validation("limit", "must be 1 to 100"));
    }
    let offset = q.offset.unwrap_or(0);
    if offset > 100_000 {
        return Err(Error::validation("offset", "must be at most 100000"));
    }
    Ok(Data(
        state
            .services
            .accounts
            .list(query, limit, offset)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateUserRequest {
    role: Option<Role>,
    active: Option<bool>,
}

/// Changes an account's role and/or deactivates or reactivates it. Takes effect on the
/// account's next request on every instance: its tokens carry the old auth version, so it
/// must sign in again. Audited. Admins cannot deactivate or demote themselves.
#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateUserRequest,
    responses((status = 200, body = AccountView), (status = 400, description = "VALIDATION_FAILED"),
    (status = 401), (status = 403), (status = 404),
    (status = 422, description = "SELF_LOCKOUT: an admin deactivating or demoting themself")))]
async fn update_user(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateUserRequest>,
) -> Result<Data<AccountView>> {
    if req.role.is_none() && req.active.is_none() {
        return Err(Error::validation("body", "give role and/or active"));
    }
    let change = Change {
        role: req.role,
        active: req.active,
    };
    Ok(Data(
        state
            .services
            .accounts
            .change(caller, id, change)
            .await?
            .into(),
    ))
}
