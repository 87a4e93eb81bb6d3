//! `/admin/performances/{id}/live` (Server-Sent Events, a `stats` frame every quarter second) and
//! `/admin/performances/{id}/seat-order` (the seat ids the frame's `seatStatus` bits follow).

use std::convert::Infallible;

use axum::{
    body::Body,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    http::extract::{AdminCaller, ApiPath, Data},
    startup::AppState,
    ticketing::services::live::LiveFrame,
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(seat_order))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatOrder {
    pub(crate) performance_id: Uuid,
    /// Every seat id in the order of `seatStatus`'s 2-bit entries.
    pub(crate) seat_ids: Vec<Uuid>,
}

/// The seat ids, in the order the live frame's `seatStatus` bits follow (fetch once).
#[utoipa::path(get, path = "/admin/performances/{id}/seat-order", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = SeatOrder), (status = 403), (status = 404)))]
async fn seat_order(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<SeatOrder>> {
    exists(&state, id).await?;
    let seat_ids = state.services.control_room.seat_order(id).await?;
    Ok(Data(SeatOrder {
        performance_id: id,
        seat_ids,
    }))
}

async fn exists(state: &AppState, id: Uuid) -> Result<()> {
    state
        .services
        .rules
        .get(id)
        .await?
        .ok_or(Error::NotFound("performance"))
        .map(|_| ())
}

/// The control room's figures (text/event-stream): a `stats` event every quarter second
/// with seats by status, waiting-room depth, admissions per minute, active passes, sales
/// per minute, revenue and every seat's status. Every console of a performance on one
/// instance shares one poller.
#[utoipa::path(get, path = "/admin/performances/{id}/live", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/event-stream", body = LiveFrame,
        description = "`stats` events, four a second"), (status = 403), (status = 404)))]
async fn live(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response> {
    exists(&state, id).await?;
    let frames = state.services.control_room.subscribe(id);
    let body = futures::stream::unfold(frames, |mut frames| async move {
        loop {
            frames.changed().await.ok()?;
            let frame = frames.borrow_and_update().clone();
            if let Some(frame) = frame {
                let json = serde_json::to_string(&*frame).ok()?;
                let chunk = format!("event: stats\ndata: {json}\n\n");
                return Some((Ok::<_, Infallible>(chunk), frames));
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response())
}
