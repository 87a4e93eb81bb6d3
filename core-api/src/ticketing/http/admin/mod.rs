//! `/admin/*`: venues, events, performances, sale windows, stats. Admins only. Their request
//! and response shapes are in `types`.

mod events;
mod jobs;
mod live;
mod orders;
mod types;
mod venues;

use types::{
    CreateEventRequest, CreatePerformanceRequest, CreateVenueRequest, PerformanceStats,
    SetEventStatusRequest, SetRefundCutoffRequest, VenueView,
};

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{AdminCaller, ApiJson, ApiPath, Created, Data},
    startup::AppState,
    ticketing::http::{catalog::EventView, views::PerformanceView},
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_venue))
        .routes(routes!(create_event))
        .routes(routes!(set_event_status))
        .routes(routes!(create_performance))
        .routes(routes!(open_sale))
        .routes(routes!(close_sale))
        .routes(routes!(set_refund_cutoff))
        .routes(routes!(performance_stats))
        .merge(events::router())
        .merge(jobs::router())
        .merge(live::router())
        .merge(orders::router())
        .merge(venues::router())
}

/// Creates a venue with its seat layout (generated sections and/or explicit seats). Audited.
#[utoipa::path(post, path = "/admin/venues", tag = "admin", security(("bearer" = [])), request_body = CreateVenueRequest,
    responses((status = 201, body = VenueView), (status = 400), (status = 403)))]
async fn create_venue(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiJson(req): ApiJson<CreateVenueRequest>,
) -> Result<Created<VenueView>> {
    let venue = state
        .services
        .admin
        .create_venue_by(Some(caller.user_id), req.into())
        .await?;
    Ok(Created(venue.into()))
}

/// Creates a DRAFT event at a venue. Audited.
#[utoipa::path(post, path = "/admin/events", tag = "admin", security(("bearer" = [])), request_body = CreateEventRequest,
    responses((status = 201, body = EventView), (status = 400), (status = 403), (status = 404)))]
async fn create_event(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiJson(req): ApiJson<CreateEventRequest>,
) -> Result<Created<EventView>> {
    let event = state
        .services
        .admin
        .create_event_by(Some(caller.user_id), req.into())
        .await?;
    Ok(Created(event.into()))
}

/// Sets an event's status.
#[utoipa::path(post, path = "/admin/events/{id}/status", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SetEventStatusRequest, responses((status = 200, body = EventView)))]
async fn set_event_status(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetEventStatusRequest>,
) -> Result<Data<EventView>> {
    let event = state
        .services
        .admin
        .set_event_status(Some(caller.user_id), id, &req.status)
        .await?;
    Ok(Data(event.into()))
}

/// Creates a performance; its seats are generated from the venue layout, priced by tier.
/// Audited.
#[utoipa::path(post, path = "/admin/events/{id}/performances", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CreatePerformanceRequest,
    responses((status = 201, body = PerformanceView), (status = 400), (status = 404)))]
async fn create_performance(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreatePerformanceRequest>,
) -> Result<Created<PerformanceView>> {
    let performance = state
        .services
        .admin
        .create_performance_by(Some(caller.user_id), id, req.into())
        .await?;
    state.services.queue.mark_known(performance.id).await;
    if performance.queue_enabled {
        // The gateway learns of the waiting room from Redis: tell it before answering.
        state.services.queue.publish(performance.id).await;
    }
    Ok(Created(performance.into()))
}

/// Opens the sale now (and puts a draft event on sale).
#[utoipa::path(post, path = "/admin/performances/{id}/open-sale", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PerformanceView), (status = 404)))]
async fn open_sale(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<PerformanceView>> {
    Ok(Data(
        state
            .services
            .admin
            .open_sale_by(Some(caller.user_id), id, state.services.clock.now())
            .await?
            .into(),
    ))
}

/// Closes the sale now.
#[utoipa::path(post, path = "/admin/performances/{id}/close-sale", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PerformanceView), (status = 404)))]
async fn close_sale(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<PerformanceView>> {
    Ok(Data(
        state
            .services
            .admin
            .close_sale(caller.user_id, id, state.services.clock.now())
            .await?
            .into(),
    ))
}

/// Sets how long before the start buyers may still cancel a paid ticket for a refund.
#[utoipa::path(put, path = "/admin/performances/{id}/refund-cutoff", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = SetRefundCutoffRequest,
    responses((status = 200, body = PerformanceView), (status = 400), (status = 403), (status = 404)))]
async fn set_refund_cutoff(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SetRefundCutoffRequest>,
) -> Result<Data<PerformanceView>> {
    let performance = state
        .services
        .admin
        .set_refund_cutoff(caller.user_id, id, req.refund_cutoff_minutes)
        .await?;
    Ok(Data(performance.into()))
}

/// Seat counts by live status.
#[utoipa::path(get, path = "/admin/performances/{id}/stats", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = PerformanceStats), (status = 404)))]
async fn performance_stats(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<PerformanceStats>> {
    Ok(Data(state.services.admin.stats(id).await?.into()))
}
