//! The live seat stream: publishing changes, and fanning the performance's Redis Stream out
//! to this instance's SSE clients through one reader task per watched performance.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use fred::prelude::*;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::seat_map_cache::SeatMapCache;
use crate::storage::{
    redis::events::{SeatEvent, SeatEvents, StreamEntry, decode, stream_key},
    repo::lifecycle::ChangedSeat,
};

/// Appends changes made in Postgres to the stream. Best effort: the change is committed
/// already, and a client that misses an event still converges on its next snapshot.
#[derive(Clone)]
pub struct Publisher {
    events: SeatEvents,
    /// Every change published here also drops this instance's cached seat map.
    seat_maps: SeatMapCache,
}

impl Publisher {
    pub fn new(events: SeatEvents, seat_maps: SeatMapCache) -> Self {
        Publisher { events, seat_maps }
    }

    /// A change the Redis hold scripts announce themselves: only the local seat map cache
    /// needs to hear of it.
    pub fn changed(&self, performance_id: Uuid) {
        self.seat_maps.invalidate(performance_id);
    }

    pub async fn publish(
        &self,
        performance_id: Uuid,
        seat_ids: Vec<Uuid>,
        status: &str,
        reason: &str,
    ) {
        if seat_ids.is_empty() {
            return;
        }
        self.seat_maps.invalidate(performance_id);
        let event = SeatEvent {
            seat_ids,
            status: status.to_owned(),
            reason: reason.to_owned(),
        };
        if let Err(e) = self.events.publish(performance_id, &event).await {
            metrics::counter!("seat_events_dropped_total").increment(1);
            tracing::warn!(error = %e, %performance_id, "could not publish a seat event");
        }
    }

    pub async fn seats(&self, changed: &[ChangedSeat], status: &str, reason: &str) {
        let mut by_performance: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for seat in changed {
            by_performance
                .entry(seat.performance_id)
                .or_default()
                .push(seat.id);
        }
        for (performance_id, seat_ids) in by_performance {
            self.publish(performance_id, seat_ids, status, reason).await;
        }
    }
}

/// Local fan-out of each watched performance's stream.
#[derive(Clone)]
pub struct StreamHub {
    events: SeatEvents,
    channels: Arc<Mutex<HashMap<Uuid, broadcast::Sender<StreamEntry>>>>,
}

impl StreamHub {
    pub fn new(events: SeatEvents) -> Self {
        StreamHub {
            events,
            channels: Arc::default(),
        }
    }

    pub fn events(&self) -> &SeatEvents {
        &self.events
    }

    /// Subscribes to a performance's events. Everything appended after this call returns is
    /// delivered (the reader starts no later than now).
    pub async fn subscribe(
        &self,
        performance_id: Uuid,
    ) -> Result<broadcast::Receiver<StreamEntry>, Error> {
        if let Some(receiver) = self.existing(performance_id) {
            return Ok(receiver);
        }
        let start = self.events.last_id(performance_id).await?;
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(&performance_id) {
            return Ok(sender.subscribe());
        }
        let (sender, receiver) = broadcast::channel(1024);
        channels.insert(performance_id, sender.clone());
        tokio::spawn(read_stream(self.clone(), performance_id, start, sender));
        Ok(receiver)
    }

    fn existing(&self, performance_id: Uuid) -> Option<broadcast::Receiver<StreamEntry>> {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .get(&performance_id)
            .map(broadcast::Sender::subscribe)
    }

    /// Forgets the channel once nobody listens, unless a new listener arrived meanwhile.
    fn release_if_idle(
        &self,
        performance_id: Uuid,
        sender: &broadcast::Sender<StreamEntry>,
    ) -> bool {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if sender.receiver_count() == 0 {
            channels.remove(&performance_id);
            true
        } else {
            false
        }
    }
}

/// One blocking XREAD loop per watched performance, on a connection of its own (a blocking
/// read would stall every other command on a shared one).
async fn read_stream(
    hub: StreamHub,
    performance_id: Uuid,
    mut last: String,
    sender: broadcast::Sender<StreamEntry>,
) {
    let key = stream_key(hub.events.redis(), performance_id);
    let client = hub.events.redis().client().clone_new();
    let _ = client.init().await;
    metrics::gauge!("seat_stream_readers").increment(1.0);
    loop {
        if hub.release_if_idle(performance_id, &sender) {
            break;
        }
        let read: Result<
            fred::types::streams::XReadResponse<String, String, String, String>,
            Error,
        > = client
            .xread_map(Some(500), Some(1_000), key.clone(), last.clone())
            .await;
        match read {
            Ok(mut streams) => {
                for (id, event) in decode(streams.remove(&key).unwrap_or_default()) {
                    last = id.clone();
                    let _ = sender.send((id, event));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, %performance_id, "seat stream read failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    let _ = client.quit().await;
    metrics::gauge!("seat_stream_readers").decrement(1.0);
}
