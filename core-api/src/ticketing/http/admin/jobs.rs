//! `/admin/performances/{id}/cancel`, `/admin/events/{id}/cancel` and `/admin/jobs`:
//! cancelling with refunds as a job, and the job's progress.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{Accepted, AdminCaller, ApiJson, ApiPath, ApiQuery, Data},
    startup::AppState,
    ticketing::storage::cancellations::{JobRow, Target},
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cancel_performance))
        .routes(routes!(cancel_event))
        .routes(routes!(list_jobs))
        .routes(routes!(get_job))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelRequest {
    /// Why (1 to 500 characters); kept with the performance and in the audit log.
    pub(crate) reason: String,
}

/// A cancellation job and its progress.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobView {
    pub(crate) job_id: Uuid,
    /// CANCEL_PERFORMANCE or CANCEL_EVENT.
    pub(crate) kind: String,
    /// RUNNING, DONE or FAILED.
    pub(crate) status: String,
    pub(crate) event_id: Option<Uuid>,
    pub(crate) performance_ids: Vec<Uuid>,
    pub(crate) reason: String,
    /// Live reservations when the job started (what it cancelled, once DONE).
    pub(crate) total: i32,
    /// Reservations cancelled so far.
    pub(crate) done: i32,
    /// Of those, paid ones refunded to the buyer's wallet.
    pub(crate) refunded: i32,
    /// KRW given back so far.
    pub(crate) refunded_amount: i64,
    pub(crate) started_by: Option<Uuid>,
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) finished_at: Option<DateTime<Utc>>,
    pub(crate) error: Option<String>,
}

impl From<JobRow> for JobView {
    fn from(j: JobRow) -> Self {
        JobView {
            job_id: j.id,
            kind: j.kind,
            status: j.status,
            event_id: j.event_id,
            performance_ids: j.performance_ids,
            reason: j.reason,
            total: j.total,
            done: j.done,
            refunded: j.refunded,
            refunded_amount: j.refunded_amount,
            started_by: j.actor_id,
            started_at: j.started_at,
            finished_at: j.finished_at,
            error: j.error,
        }
    }
}

/// Cancels a performance now (no new holds or reservations) and starts the job that cancels
/// every live reservation and refunds the paid ones. Asking again answers with the same job.
#[utoipa::path(post, path = "/admin/performances/{id}/cancel", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CancelRequest,
    responses((status = 202, body = JobView), (status = 400), (status = 403), (status = 404)))]
async fn cancel_performance(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CancelRequest>,
) -> Result<Accepted<JobView>> {
    let job = state
        .services
        .cancellations
        .start(caller, Target::Performance(id), &req.reason)
        .await?;
    Ok(Accepted(job.into()))
}

/// Cancels an event and every performance of it now, and starts the job that cancels every
/// live reservation and refunds the paid ones. Asking again answers with the same job.
#[utoipa::path(post, path = "/admin/events/{id}/cancel", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CancelRequest,
    responses((status = 202, body = JobView), (status = 400), (status = 403), (status = 404)))]
async fn cancel_event(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CancelRequest>,
) -> Result<Accepted<JobView>> {
    let job = state
        .services
        .cancellations
        .start(caller, Target::Event(id), &req.reason)
        .await?;
    Ok(Accepted(job.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct JobsQuery {
    /// Only jobs touching this performance.
    performance_id: Option<Uuid>,
}

/// Cancellation jobs, newest first (at most 100).
#[utoipa::path(get, path = "/admin/jobs", tag = "admin", security(("bearer" = [])), params(JobsQuery),
    responses((status = 200, body = Vec<JobView>), (status = 400), (status = 403)))]
async fn list_jobs(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiQuery(q): ApiQuery<JobsQuery>,
) -> Result<Data<Vec<JobView>>> {
    let jobs = state.services.cancellations.jobs(q.performance_id).await?;
    Ok(Data(jobs.into_iter().map(Into::into).collect()))
}

/// One cancellation job's progress.
#[utoipa::path(get, path = "/admin/jobs/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = JobView), (status = 403), (status = 404)))]
async fn get_job(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<JobView>> {
    Ok(Data(state.services.cancellations.job(id).await?.into()))
}
