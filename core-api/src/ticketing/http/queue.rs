//! `/admin/performances/{id}/queue`: turn a performance's waiting room on or off and set its
//! admission rate and cap. The gateway reads the settings from Redis within a tick.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{AdminCaller, ApiJson, ApiPath, Data},
    startup::AppState,
    ticketing::services::queue::{QueueSettingsView, SetQueueRequest},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_queue))
}

/// Sets a performance's waiting room: `{enabled, admitPerMinute?, maxActive?}`.
#[utoipa::path(put, path = "/admin/performances/{id}/queue", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SetQueueRequest,
    responses((status = 200, body = QueueSettingsView), (status = 400), (status = 403), (status = 404)))]
async fn set_queue(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetQueueRequest>,
) -> Result<Data<QueueSettingsView>> {
    let view = state.services.queue.set(id, req).await?;
    Ok(Data(view))
}
