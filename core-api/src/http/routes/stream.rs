//! `GET /performances/{id}/seats/stream`: Server-Sent Events of seat changes.
//!
//! A new client gets `event: snapshot` (every seat's status) then `event: seat` changes, each
//! with the stream id as its SSE id. A client reconnecting with `Last-Event-ID` gets what it
//! missed, or a fresh snapshot when that is too far back. Comment heartbeats keep proxies open.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use serde_json::json;
use tokio::sync::{broadcast::error::RecvError, mpsc};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::ApiPath,
    startup::AppState,
    storage::redis::events::{SeatEvent, id_after},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(seat_stream))
}

/// Live seat changes of a performance (text/event-stream).
#[utoipa::path(get, path = "/performances/{id}/seats/stream", tag = "catalog", params(("id" = Uuid, Path),
    ("Last-Event-ID" = Option<String>, Header, description = "resume after this event")),
    responses((status = 200, content_type = "text/event-stream", body = SeatEvent,
        description = "`snapshot` then `seat` events"), (status = 404), (status = 503)))]
async fn seat_stream(
    State(state): State<AppState>,
    ApiPath(performance_id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    state.services.catalog.performance(performance_id).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let receiver = state.services.streams.subscribe(performance_id).await?;
    let (out, rx) = mpsc::channel::<Event>(256);
    tokio::spawn(feed(state.clone(), performance_id, resume, receiver, out));
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    });
    let heartbeat = Duration::from_millis(state.config.stream_heartbeat_ms);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(heartbeat).text("ping")))
}

fn seat_event(id: &str, event: &SeatEvent) -> Event {
    Event::default()
        .event("seat")
        .id(id)
        .json_data(event)
        .unwrap_or_else(|_| Event::default().comment("bad event"))
}

/// Sends the snapshot and the seat events of one client until it goes away.
async fn feed(
    state: AppState,
    performance_id: Uuid,
    resume: Option<String>,
    mut receiver: tokio::sync::broadcast::Receiver<(String, SeatEvent)>,
    out: mpsc::Sender<Event>,
) {
    metrics::gauge!("seat_stream_subscribers").increment(1.0);
    let mut last = match catch_up(&state, performance_id, resume.as_deref(), &out).await {
        Some(last) => last,
        None => match snapshot(&state, performance_id, &out).await {
            Some(last) => last,
            None => {
                metrics::gauge!("seat_stream_subscribers").decrement(1.0);
                return;
            }
        },
    };
    loop {
        match receiver.recv().await {
            Ok((id, event)) if id_after(&id, &last) => {
                if out.send(seat_event(&id, &event)).await.is_err() {
                    break;
                }
                last = id;
            }
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => match snapshot(&state, performance_id, &out).await {
                Some(id) => last = id,
                None => break,
            },
            Err(RecvError::Closed) => break,
        }
    }
    metrics::gauge!("seat_stream_subscribers").decrement(1.0);
}

/// Replays what a reconnecting client missed; None when a snapshot is needed instead.
async fn catch_up(
    state: &AppState,
    performance_id: Uuid,
    resume: Option<&str>,
    out: &mpsc::Sender<Event>,
) -> Option<String> {
    let resume = resume?;
    let events = state.services.streams.events();
    let first = events.first_id(performance_id).await.ok()?;
    if first
        .as_deref()
        .is_some_and(|first| id_after(first, resume))
    {
        return None; // entries after `resume` may have been trimmed
    }
    let missed = events
        .read_after(performance_id, resume, 10_000)
        .await
        .ok()?;
    let mut last = resume.to_owned();
    for (id, event) in missed {
        out.send(seat_event(&id, &event)).await.ok()?;
        last = id;
    }
    Some(last)
}

/// Sends every seat's status, tagged with the newest stream id it includes.
async fn snapshot(
    state: &AppState,
    performance_id: Uuid,
    out: &mpsc::Sender<Event>,
) -> Option<String> {
    let last = state
        .services
        .streams
        .events()
        .last_id(performance_id)
        .await
        .ok()?;
    let map = state.services.catalog.seat_map(performance_id).await.ok()?;
    let seats: Vec<_> = map
        .seats
        .iter()
        .map(|s| json!({ "id": s.id, "status": s.status }))
        .collect();
    let data = json!({ "performanceId": performance_id, "seats": seats });
    let event = Event::default()
        .event("snapshot")
        .id(last.clone())
        .json_data(data)
        .ok()?;
    out.send(event).await.ok()?;
    Some(last)
}
