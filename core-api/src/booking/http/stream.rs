//! `GET /resources/stream`: Server-Sent Events of bookings made, changed and cancelled on the
//! servers of the caller's teams, whichever core-api instance the change was made on.
//!
//! The first frame is `event: ready` (the stream is listening from then on); then `event:
//! booking` with `{kind, booking}`; `event: resync` when changes may have been missed (the
//! client reloads what it shows). Comment heartbeats keep proxies open. Browsers'
//! `EventSource` cannot send headers, so the access token may also come as `?accessToken=`.
//! At most `CORE_STREAM_MAX_CONNECTIONS` are open on one instance (429 past it).

use std::{sync::Arc, time::Duration};

use axum::{body::Bytes, extract::State, response::Response};
use serde::Serialize;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::bookings::BookingView;
use crate::{
    booking::{domain::team::Need, services::bookings::live::LiveEvent, storage::live::ChangeKind},
    error::Result,
    http::{
        extract::StreamCaller,
        sse::{EventFeed, event_stream},
    },
    shared::services::auth::Caller,
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(booking_stream))
}

/// The `data` of `event: booking`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BookingChange {
    /// created, changed or cancelled.
    kind: ChangeKind,
    booking: BookingView,
}

/// The `data` of `event: ready` and `event: resync`: `{"signal": "ready" | "resync"}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct StreamSignal {
    signal: String,
}

/// The `data` of a booking-stream event: a change, or a signal (`ready`, `resync`).
// Only the OpenAPI document names it: the frames are written directly.
#[allow(dead_code, clippy::large_enum_variant)]
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum BookingStreamData {
    Change(BookingChange),
    Signal(StreamSignal),
}

/// Live booking changes on the servers of the caller's teams (text/event-stream).
#[utoipa::path(get, path = "/resources/stream", tag = "resources", security(("bearer" = [])),
    params(("accessToken" = Option<String>, Query, description = "the access token, for clients that cannot send an Authorization header (EventSource)")),
    responses((status = 200, content_type = "text/event-stream", body = BookingStreamData,
        description = "`ready`, then `booking` events (`resync`: reload)"),
        (status = 429, description = "too many streams open (RATE_LIMITED, Retry-After)")))]
async fn booking_stream(
    State(state): State<AppState>,
    StreamCaller(caller): StreamCaller,
) -> Result<Response> {
    let permit = state.services.live.admit()?;
    let receiver = state.services.live.subscribe();
    let every = Duration::from_millis(state.config.stream_heartbeat_ms);
    let heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let feed = Feed {
        _permit: permit,
        state,
        caller,
        receiver,
        heartbeat,
        started: false,
    };
    Ok(event_stream(feed))
}

/// One connection's state, owned by its response body.
struct Feed {
    /// Held for the slots it stands for; given back on drop.
    _permit: tokio::sync::OwnedSemaphorePermit,
    state: AppState,
    caller: Caller,
    receiver: Receiver<Arc<LiveEvent>>,
    heartbeat: tokio::time::Interval,
    started: bool,
}

impl EventFeed for Feed {
    async fn next_chunk(&mut self) -> Option<Bytes> {
        if !self.started {
            self.started = true;
            return Some(Bytes::from_static(
                b"event: ready\ndata: {\"signal\":\"ready\"}\n\n",
            ));
        }
        loop {
            let received = tokio::select! {
                received = self.receiver.recv() => received,
                _ = self.heartbeat.tick() => return Some(Bytes::from_static(b": ping\n\n")),
            };
            match received {
                Ok(event) => match event.as_ref() {
                    LiveEvent::Booking {
                        kind,
                        team_id,
                        booking,
                    } => {
                        // Asked per change, so someone who leaves the team stops hearing at once.
                        let allowed = self
                            .state
                            .services
                            .teams
                            .require(self.caller, *team_id, Need::Read, "booking")
                            .await;
                        if allowed.is_err() {
                            continue;
                        }
                        let change = BookingChange {
                            kind: *kind,
                            booking: BookingView::from(booking.as_ref().clone()),
                        };
                        let json = serde_json::to_string(&change).ok()?;
                        return Some(Bytes::from(format!("event: booking\ndata: {json}\n\n")));
                    }
                    LiveEvent::Resync => return Some(resync()),
                },
                Err(RecvError::Lagged(_)) => return Some(resync()),
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

fn resync() -> Bytes {
    Bytes::from_static(b"event: resync\ndata: {\"signal\":\"resync\"}\n\n")
}
