//! This instance's side of the seat stream: one Redis reader per watched performance fanning
//! out to every local SSE client through a broadcast channel, and one shared snapshot per
//! performance that concurrent new clients wait for together instead of each building one.
//!
//! Why a cached snapshot is never missing an event its client then fails to receive: a client
//! subscribes to the broadcast *before* it asks for the snapshot, and the reader drops the
//! cached snapshot *before* it broadcasts what it read. So either the client was subscribed in
//! time to get the event, or the snapshot it gets was built after the event was in Redis (a
//! build reads the stream's last id first, then the seats). A new reader (after a time with
//! nobody listening, when no reader dropped anything) starts with the snapshot dropped too.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::body::Bytes;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::ticketing::services::stream::limits::{ClientKey, StreamLimits, StreamPermit};
use crate::{
    error::Result,
    ticketing::{
        domain::status_vector,
        services::{
            catalog::{CatalogService, SeatMapWording},
            seat_map_cache::SnapshotCache,
        },
        storage::seat_events::SeatEvents,
    },
};

/// Events a listener may fall behind by before it is told it lagged (and sent a fresh
/// snapshot instead of what it missed). The ring is shared by all listeners of a performance.
/// A reconnecting client that missed more than this is sent a snapshot too, so no client
/// holds more than this many events queued.
pub(crate) const MAX_BEHIND: usize = 1024;

/// The least time a snapshot is reused, whatever the seat map cache's setting (even off):
/// what keeps it right is that every seat event drops it, not its age, and a crowd of new
/// clients must share one build.
const MIN_SNAPSHOT_TTL: Duration = Duration::from_secs(1);

/// Every seat's status as of stream id `last_id`, serialised once and shared by every client
/// that is sent it.
pub(crate) struct Snapshot {
    pub(crate) last_id: String,
    /// `{"performanceId", "seats": [{"id", "status"}]}`
    pub(crate) json: Bytes,
    /// The same statuses packed two bits a seat in layout order (`domain::status_vector`),
    /// for `GET /performances/{id}/seat-status`.
    pub(crate) packed: Bytes,
}

/// One seat event as every listener of the performance is sent it: its stream id and its
/// JSON, serialised once by the reader.
#[derive(Clone, Debug)]
pub(crate) struct Update {
    pub(crate) id: String,
    pub(crate) json: Bytes,
}

/// What the hub holds right now, for gauges and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamStats {
    pub connections: usize,
    pub readers: usize,
    pub snapshot_builds: u64,
}

#[derive(Default)]
struct Counters {
    readers: AtomicUsize,
    snapshot_builds: AtomicU64,
}

#[derive(Clone)]
pub struct StreamHub {
    events: SeatEvents,
    catalog: CatalogService,
    limits: StreamLimits,
    snapshots: SnapshotCache<Arc<Snapshot>>,
    channels: Arc<Mutex<HashMap<Uuid, broadcast::Sender<Update>>>>,
    counters: Arc<Counters>,
}

impl StreamHub {
    /// `snapshot_ttl` (at least [`MIN_SNAPSHOT_TTL`]) bounds how long a snapshot is reused
    /// when no event drops it.
    pub(crate) fn new(
        events: SeatEvents,
        catalog: CatalogService,
        limits: StreamLimits,
        snapshot_ttl: Duration,
    ) -> Self {
        StreamHub {
            events,
            catalog,
            limits,
            snapshots: SnapshotCache::new(snapshot_ttl.max(MIN_SNAPSHOT_TTL)),
            channels: Arc::default(),
            counters: Arc::default(),
        }
    }

    pub fn events(&self) -> &SeatEvents {
        &self.events
    }

    /// A connection's slots, or 429 when the client, the performance or the instance is at
    /// its cap.
    pub(crate) fn admit(&self, client: ClientKey, performance_id: Uuid) -> Result<StreamPermit> {
        self.limits.acquire(client, performance_id)
    }

    pub fn stats(&self) -> StreamStats {
        StreamStats {
            connections: self.limits.open(),
            readers: self.counters.readers.load(Ordering::SeqCst),
            snapshot_builds: self.counters.snapshot_builds.load(Ordering::SeqCst),
        }
    }

    /// Subscribes to a performance's events. Everything appended after this call returns is
    /// delivered (the reader starts no later than now).
    pub(crate) async fn subscribe(
        &self,
        performance_id: Uuid,
    ) -> Result<broadcast::Receiver<Update>> {
        if let Some(receiver) = self.existing(performance_id) {
            return Ok(receiver);
        }
        let start = self.events.last_id(performance_id).await?;
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(&performance_id) {
            return Ok(sender.subscribe());
        }
        let (sender, receiver) = broadcast::channel(MAX_BEHIND);
        channels.insert(performance_id, sender.clone());
        // Nobody dropped the snapshot while no reader ran: it may miss what happened then.
        self.snapshots.invalidate(performance_id);
        tokio::spawn(read_stream(self.clone(), performance_id, start, sender));
        Ok(receiver)
    }

    fn existing(&self, performance_id: Uuid) -> Option<broadcast::Receiver<Update>> {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .get(&performance_id)
            .map(broadcast::Sender::subscribe)
    }

    /// Forgets the channel once nobody listens, unless a new listener arrived meanwhile.
    fn release_if_idle(&self, performance_id: Uuid, sender: &broadcast::Sender<Update>) -> bool {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if sender.receiver_count() == 0 {
            channels.remove(&performance_id);
            true
        } else {
            false
        }
    }

    /// The performance's current snapshot, worded by `wording`: built once however many
    /// clients ask at the same time, and reused until a seat event arrives (call
    /// [`Self::subscribe`] first).
    pub(crate) async fn snapshot(
        &self,
        performance_id: Uuid,
        wording: SeatMapWording,
    ) -> Result<Arc<Snapshot>> {
        self.snapshots
            .get_or_build(performance_id, self.build_snapshot(performance_id, wording))
            .await
    }

    async fn build_snapshot(
        &self,
        performance_id: Uuid,
        wording: SeatMapWording,
    ) -> Result<Arc<Snapshot>> {
        // The id first: the seats read after it include at least everything up to it.
        let last_id = self.events.last_id(performance_id).await?;
        let map = self.catalog.seat_map(performance_id).await?;
        let json = wording(&map)?;
        let packed = Bytes::from(status_vector::pack(map.seats.iter().map(|s| s.status)));
        self.counters.snapshot_builds.fetch_add(1, Ordering::SeqCst);
        metrics::counter!("seat_stream_snapshots_total").increment(1);
        Ok(Arc::new(Snapshot {
            last_id,
            json,
            packed,
        }))
    }
}

/// One blocking read loop per watched performance; it ends (closing its connection) once the
/// last listener is gone.
async fn read_stream(
    hub: StreamHub,
    performance_id: Uuid,
    mut last: String,
    sender: broadcast::Sender<Update>,
) {
    let mut reader = hub.events.reader(performance_id);
    hub.counters.readers.fetch_add(1, Ordering::SeqCst);
    metrics::gauge!("seat_stream_readers").increment(1.0);
    while !hub.release_if_idle(performance_id, &sender) {
        match reader.read_after(&last).await {
            Ok((newest, entries)) => {
                if let Some(newest) = newest {
                    last = newest;
                }
                if entries.is_empty() {
                    continue;
                }
                hub.snapshots.invalidate(performance_id);
                for (id, event) in entries {
                    let Ok(json) = serde_json::to_vec(&event) else {
                        continue;
                    };
                    // No receiver left: the loop's next check ends it.
                    let _ = sender.send(Update {
                        id,
                        json: Bytes::from(json),
                    });
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, %performance_id, "seat stream read failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    reader.close().await;
    hub.counters.readers.fetch_sub(1, Ordering::SeqCst);
    metrics::gauge!("seat_stream_readers").decrement(1.0);
}
