//! `GET /performances/{id}/seats/stream`: Server-Sent Events of seat changes.
//!
//! A new client gets `event: snapshot` (every seat's status) then `event: seat` changes, each
//! with the stream id as its SSE id. A client reconnecting with `Last-Event-ID` gets what it
//! missed, or a fresh snapshot when that is too far back. Comment heartbeats keep proxies open.
//!
//! Each connection first takes its slots (per client, per performance, per instance; 429
//! past a cap) and is then nothing but its response body: no task of its own. The body holds
//! the slots, the broadcast receiver and what is queued to send; when the client goes, the
//! server drops the body and with it all of these (and the performance's Redis reader stops
//! once its last receiver is gone). A client too slow to keep up is not buffered for: its
//! receiver lags behind the shared ring and it is sent a fresh snapshot instead.

use std::{collections::VecDeque, time::Duration};

use axum::{body::Bytes, extract::State, http::HeaderMap, response::Response};
use serde::{Deserialize, Serialize};
use tokio::{
    sync::broadcast::{Receiver, error::RecvError},
    time::{Interval, MissedTickBehavior},
};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    http::{
        extract::{ApiPath, ApiQuery, ClientIp, MaybeCaller},
        sse::{EventFeed, event_stream},
    },
    startup::AppState,
    ticketing::{
        domain::status::SeatStatus,
        services::{
            catalog::SeatMap,
            stream::{
                MAX_BEHIND, Snapshot, StreamHub, Update,
                limits::{ClientKey, StreamPermit},
            },
        },
        storage::seat_events::{SeatEvent, id_after},
    },
};

/// `event: snapshot` of the seat stream: every seat's status.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatSnapshot {
    pub(crate) performance_id: Uuid,
    pub(crate) seats: Vec<SeatState>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatState {
    pub(crate) id: Uuid,
    pub(crate) status: SeatStatus,
}

/// The `data` of a seat-stream event: a snapshot (`event: snapshot`) or a change (`event: seat`).
// Only the OpenAPI document names it: the frames are written from shared, serialised JSON.
#[allow(dead_code)]
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum SeatStreamData {
    Snapshot(SeatSnapshot),
    Seat(SeatEvent),
}

impl SeatSnapshot {
    /// The snapshot's JSON, serialised once and shared by every client that is sent it.
    pub(crate) fn json(map: &SeatMap) -> Result<Bytes> {
        let body = SeatSnapshot {
            performance_id: map.performance_id,
            seats: map
                .seats
                .iter()
                .map(|s| SeatState {
                    id: s.id,
                    status: s.status,
                })
                .collect(),
        };
        let json = serde_json::to_vec(&body).map_err(anyhow::Error::from)?;
        Ok(Bytes::from(json))
    }
}

/// Where a first connection resumes: the `lastEventId` of `GET /performances/{id}/seat-status`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct Resume {
    /// Resume after this event (as `Last-Event-ID`, which takes precedence).
    last_event_id: Option<String>,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(seat_stream))
}

/// Live seat changes of a performance (text/event-stream).
///
/// At most `CORE_STREAM_MAX_PER_CLIENT` streams per client (the signed-in user, else the
/// client's address), `CORE_STREAM_MAX_PER_PERFORMANCE` per performance and
/// `CORE_STREAM_MAX_CONNECTIONS` in all are open at once on one instance; past any of them,
/// 429 `RATE_LIMITED` with `Retry-After`.
#[utoipa::path(get, path = "/performances/{id}/seats/stream", tag = "catalog", params(("id" = Uuid, Path),
    ("Last-Event-ID" = Option<String>, Header, description = "resume after this event"), Resume),
    responses((status = 200, content_type = "text/event-stream", body = SeatStreamData,
        description = "`snapshot` then `seat` events"), (status = 404),
        (status = 429, description = "too many streams open (RATE_LIMITED, Retry-After)"),
        (status = 503)))]
async fn seat_stream(
    State(state): State<AppState>,
    ApiPath(performance_id): ApiPath<Uuid>,
    MaybeCaller(caller): MaybeCaller,
    ClientIp(ip): ClientIp,
    ApiQuery(query): ApiQuery<Resume>,
    headers: HeaderMap,
) -> Result<Response> {
    let client = caller.map_or(ClientKey::Ip(ip), |c| ClientKey::User(c.user_id));
    let hub = &state.services.streams;
    // Slots first: a refused client costs no database or Redis work.
    let permit = hub.admit(client, performance_id)?;
    // From the per-instance rules cache: a crowd of new clients is one database read.
    state
        .services
        .rules
        .get(performance_id)
        .await?
        .ok_or(Error::NotFound("performance"))?;
    let receiver = hub.subscribe(performance_id).await?;
    // The header (a browser's reconnection) wins over the query (the first connection, which
    // cannot set headers with `EventSource`).
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(query.last_event_id.as_deref());
    let (queued, last) = match catch_up(hub, performance_id, resume).await {
        Some(missed) => missed,
        None => {
            let snapshot = hub.snapshot(performance_id, SeatSnapshot::json).await?;
            (snapshot_frames(&snapshot), snapshot.last_id.clone())
        }
    };
    let heartbeat = Duration::from_millis(state.config.stream_heartbeat_ms);
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let feed = Feed {
        _permit: permit,
        hub: hub.clone(),
        performance_id,
        receiver,
        queued,
        last,
        heartbeat,
    };
    Ok(event_stream(feed))
}

/// One connection's state, owned by its response body.
struct Feed {
    /// Held for the slots it stands for; given back on drop.
    _permit: StreamPermit,
    hub: StreamHub,
    performance_id: Uuid,
    receiver: Receiver<Update>,
    /// Frames ready to send: a snapshot or the events a reconnecting client missed.
    queued: VecDeque<Bytes>,
    /// The id of the newest event the client has (directly or in a snapshot).
    last: String,
    heartbeat: Interval,
}

impl EventFeed for Feed {
    /// The next piece of the body; None ends the response.
    async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.queued.pop_front() {
                return Some(chunk);
            }
            let received = tokio::select! {
                received = self.receiver.recv() => received,
                _ = self.heartbeat.tick() => return Some(Bytes::from_static(b": ping\n\n")),
            };
            match received {
                Ok(update) if id_after(&update.id, &self.last) => {
                    self.last.clone_from(&update.id);
                    return Some(seat_frame(&update.id, &update.json));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    metrics::counter!("seat_stream_lagged_total").increment(1);
                    let snapshot = self
                        .hub
                        .snapshot(self.performance_id, SeatSnapshot::json)
                        .await
                        .ok()?;
                    self.last.clone_from(&snapshot.last_id);
                    self.queued.extend(snapshot_frames(&snapshot));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// `event: snapshot`, its id and the shared JSON (not copied per client).
fn snapshot_frames(snapshot: &Snapshot) -> VecDeque<Bytes> {
    VecDeque::from([
        Bytes::from(format!("event: snapshot\nid: {}\ndata: ", snapshot.last_id)),
        snapshot.json.clone(),
        Bytes::from_static(b"\n\n"),
    ])
}

fn seat_frame(id: &str, json: &[u8]) -> Bytes {
    let mut frame = format!("event: seat\nid: {id}\ndata: ").into_bytes();
    frame.extend_from_slice(json);
    frame.extend_from_slice(b"\n\n");
    Bytes::from(frame)
}

/// The events a reconnecting client missed, as frames, and the newest id among them; None
/// when a snapshot is needed instead (no `Last-Event-ID`, entries after it were trimmed, or
/// more than [`MAX_BEHIND`] of them).
async fn catch_up(
    hub: &StreamHub,
    performance_id: Uuid,
    resume: Option<&str>,
) -> Option<(VecDeque<Bytes>, String)> {
    let resume = resume?;
    let events = hub.events();
    let first = events.first_id(performance_id).await.ok()?;
    if first
        .as_deref()
        .is_some_and(|first| id_after(first, resume))
    {
        return None;
    }
    let missed = events
        .read_after(performance_id, resume, MAX_BEHIND as u64 + 1)
        .await
        .ok()?;
    if missed.len() > MAX_BEHIND {
        return None; // further behind than a live client may fall: a snapshot is less
    }
    let mut last = resume.to_owned();
    let mut frames = VecDeque::with_capacity(missed.len());
    for (id, event) in missed {
        frames.push_back(seat_frame(&id, &serde_json::to_vec(&event).ok()?));
        last = id;
    }
    Some((frames, last))
}
