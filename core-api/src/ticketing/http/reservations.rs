//! `/reservations` and `/me/reservations`.

use axum::{extract::State, http::HeaderMap};
use serde_json::json;
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
    ticketing::services::reservations::{CreateReservationRequest, ReservationView},
};

pub fn router() -> OpenApiRouter<AppState> {
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
            let view = state
                .services
                .reservations
                .create(caller, req, claim)
                .await?;
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
    let now = chrono::Utc::now();
    Ok(Data(
        state.services.reservations.cancel(caller, id, now).await?,
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
    Ok(Data(state.services.reservations.get(caller, id).await?))
}

/// The caller's reservations, newest first (at most 200).
#[utoipa::path(get, path = "/me/reservations", tag = "reservations", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReservationView>)))]
async fn my_reservations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Data<Vec<ReservationView>>> {
    Ok(Data(state.services.reservations.mine(caller).await?))
}
