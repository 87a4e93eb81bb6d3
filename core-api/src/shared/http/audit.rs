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
