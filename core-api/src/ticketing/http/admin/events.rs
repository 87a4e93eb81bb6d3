//! `/admin/events` and `/admin/performances/{id}`: list, read with sales figures, edit and
//! delete events and performances.

use std::collections::BTreeMap;

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::{
        extract::{AdminCaller, ApiJson, ApiPath, ApiQuery, Data},
        page::{Page, page_schema},
    },
    startup::AppState,
    ticketing::{
        domain::status::EventStatus,
        services::admin::{AdminEvent, AdminPerformance, PerformanceEdit},
        storage::catalog::{AdminEventRow, AdminPerformanceRow},
    },
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event, update_event, delete_event))
        .routes(routes!(
            get_performance,
            update_performance,
            delete_performance
        ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct EventsQuery {
    /// Part of the title, any case (at most 100 characters).
    q: Option<String>,
    /// DRAFT, ON_SALE, SOLD_OUT, ENDED or CANCELLED.
    status: Option<String>,
    /// 1-100, default 50.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// Items to skip (0-100000), default 0.
    #[param(minimum = 0, maximum = 100000)]
    offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VenueRef {
    pub(crate) id: Uuid,
    pub(crate) name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AdminEventSummary {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) status: EventStatus,
    pub(crate) venue: VenueRef,
    /// How many performances it has.
    pub(crate) performance_count: i64,
    pub(crate) created_at: DateTime<Utc>,
}

impl From<AdminEventRow> for AdminEventSummary {
    fn from(e: AdminEventRow) -> Self {
        AdminEventSummary {
            id: e.id,
            title: e.title,
            description: e.description,
            status: e.status,
            venue: VenueRef {
                id: e.venue_id,
                name: e.venue_name,
            },
            performance_count: e.performances,
            created_at: e.created_at,
        }
    }
}

page_schema!(AdminEventPage = AdminEventSummary);

/// Where a performance stands for its organizer.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum PerformanceStatus {
    /// The sale has not opened yet.
    Scheduled,
    OnSale,
    /// The sale window is over.
    Closed,
    Cancelled,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueueSettingsView {
    pub(crate) enabled: bool,
    pub(crate) admit_per_minute: i32,
    pub(crate) max_active: i32,
    /// Base proof-of-work difficulty on join (0: none).
    pub(crate) pow_bits: i32,
    /// Passes bound to the joining client's key (DPoP).
    pub(crate) bind_passes: bool,
}

/// Seats by status in Postgres (held seats count as available here; the live stream has them).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatSummary {
    pub(crate) total_seats: i64,
    pub(crate) available: i64,
    pub(crate) reserved: i64,
    pub(crate) sold: i64,
}

/// A performance with everything its organizer sets.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AdminPerformanceView {
    pub(crate) id: Uuid,
    pub(crate) event_id: Uuid,
    pub(crate) status: PerformanceStatus,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) sale_opens_at: DateTime<Utc>,
    pub(crate) sale_closes_at: DateTime<Utc>,
    pub(crate) max_seats_per_user: i32,
    pub(crate) refund_cutoff_minutes: i32,
    pub(crate) queue: QueueSettingsView,
    pub(crate) stats: SeatSummary,
    /// KRW per price tier (on the performance detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) prices: Option<BTreeMap<String, i64>>,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
    pub(crate) cancel_reason: Option<String>,
}

fn performance_view(
    p: AdminPerformanceRow,
    prices: Option<BTreeMap<String, i64>>,
    now: DateTime<Utc>,
) -> AdminPerformanceView {
    let status = if p.cancelled_at.is_some() || p.event_status == EventStatus::Cancelled {
        PerformanceStatus::Cancelled
    } else if now < p.sale_opens_at {
        PerformanceStatus::Scheduled
    } else if now < p.sale_closes_at {
        PerformanceStatus::OnSale
    } else {
        PerformanceStatus::Closed
    };
    AdminPerformanceView {
        id: p.id,
        event_id: p.event_id,
        status,
        starts_at: p.starts_at,
        sale_opens_at: p.sale_opens_at,
        sale_closes_at: p.sale_closes_at,
        max_seats_per_user: p.max_seats_per_user,
        refund_cutoff_minutes: p.refund_cutoff_minutes,
        queue: QueueSettingsView {
            enabled: p.queue_enabled,
            admit_per_minute: p.queue_admit_per_minute,
            max_active: p.queue_max_active,
            pow_bits: p.queue_pow_bits,
            bind_passes: p.queue_bind_passes,
        },
        stats: SeatSummary {
            total_seats: p.total_seats,
            available: p.available,
            reserved: p.reserved,
            sold: p.sold,
        },
        prices,
        cancelled_at: p.cancelled_at,
        cancel_reason: p.cancel_reason,
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AdminEventDetail {
    #[serde(flatten)]
    pub(crate) event: AdminEventSummary,
    pub(crate) performances: Vec<AdminPerformanceView>,
}

fn event_detail(e: AdminEvent, now: DateTime<Utc>) -> AdminEventDetail {
    AdminEventDetail {
        event: e.event.into(),
        performances: e
            .performances
            .into_iter()
            .map(|p| performance_view(p, None, now))
            .collect(),
    }
}

fn performance_detail(p: AdminPerformance, now: DateTime<Utc>) -> AdminPerformanceView {
    performance_view(p.row, Some(p.prices), now)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateEventRequest {
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
}

/// Absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdatePerformanceRequest {
    pub(crate) starts_at: Option<DateTime<Utc>>,
    pub(crate) sale_opens_at: Option<DateTime<Utc>>,
    pub(crate) sale_closes_at: Option<DateTime<Utc>>,
    /// 1 to 50.
    pub(crate) max_seats_per_user: Option<i32>,
    /// KRW for some or all price tiers; seats already reserved keep their price.
    pub(crate) prices: Option<BTreeMap<String, i64>>,
}

/// Events, newest first, optionally by title and status.
#[utoipa::path(get, path = "/admin/events", tag = "admin", security(("bearer" = [])), params(EventsQuery),
    responses((status = 200, body = AdminEventPage), (status = 400), (status = 403)))]
async fn list_events(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Data<AdminEventPage>> {
    let (limit, offset) = (q.limit.unwrap_or(50), q.offset.unwrap_or(0));
    let (items, total) = state
        .services
        .admin
        .admin_events(q.q.as_deref(), q.status.as_deref(), (limit, offset))
        .await?;
    Ok(Data(Page::of(items, total, (limit, offset))))
}

/// One event with its performances and their seat figures.
#[utoipa::path(get, path = "/admin/events/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = AdminEventDetail), (status = 403), (status = 404)))]
async fn get_event(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<AdminEventDetail>> {
    let event = state.services.admin.admin_event(id).await?;
    Ok(Data(event_detail(event, state.services.clock.now())))
}

/// Changes an event's title and description. Audited.
#[utoipa::path(put, path = "/admin/events/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdateEventRequest,
    responses((status = 200, body = AdminEventDetail), (status = 400), (status = 403), (status = 404)))]
async fn update_event(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateEventRequest>,
) -> Result<Data<AdminEventDetail>> {
    let event = state
        .services
        .admin
        .update_event(caller.user_id, id, (&req.title, &req.description))
        .await?;
    Ok(Data(event_detail(event, state.services.clock.now())))
}

/// Deletes an event and its performances; 409 `HAS_SALES` if anything was ever reserved
/// (cancel it instead). Audited.
#[utoipa::path(delete, path = "/admin/events/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "HAS_SALES")))]
async fn delete_event(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode> {
    state
        .services
        .admin
        .delete_event(caller.user_id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One performance as its organizer sees it: status, sale window, limit, prices per tier,
/// waiting-room settings, refund cut-off and seat figures.
#[utoipa::path(get, path = "/admin/performances/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = AdminPerformanceView), (status = 403), (status = 404)))]
async fn get_performance(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<AdminPerformanceView>> {
    let p = state.services.admin.admin_performance(id).await?;
    Ok(Data(performance_detail(p, state.services.clock.now())))
}

/// Changes a performance's dates, per-user limit and tier prices (a price change is audited
/// as `performance.prices`). 400 when the sale window would end before it opens.
#[utoipa::path(put, path = "/admin/performances/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = UpdatePerformanceRequest,
    responses((status = 200, body = AdminPerformanceView), (status = 400), (status = 403), (status = 404)))]
async fn update_performance(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdatePerformanceRequest>,
) -> Result<Data<AdminPerformanceView>> {
    let edit = PerformanceEdit {
        starts_at: req.starts_at,
        sale_opens_at: req.sale_opens_at,
        sale_closes_at: req.sale_closes_at,
        max_seats_per_user: req.max_seats_per_user,
        prices: req.prices,
    };
    let p = state
        .services
        .admin
        .update_performance(caller.user_id, id, edit)
        .await?;
    Ok(Data(performance_detail(p, state.services.clock.now())))
}

/// Deletes a performance (its seats and products); 409 `HAS_SALES` if it was ever reserved
/// (cancel it instead). Audited.
#[utoipa::path(delete, path = "/admin/performances/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "HAS_SALES")))]
async fn delete_performance(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode> {
    state
        .services
        .admin
        .delete_performance(caller.user_id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
