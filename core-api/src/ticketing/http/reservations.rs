//! `/reservations` and `/me/reservations`.

use axum::{extract::State, http::HeaderMap};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, Data},
        idempotent::{Replayable, idempotent},
    },
    shared::services::auth::Caller,
    startup::AppState,
    ticketing::{
        domain::{AttendeeInput, status::ReservationStatus},
        http::views::{ItemView, SeatView, all},
        services::{committed::Reservation, reservations::ReservationRequest},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateReservationRequest {
    pub(crate) hold_id: Uuid,
    pub(crate) attendee: AttendeeInput,
    /// Reserve and pay from the wallet in one transaction (402 and nothing changes when the
    /// balance is short).
    #[serde(default)]
    pub(crate) pay_now: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttendeeView {
    pub(crate) name: String,
    pub(crate) phone: String,
    pub(crate) email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReservationView {
    pub(crate) reservation_id: Uuid,
    pub(crate) reservation_number: String,
    pub(crate) performance_id: Uuid,
    pub(crate) status: ReservationStatus,
    pub(crate) seats: Vec<SeatView>,
    /// KRW, integer.
    pub(crate) total_amount: i64,
    /// When an unpaid reservation lapses.
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) attendee: AttendeeView,
    pub(crate) created_at: DateTime<Utc>,
    /// Until when (exclusive) the buyer may cancel: a paid reservation until the performance's
    /// refund cut-off, an unpaid one until the start. Null once cancelled or expired. Admins
    /// may cancel at any time.
    pub(crate) cancellable_until: Option<DateTime<Utc>>,
    /// General-admission units (empty for a seat reservation).
    pub(crate) items: Vec<ItemView>,
}

impl From<Reservation> for ReservationView {
    fn from(r: Reservation) -> Self {
        ReservationView {
            reservation_id: r.reservation_id,
            reservation_number: r.reservation_number,
            performance_id: r.performance_id,
            status: r.status,
            seats: all(r.seats),
            total_amount: r.total_amount,
            expires_at: r.expires_at,
            attendee: AttendeeView {
                name: r.attendee.name,
                phone: r.attendee.phone,
                email: r.attendee.email,
            },
            created_at: r.created_at,
            cancellable_until: r.cancellable_until,
            items: all(r.items),
        }
    }
}

impl ReservationView {
    /// The reservation as its Idempotency-Key answer stores it (the `data` of the envelope).
    fn wording(reservation: &Reservation) -> serde_json::Value {
        json!(ReservationView::from(reservation.clone()))
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_reservation))
        .routes(routes!(get_reservation))
        .routes(routes!(cancel_reservation))
        .routes(routes!(my_reservations))
}

/// Turns a hold into a PENDING_PAYMENT reservation in one transaction. Sending the same hold
/// again returns the same reservation.
#[utoipa::path(post, path = "/reservations", tag = "reservations", security(("bearer" = [])),
    request_body = CreateReservationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "retries with the same key return the first answer")),
    responses(
        (status = 201, body = ReservationView),
        (status = 400), (status = 403, description = "someone else's hold"),
        (status = 409, description = "HOLD_EXPIRED / SEAT_UNAVAILABLE"),
        (status = 402, description = "INSUFFICIENT_BALANCE (payNow)"),
        (status = 422, description = "SEAT_LIMIT_EXCEEDED"),
        (status = 503, description = "CONFIRMATION_FAILED (hold kept, retry) / DEPENDENCY_UNAVAILABLE"),
    ))]
async fn create_reservation(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateReservationRequest>,
) -> Result<Replayable> {
    let body = json!({ "holdId": req.hold_id, "attendee": &req.attendee, "payNow": req.pay_now });
    idempotent(
        &state,
        caller,
        &headers,
        "POST /reservations",
        &body,
        async |claim| {
            let request = ReservationRequest {
                hold_id: req.hold_id,
                attendee: req.attendee,
                pay_now: req.pay_now,
            };
            let reservation = state
                .services
                .reservations
                .create(caller, request, claim, ReservationView::wording)
                .await?;
            let view = ReservationView::from(reservation);
            // Waiting room: flag the performance sold out once its last seat is taken (in
            // the background).
            state.services.queue.after_commit(view.performance_id);
            Ok(Replayable::created(&view))
        },
    )
    .await
}

/// Cancels a reservation (owner or admin): seats go back on sale; a paid one is refunded to
/// the wallet.
#[utoipa::path(post, path = "/reservations/{id}/cancel", tag = "reservations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ReservationView), (status = 403), (status = 404),
        (status = 409, description = "RESERVATION_NOT_CANCELLABLE (already cancelled or expired)"),
        (status = 422, description = "CANCELLATION_CLOSED: past the refund cut-off (paid) or the start (unpaid); details.cancellableUntil")))]
async fn cancel_reservation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<ReservationView>> {
    let now = state.services.clock.now();
    Ok(Data(
        state
            .services
            .reservations
            .cancel(caller, id, now)
            .await?
            .into(),
    ))
}

/// A reservation; its owner or an admin only.
#[utoipa::path(get, path = "/reservations/{id}", tag = "reservations", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = ReservationView), (status = 403), (status = 404)))]
async fn get_reservation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<ReservationView>> {
    Ok(Data(
        state.services.reservations.get(caller, id).await?.into(),
    ))
}

/// The caller's reservations, newest first (at most 200).
#[utoipa::path(get, path = "/me/reservations", tag = "reservations", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReservationView>)))]
async fn my_reservations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Data<Vec<ReservationView>>> {
    Ok(Data(all(state.services.reservations.mine(caller).await?)))
}
