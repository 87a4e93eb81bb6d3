//! `/resource-bookings` and `/me/resource-bookings`: thin handlers that parse the request
//! into domain values, call the booking service and wrap its answer.

mod types;

pub(crate) use types::BookingView;

use axum::{extract::State, http::HeaderMap};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use self::types::{CreateBookingRequest, SeriesCancelView, SeriesView, UpdateBookingRequest};
use crate::{
    booking::domain::{
        booking::{BookingFilter, BookingStatus, Created as Made},
        time::parse_instant,
    },
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery, Data},
        idempotent::{Replayable, idempotent},
    },
    shared::services::auth::Caller,
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bookings, create_booking))
        .routes(routes!(
            get_booking,
            put_booking,
            patch_booking,
            delete_booking
        ))
        .routes(routes!(cancel_booking))
        .routes(routes!(cancel_series))
        .routes(routes!(my_bookings))
}

/// Books a resource for one window, or for every occurrence of a recurrence rule.
/// One booking answers with the booking; a series answers `{seriesId, bookings, skipped}`.
#[utoipa::path(post, path = "/resource-bookings", tag = "bookings", security(("bearer" = [])),
    request_body = CreateBookingRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key return the first answer")),
    responses(
        (status = 201, body = BookingView, description = "one booking (or a SeriesView for a recurrence)"),
        (status = 400), (status = 404, description = "unknown resource"),
        (status = 409, description = "BOOKING_CONFLICT naming the conflicting booking"),
        (status = 422, description = "BOOKING_POLICY_VIOLATED (details.rule) / RESOURCE_INACTIVE"),
    ))]
async fn create_booking(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateBookingRequest>,
) -> Result<Replayable> {
    let body = serde_json::to_value(&req).map_err(anyhow::Error::from)?;
    idempotent(
        &state,
        caller,
        &headers,
        "POST /resource-bookings",
        &body,
        async |_| {
            Ok(
                match state.services.bookings.create(caller, req.parse()?).await? {
                    Made::One(booking) => Replayable::created(&BookingView::from(booking)),
                    Made::Series(series) => Replayable::created(&SeriesView::from(series)),
                },
            )
        },
    )
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    resource_id: Option<Uuid>,
    user_id: Option<Uuid>,
    series_id: Option<Uuid>,
    /// Bookings ending after this RFC 3339 instant.
    from: Option<String>,
    /// Bookings starting before this RFC 3339 instant.
    to: Option<String>,
    /// active or cancelled (default: both).
    status: Option<String>,
    /// 1-500, default 100.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u64>,
}

impl ListQuery {
    /// The filter asked for: instants, then the limit, the status and the window checked.
    fn filter(self) -> Result<BookingFilter> {
        let at = |field: &str, v: Option<String>| {
            v.map(|v| parse_instant(field, &v).map(|t| t.to_utc()))
                .transpose()
        };
        let from = at("from", self.from)?;
        let to = at("to", self.to)?;
        let limit = self.limit.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(Error::validation("limit", "must be 1 to 500"));
        }
        let status = match self.status.as_deref() {
            None => None,
            Some(s) => Some(
                BookingStatus::parse(s)
                    .ok_or_else(|| Error::validation("status", "must be active or cancelled"))?,
            ),
        };
        if let (Some(from), Some(to)) = (from, to)
            && to <= from
        {
            return Err(Error::validation("to", "must be after from"));
        }
        Ok(BookingFilter {
            viewer: None,
            resource_id: self.resource_id,
            user_id: self.user_id,
            series_id: self.series_id,
            from,
            to,
            status,
            limit,
        })
    }
}

fn views(bookings: Vec<crate::booking::domain::booking::SyncedBooking>) -> Vec<BookingView> {
    bookings.into_iter().map(Into::into).collect()
}

/// Bookings of the caller's teams' servers, filtered by resource, user, series, status and
/// time window; in time order.
#[utoipa::path(get, path = "/resource-bookings", tag = "bookings", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<BookingView>), (status = 400)))]
async fn list_bookings(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Data<Vec<BookingView>>> {
    Ok(Data(views(
        state.services.bookings.list(caller, q.filter()?).await?,
    )))
}

#[utoipa::path(get, path = "/resource-bookings/{id}", params(("id" = Uuid, Path)), tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = BookingView), (status = 404)))]
async fn get_booking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<BookingView>> {
    Ok(Data(state.services.bookings.get(caller, id).await?.into()))
}

/// Changes title, description or times (absent fields stay). Owner or admin.
#[utoipa::path(patch, path = "/resource-bookings/{id}", params(("id" = Uuid, Path)), tag = "bookings", security(("bearer" = [])),
    request_body = UpdateBookingRequest,
    responses((status = 200, body = BookingView), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "BOOKING_CONFLICT / BOOKING_CANCELLED / BOOKING_ENDED"), (status = 422)))]
async fn patch_booking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateBookingRequest>,
) -> Result<Data<BookingView>> {
    Ok(Data(
        state
            .services
            .bookings
            .update(caller, id, req.parse()?)
            .await?
            .into(),
    ))
}

/// Same as PATCH (absent fields stay).
#[utoipa::path(put, path = "/resource-bookings/{id}", params(("id" = Uuid, Path)), tag = "bookings", security(("bearer" = [])),
    request_body = UpdateBookingRequest,
    responses((status = 200, body = BookingView), (status = 400), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn put_booking(
    state: State<AppState>,
    caller: Caller,
    id: ApiPath<Uuid>,
    req: ApiJson<UpdateBookingRequest>,
) -> Result<Data<BookingView>> {
    patch_booking(state, caller, id, req).await
}

/// Cancels one booking (or one occurrence of a series). Owner or admin; repeating is a no-op.
#[utoipa::path(post, path = "/resource-bookings/{id}/cancel", params(("id" = Uuid, Path)), tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = BookingView), (status = 403), (status = 404)))]
async fn cancel_booking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<BookingView>> {
    Ok(Data(
        state.services.bookings.cancel(caller, id).await?.into(),
    ))
}

/// Same as `POST /resource-bookings/{id}/cancel`.
#[utoipa::path(delete, path = "/resource-bookings/{id}", params(("id" = Uuid, Path)), tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = BookingView), (status = 403), (status = 404)))]
async fn delete_booking(
    state: State<AppState>,
    caller: Caller,
    id: ApiPath<Uuid>,
) -> Result<Data<BookingView>> {
    cancel_booking(state, caller, id).await
}

/// Cancels every occurrence of a series that has not ended. Owner or admin.
#[utoipa::path(post, path = "/resource-bookings/series/{id}/cancel", params(("id" = Uuid, Path)), tag = "bookings", security(("bearer" = [])),
    responses((status = 200, body = SeriesCancelView), (status = 403), (status = 404)))]
async fn cancel_series(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<SeriesCancelView>> {
    Ok(Data(
        state
            .services
            .bookings
            .cancel_series(caller, id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct MineQuery {
    /// Default: now (bookings not ended yet).
    from: Option<String>,
    to: Option<String>,
    /// Include cancelled bookings (default false).
    include_cancelled: Option<bool>,
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u64>,
}

/// Dashboard: the caller's bookings that have not ended (or in the window asked for).
#[utoipa::path(get, path = "/me/resource-bookings", tag = "bookings", security(("bearer" = [])), params(MineQuery),
    responses((status = 200, body = Vec<BookingView>), (status = 400)))]
async fn my_bookings(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MineQuery>,
) -> Result<Data<Vec<BookingView>>> {
    let filter = ListQuery {
        resource_id: None,
        user_id: Some(caller.user_id),
        series_id: None,
        from: Some(q.from.unwrap_or_else(|| {
            state
                .services
                .clock
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })),
        to: q.to,
        status: (!q.include_cancelled.unwrap_or(false))
            .then(|| BookingStatus::Active.as_str().to_owned()),
        limit: q.limit,
    }
    .filter()?;
    Ok(Data(views(
        state.services.bookings.list(caller, filter).await?,
    )))
}
