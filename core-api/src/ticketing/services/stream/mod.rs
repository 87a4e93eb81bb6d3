//! The live seat stream: publishing changes (here), fanning each performance's Redis Stream
//! out to this instance's SSE clients (`hub`), and how many clients may listen (`limits`).

mod hub;
pub mod limits;

use std::collections::HashMap;

use uuid::Uuid;

pub(crate) use hub::{MAX_BEHIND, Snapshot, Update};
pub use hub::{StreamHub, StreamStats};

use crate::ticketing::{
    domain::status::{SeatChangeReason, SeatStatus},
    services::seat_map_cache::SeatMapCache,
    storage::{
        lifecycle::ChangedSeat,
        seat_events::{SeatEvent, SeatEvents},
    },
};

/// Appends changes made in Postgres to the stream. Best effort: the change is committed
/// already, and a client that misses an event still converges on its next snapshot.
#[derive(Clone)]
pub(crate) struct Publisher {
    events: SeatEvents,
    /// Every change published here also drops this instance's cached seat map.
    seat_maps: SeatMapCache,
}

impl Publisher {
    pub(crate) fn new(events: SeatEvents, seat_maps: SeatMapCache) -> Self {
        Publisher { events, seat_maps }
    }

    /// A change the Redis hold scripts announce themselves: only the local seat map cache
    /// needs to hear of it.
    pub(crate) fn changed(&self, performance_id: Uuid) {
        self.seat_maps.invalidate(performance_id);
    }

    pub(crate) async fn publish(
        &self,
        performance_id: Uuid,
        seat_ids: Vec<Uuid>,
        status: SeatStatus,
        reason: SeatChangeReason,
    ) {
        if seat_ids.is_empty() {
            return;
        }
        self.seat_maps.invalidate(performance_id);
        let event = SeatEvent {
            seat_ids,
            status,
            reason,
        };
        if let Err(e) = self.events.publish(performance_id, &event).await {
            metrics::counter!("seat_events_dropped_total").increment(1);
            tracing::warn!(error = %e, %performance_id, "could not publish a seat event");
        }
    }

    pub(crate) async fn seats(
        &self,
        changed: &[ChangedSeat],
        status: SeatStatus,
        reason: SeatChangeReason,
    ) {
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
