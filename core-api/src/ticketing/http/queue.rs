//! `/admin/performances/{id}/queue`: turn a performance's waiting room on or off and set its
//! admission rate, cap and limits. The gateway reads the settings from Redis within a tick.

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
    /// Most people in line at once (1..=10000000, default 100000); joins past it get 503
    /// `QUEUE_FULL`. Unchanged when absent.
    pub(crate) max_queue_length: Option<i32>,
    /// Minutes before the sale opens that the pre-queue opens (0..=1440, default 30); joins
    /// in that window are shuffled at the open. Unchanged when absent.
    pub(crate) prequeue_minutes: Option<i32>,
    /// Missed polls (of the longest suggested interval, 18 s) after which a waiting user
    /// loses their place (1..=1000, default 4). Unchanged when absent.
    pub(crate) abandon_after_polls: Option<i32>,
    /// Seconds an admitted user may leave the pass unused before its `maxActive` slot is
    /// freed (10..=86400, default 120). Unchanged when absent.
    pub(crate) pass_unused_seconds: Option<i32>,
    /// Base difficulty (leading zero bits of SHA-256) of the proof-of-work challenge a join
    /// must solve (0..=24, default 0: no challenge). The gateway adds a bit for every eighth
    /// of `maxQueueLength` already in line. Unchanged when absent.
    pub(crate) pow_bits: Option<i32>,
    /// Bind passes to the key of the client that joined (DPoP): holds must carry a `DPoP`
    /// proof signed with it (default false). Unchanged when absent.
    pub(crate) bind_passes: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueueSettingsView {
    pub(crate) performance_id: Uuid,
    pub(crate) enabled: bool,
    pub(crate) admit_per_minute: i32,
    pub(crate) max_active: i32,
    pub(crate) max_queue_length: i32,
    pub(crate) prequeue_minutes: i32,
    pub(crate) abandon_after_polls: i32,
    pub(crate) pass_unused_seconds: i32,
    pub(crate) pow_bits: i32,
    pub(crate) bind_passes: bool,
    pub(crate) sold_out: bool,
}

impl From<QueueSettings> for QueueSettingsView {
    fn from(s: QueueSettings) -> Self {
        QueueSettingsView {
            performance_id: s.performance_id,
            enabled: s.enabled,
            admit_per_minute: s.admit_per_minute,
            max_active: s.max_active,
            max_queue_length: s.max_queue_length,
            prequeue_minutes: s.prequeue_minutes,
            abandon_after_polls: s.abandon_after_polls,
            pass_unused_seconds: s.pass_unused_seconds,
            pow_bits: s.pow_bits,
            bind_passes: s.bind_passes,
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
            max_queue_length: r.max_queue_length,
            prequeue_minutes: r.prequeue_minutes,
            abandon_after_polls: r.abandon_after_polls,
            pass_unused_seconds: r.pass_unused_seconds,
            pow_bits: r.pow_bits,
            bind_passes: r.bind_passes,
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_queue))
}

/// Sets a performance's waiting room: `{enabled, admitPerMinute?, maxActive?, maxQueueLength?,
/// prequeueMinutes?, abandonAfterPolls?, passUnusedSeconds?, powBits?, bindPasses?}`.
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
