//! The dashboard: one resource's free and busy time, every resource's bookings in a window,
//! and who has each server now.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{bookings::BookingView, resources::ResourceView};
use crate::{
    booking::domain::{
        schedule::{Availability, ResourceStatus, TimelineEntry},
        time::parse_window,
    },
    error::Result,
    http::extract::{ApiPath, ApiQuery, Data},
    shared::services::auth::Caller,
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(availability))
        .routes(routes!(timeline))
        .routes(routes!(status))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Slot {
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BusySlot {
    pub(crate) booking_id: Uuid,
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AvailabilityView {
    pub(crate) resource_id: Uuid,
    pub(crate) from: DateTime<Utc>,
    pub(crate) to: DateTime<Utc>,
    /// The whole window could be booked right now (free, and the policy allows it).
    pub(crate) available: bool,
    /// Why not, when the policy refuses the whole window.
    pub(crate) policy_violation: Option<serde_json::Value>,
    /// Free stretches inside the window: not booked, not in the past, inside allowed hours.
    pub(crate) free: Vec<Slot>,
    pub(crate) busy: Vec<BusySlot>,
}

impl From<Availability> for AvailabilityView {
    fn from(a: Availability) -> Self {
        AvailabilityView {
            resource_id: a.resource_id,
            from: a.from,
            to: a.to,
            available: a.available,
            policy_violation: a.policy_violation,
            free: a
                .free
                .into_iter()
                .map(|(start_at, end_at)| Slot { start_at, end_at })
                .collect(),
            busy: a
                .busy
                .into_iter()
                .map(|b| BusySlot {
                    booking_id: b.id,
                    start_at: b.start_at,
                    end_at: b.end_at,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TimelineRow {
    pub(crate) resource: ResourceView,
    pub(crate) bookings: Vec<BookingView>,
}

impl From<TimelineEntry> for TimelineRow {
    fn from(t: TimelineEntry) -> Self {
        TimelineRow {
            resource: t.resource.into(),
            bookings: t.bookings.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusRow {
    pub(crate) resource: ResourceView,
    /// The booking running now, if any.
    pub(crate) current: Option<BookingView>,
    pub(crate) next: Option<BookingView>,
}

impl From<ResourceStatus> for StatusRow {
    fn from(s: ResourceStatus) -> Self {
        StatusRow {
            resource: s.resource.into(),
            current: s.current.map(Into::into),
            next: s.next.map(Into::into),
        }
    }
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
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(w): ApiQuery<Window>,
) -> Result<Data<AvailabilityView>> {
    let (from, to) = parse_window(&w.from, &w.to)?;
    Ok(Data(
        state
            .services
            .bookings
            .availability(caller, id, (from, to))
            .await?
            .into(),
    ))
}

/// Dashboard: every active resource of the caller's teams with its bookings in a window.
#[utoipa::path(get, path = "/resources/timeline", tag = "resources", security(("bearer" = [])), params(Window),
    responses((status = 200, body = Vec<TimelineRow>), (status = 400)))]
async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(w): ApiQuery<Window>,
) -> Result<Data<Vec<TimelineRow>>> {
    let (from, to) = parse_window(&w.from, &w.to)?;
    Ok(Data(
        state
            .services
            .bookings
            .timeline(caller, from, to)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Dashboard: who has each of the caller's teams' servers now, and the next booking.
#[utoipa::path(get, path = "/resources/status", tag = "resources", security(("bearer" = [])),
    responses((status = 200, body = Vec<StatusRow>)))]
async fn status(State(state): State<AppState>, caller: Caller) -> Result<Data<Vec<StatusRow>>> {
    Ok(Data(
        state
            .services
            .bookings
            .status(caller)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
