//! `/admin/audit-log`: who created, changed or cancelled what, for admins.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{AdminCaller, ApiQuery, Data},
    shared::storage::audit::{AuditFilter, AuditRow},
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit_log))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct AuditQuery {
    /// resource, booking, series, feed, venue, event, performance, product, reservation, job
    /// or user.
    entity_type: Option<String>,
    entity_id: Option<Uuid>,
    /// The same as `entityType` (the console's name for it).
    target_type: Option<String>,
    /// The same as `entityId`.
    target_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    /// An exact action (`performance.cancel`), or all under a prefix ending in `.`
    /// (`performance.`); at most 100 characters.
    action: Option<String>,
    /// Entries at or after this time (RFC 3339).
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// Entries before this time (RFC 3339).
    to: Option<chrono::DateTime<chrono::Utc>>,
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

/// Who created, changed or cancelled what (venues, events, performances, sales, waiting rooms,
/// orders, cancellation jobs, users, resources, bookings, series, calendar feeds), newest first.
#[utoipa::path(get, path = "/admin/audit-log", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 403)))]
async fn audit_log(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Data<Vec<AuditEntryView>>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(crate::error::Error::validation("limit", "must be 1 to 500"));
    }
    if q.action.as_deref().is_some_and(|a| a.chars().count() > 100) {
        return Err(crate::error::Error::validation(
            "action",
            "at most 100 characters",
        ));
    }
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(crate::error::Error::validation(
            "to",
            "must not be before from",
        ));
    }
    let rows = state
        .services
        .audit
        .list(&AuditFilter {
            entity_type: q.entity_type.or(q.target_type),
            entity_id: q.entity_id.or(q.target_id),
            actor_id: q.actor_id,
            action: q.action.filter(|a| !a.is_empty()),
            from: q.from,
            to: q.to,
            before_id: q.before_id,
            limit,
        })
        .await?;
    Ok(Data(rows.into_iter().map(Into::into).collect()))
}
