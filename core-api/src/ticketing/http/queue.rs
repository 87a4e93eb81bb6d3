//! `/admin/performances/{id}/queue`: turn a performance's waiting room on or off and set its
//! admission rate and cap. The gateway reads the settings from Redis within a tick.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{AdminCaller, ApiJson, ApiPath, Data},
    startup::AppState,
    ticketing::services::queue::{QueueChange, QueueSettings},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetQueueRequest {
    pub(crate) enabled: bool,
    /// Users admitted per minute (1..=1000000); unchanged when absent.
    pub(crate) admit_per_minute: Option<i32>,
    /// Most users holding a live pass at once (1..=1000000); unchanged when absent.
    pub(crate) max_active: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueueSettingsView {
    pub(crate) performance_id: Uuid,
    pub(crate) enabled: bool,
    pub(crate) admit_per_minute: i32,
    pub(crate) max_active: i32,
    pub(crate) sold_out: bool,
}

impl From<QueueSettings> for QueueSettingsView {
    fn from(s: QueueSettings) -> Self {
        QueueSettingsView {
            performance_id: s.performance_id,
            enabled: s.enabled,
            admit_per_minute: s.admit_per_minute,
            max_active: s.max_active,
            sold_out: s.sold_out,
        }
    }
}

impl From<SetQueueRequest> for QueueChange {
    fn from(r: SetQueueRequest) -> Self {
        QueueChange {
            enabled: r.enabled,
            admit_per_minute: r.admit_per_minute,
            max_active: r.max_active,
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_queue))
}

/// Sets a performance's waiting room: `{enabled, admitPerMinute?, maxActive?}`.
#[utoipa::path(put, path = "/admin/performances/{id}/queue", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SetQueueRequest,
    responses((status = 200, body = QueueSettingsView), (status = 400), (status = 403), (status = 404)))]
async fn set_queue(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetQueueRequest>,
) -> Result<Data<QueueSettingsView>> {
    let settings = state
        .services
        .queue
        .set_by(Some(caller.user_id), id, req.into())
        .await?;
    Ok(Data(settings.into()))
}
