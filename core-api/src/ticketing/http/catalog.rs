//! Public catalog: `/events`, `/performances/{id}`, and the seat map.

use axum::{
    body::Bytes,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    http::extract::{ApiPath, ApiQuery, Data, MaybeCaller},
    startup::AppState,
    ticketing::{
        domain::status::EventStatus,
        http::views::{PerformanceView, SeatView, all},
        services::catalog::{Event, SeatMap},
    },
};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VenueRef {
    pub(crate) id: Uuid,
    pub(crate) name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventView {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) status: EventStatus,
    pub(crate) venue: VenueRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) performances: Option<Vec<PerformanceView>>,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        EventView {
            id: e.id,
            title: e.title,
            description: e.description,
            status: e.status,
            venue: VenueRef {
                id: e.venue_id,
                name: e.venue_name,
            },
            performances: e.performances.map(all),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatMapView {
    pub(crate) performance_id: Uuid,
    pub(crate) seats: Vec<SeatView>,
}

impl SeatMapView {
    /// The whole answer (`{"success": true, "data": ...}`), serialised once and cached.
    fn body(map: &SeatMap) -> Result<Bytes> {
        #[derive(Serialize)]
        struct Envelope {
            success: bool,
            data: SeatMapView,
        }
        let envelope = Envelope {
            success: true,
            data: SeatMapView {
                performance_id: map.performance_id,
                seats: all(map.seats.clone()),
            },
        };
        let body = serde_json::to_vec(&envelope).map_err(anyhow::Error::from)?;
        Ok(Bytes::from(body))
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(get_event))
        .routes(routes!(event_performances))
        .routes(routes!(get_performance))
        .routes(routes!(seat_map))
}

fn admin(caller: &MaybeCaller) -> bool {
    caller.0.is_some_and(|c| c.is_admin())
}

/// Events on sale or past (drafts only for admins).
#[utoipa::path(get, path = "/events", tag = "catalog", responses((status = 200, body = Vec<EventView>)))]
async fn list_events(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Data<Vec<EventView>>> {
    Ok(Data(all(state
        .services
        .catalog
        .events(admin(&caller))
        .await?)))
}

/// One event with its performances.
#[utoipa::path(get, path = "/events/{id}", tag = "catalog", params(("id" = Uuid, Path)), responses(
    (status = 200, body = EventView), (status = 404)))]
async fn get_event(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<EventView>> {
    Ok(Data(
        state
            .services
            .catalog
            .event(id, admin(&caller))
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct DateRange {
    /// Performances starting on or after this day (YYYY-MM-DD, UTC) or instant (RFC 3339).
    from_date: Option<String>,
    /// Performances starting on or before this day (inclusive) or before this instant.
    to_date: Option<String>,
}

fn parse_bound(field: &str, raw: Option<&str>, end_of_day: bool) -> Result<Option<DateTime<Utc>>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw) {
        return Ok(Some(instant.with_timezone(&Utc)));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| Error::validation(field, "must be YYYY-MM-DD or an RFC 3339 instant"))?;
    let day = if end_of_day {
        day.checked_add_days(Days::new(1)).unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()))
}

/// Performances of an event, optionally within dates.
#[utoipa::path(get, path = "/events/{id}/performances", tag = "catalog", params(("id" = Uuid, Path), DateRange),
    responses((status = 200, body = Vec<PerformanceView>), (status = 400), (status = 404)))]
async fn event_performances(
    State(state): State<AppState>,
    caller: MaybeCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(range): ApiQuery<DateRange>,
) -> Result<Data<Vec<PerformanceView>>> {
    let from = parse_bound("fromDate", range.from_date.as_deref(), false)?;
    let to = parse_bound("toDate", range.to_date.as_deref(), true)?;
    Ok(Data(all(state
        .services
        .catalog
        .performances(id, from, to, admin(&caller))
        .await?)))
}

/// One performance with seat counts.
#[utoipa::path(get, path = "/performances/{id}", tag = "catalog", params(("id" = Uuid, Path)), responses(
    (status = 200, body = PerformanceView), (status = 404)))]
async fn get_performance(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<PerformanceView>> {
    Ok(Data(state.services.catalog.performance(id).await?.into()))
}

/// Every seat with its live status (AVAILABLE / HELD / RESERVED / SOLD) and price.
#[utoipa::path(get, path = "/performances/{id}/seats", tag = "catalog", params(("id" = Uuid, Path)), responses(
    (status = 200, body = SeatMapView), (status = 404), (status = 503)))]
async fn seat_map(State(state): State<AppState>, ApiPath(id): ApiPath<Uuid>) -> Result<Response> {
    let body = state
        .services
        .catalog
        .seat_map_body(id, SeatMapView::body)
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_bound_covers_the_whole_day() {
        let from = parse_bound("fromDate", Some("2026-12-24"), false)
            .expect("ok")
            .expect("some");
        let to = parse_bound("toDate", Some("2026-12-24"), true)
            .expect("ok")
            .expect("some");
        assert_eq!(from.to_rfc3339(), "2026-12-24T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-25T00:00:00+00:00");
        assert!(parse_bound("fromDate", Some("24/12/2026"), false).is_err());
        assert!(parse_bound("fromDate", None, false).expect("ok").is_none());
    }
}
