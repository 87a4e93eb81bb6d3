//! `/resources`: shared servers (admins manage them), their availability, the dashboard
//! timeline and status, and the admin audit log.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    booking::services::{
        bookings::{AvailabilityView, StatusRow, TimelineRow, parse_window},
        resources::{ResourceRequest, ResourceView},
    },
    error::{Error, Result},
    http::extract::{AdminCaller, ApiJson, ApiPath, ApiQuery, Created, Data},
    shared::{
        services::auth::Caller,
        storage::audit::{AuditFilter, AuditRow},
    },
    startup::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(get_resource, update_resource, delete_resource))
        .routes(routes!(availability))
        .routes(routes!(timeline))
        .routes(routes!(status))
        .routes(routes!(audit_log))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    /// Admins only: include deactivated resources.
    include_inactive: Option<bool>,
}

/// Every resource that takes bookings (admins may ask for inactive ones too).
#[utoipa::path(get, path = "/resources", tag = "resources", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<ResourceView>)))]
async fn list_resources(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Data<Vec<ResourceView>>> {
    let inactive = q.include_inactive.unwrap_or(false) && caller.is_admin();
    Ok(Data(state.services.resources.list(inactive).await?))
}

/// Adds a resource with its booking policy.
#[utoipa::path(post, path = "/resources", tag = "resources", security(("bearer" = [])), request_body = ResourceRequest,
    responses((status = 201, body = ResourceView), (status = 400), (status = 403), (status = 409, description = "RESOURCE_NAME_TAKEN")))]
async fn create_resource(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiJson(req): ApiJson<ResourceRequest>,
) -> Result<Created<ResourceView>> {
    Ok(Created(state.services.resources.create(caller, req).await?))
}

#[utoipa::path(get, path = "/resources/{id}", params(("id" = Uuid, Path)), tag = "resources", security(("bearer" = [])),
    responses((status = 200, body = ResourceView), (status = 404)))]
async fn get_resource(
    State(state): State<AppState>,
    _: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<ResourceView>> {
    Ok(Data(state.services.resources.get(id).await?.into()))
}

/// Replaces a resource's fields and policy (existing bookings stay as they are).
#[utoipa::path(put, path = "/resources/{id}", params(("id" = Uuid, Path)), tag = "resources", security(("bearer" = [])), request_body = ResourceRequest,
    responses((status = 200, body = ResourceView), (status = 400), (status = 403), (status = 404), (status = 409)))]
async fn update_resource(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ResourceRequest>,
) -> Result<Data<ResourceView>> {
    Ok(Data(
        state.services.resources.update(caller, id, req).await?,
    ))
}

/// Removes a resource with nothing booked ahead.
#[utoipa::path(delete, path = "/resources/{id}", params(("id" = Uuid, Path)), tag = "resources", security(("bearer" = [])),
    responses((status = 200, body = ResourceView), (status = 403), (status = 404), (status = 409, description = "RESOURCE_HAS_BOOKINGS")))]
async fn delete_resource(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<ResourceView>> {
    Ok(Data(state.services.resources.delete(caller, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct Window {
    /// RFC 3339 with offset.
    from: String,
    /// RFC 3339 with offset; at most 92 days after `from`.
    to: String,
}

/// Free and busy time of one resource in a window, and whether the whole window can be booked.
#[utoipa::path(get, path = "/resources/{id}/availability", tag = "resources", security(("bearer" = [])), params(("id" = Uuid, Path), Window),
    responses((status = 200, body = AvailabilityView), (status = 400), (status = 404)))]
async fn availability(
    State(state): State<AppState>,
    _: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(w): ApiQuery<Window>,
) -> Result<Data<AvailabilityView>> {
    let (from, to) = parse_window(&w.from, &w.to)?;
    Ok(Data(
        state.services.bookings.availability(id, from, to).await?,
    ))
}

/// Dashboard: every active resource with its bookings in a window.
#[utoipa::path(get, path = "/resources/timeline", tag = "resources", security(("bearer" = [])), params(Window),
    responses((status = 200, body = Vec<TimelineRow>), (status = 400)))]
async fn timeline(
    State(state): State<AppState>,
    _: Caller,
    ApiQuery(w): ApiQuery<Window>,
) -> Result<Data<Vec<TimelineRow>>> {
    let (from, to) = parse_window(&w.from, &w.to)?;
    Ok(Data(state.services.bookings.timeline(from, to).await?))
}

/// Dashboard: who has each server now, and the next booking.
#[utoipa::path(get, path = "/resources/status", tag = "resources", security(("bearer" = [])),
    responses((status = 200, body = Vec<StatusRow>)))]
async fn status(State(state): State<AppState>, _: Caller) -> Result<Data<Vec<StatusRow>>> {
    Ok(Data(state.services.bookings.status().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct AuditQuery {
    /// resource, booking, series or feed.
    entity_type: Option<String>,
    entity_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    /// Entries older than this id (the last id of the previous page).
    before_id: Option<i64>,
    /// 1-500, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u64>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AuditEntryView {
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
    actor_id: Option<Uuid>,
    action: String,
    entity_type: String,
    entity_id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditEntryView {
    fn from(r: AuditRow) -> Self {
        AuditEntryView {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
        }
    }
}

/// Who created, changed or cancelled what (resources, bookings, series, calendar feeds), newest first.
#[utoipa::path(get, path = "/admin/audit-log", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 403)))]
async fn audit_log(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Data<Vec<AuditEntryView>>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Error::validation("limit", "must be 1 to 500"));
    }
    let rows = state
        .services
        .audit
        .list(&AuditFilter {
            entity_type: q.entity_type,
            entity_id: q.entity_id,
            actor_id: q.actor_id,
            before_id: q.before_id,
            limit,
        })
        .await?;
    Ok(Data(rows.into_iter().map(Into::into).collect()))
}
