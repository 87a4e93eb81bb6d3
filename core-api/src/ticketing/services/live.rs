//! The control room's live figures: one poller per performance per instance builds a frame
//! every quarter second while at least one console watches, and every console of that performance
//! gets the same frame (a watch channel), so N consoles cost one set of reads, not N.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::Engine;
use chrono::{DateTime, Utc};
use holdfast_contract::clock::Clock;
use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::Result,
    ticketing::{
        domain::{status::SeatStatus, status_vector},
        storage::{
            holds::Holds,
            live::{LiveRepo, SeatState},
        },
    },
};

/// Paid reservations in one minute.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MinuteCount {
    pub(crate) minute: DateTime<Utc>,
    pub(crate) count: i64,
}

/// One `stats` frame of `GET /admin/performances/{id}/live`.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LiveFrame {
    pub(crate) at: DateTime<Utc>,
    pub(crate) sold: i64,
    pub(crate) held: i64,
    pub(crate) available: i64,
    pub(crate) reserved: i64,
    /// People waiting in the line.
    pub(crate) queue_depth: i64,
    /// Let in from the line over the last minute.
    pub(crate) admitted_per_minute: i64,
    /// Waiting-room passes still valid.
    pub(crate) active_passes: i64,
    /// Paid reservations per minute, the last 30 minutes (minutes without a sale left out).
    pub(crate) sales_per_minute: Vec<MinuteCount>,
    /// KRW paid and not refunded.
    pub(crate) revenue: i64,
    /// Base64 of the seat status vector (`domain::status_vector`: 2 bits per seat, first
    /// seat in the lowest bits of the first byte; 0 available, 1 held, 2 reserved, 3 sold),
    /// in seat-id order (`/seat-order`).
    pub(crate) seat_status: String,
}

type Frames = watch::Receiver<Option<Arc<LiveFrame>>>;

#[derive(Clone)]
pub(crate) struct LiveHub {
    repo: LiveRepo,
    holds: Holds,
    clock: Arc<dyn Clock>,
    pollers: Arc<Mutex<HashMap<Uuid, Frames>>>,
}

impl LiveHub {
    pub(crate) fn new(repo: LiveRepo, holds: Holds, clock: Arc<dyn Clock>) -> Self {
        LiveHub {
            repo,
            holds,
            clock,
            pollers: Arc::default(),
        }
    }

    pub(crate) async fn seat_order(&self, performance_id: Uuid) -> Result<Vec<Uuid>> {
        Ok(self
            .repo
            .seats(performance_id)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect())
    }

    /// The performance's frames; starts its poller if no console of this instance watches yet.
    pub(crate) fn subscribe(&self, performance_id: Uuid) -> Frames {
        let mut pollers = self.pollers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(frames) = pollers.get(&performance_id) {
            return frames.clone();
        }
        let (tx, rx) = watch::channel(None);
        pollers.insert(performance_id, rx.clone());
        let hub = self.clone();
        tokio::spawn(async move { hub.poll(performance_id, tx).await });
        rx
    }

    /// Builds a frame every quarter second (so a sale shows well within a second) until the last
    /// console goes.
    async fn poll(self, performance_id: Uuid, tx: watch::Sender<Option<Arc<LiveFrame>>>) {
        let mut ticker = tokio::time::interval(Duration::from_millis(250));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // (when, admitted counter) over the last minute, for the admission rate.
        let mut admitted: VecDeque<(i64, i64)> = VecDeque::new();
        loop {
            ticker.tick().await;
            {
                // Our own receiver in the map is one; a console holds another.
                let mut pollers = self.pollers.lock().unwrap_or_else(|p| p.into_inner());
                if tx.receiver_count() <= 1 {
                    pollers.remove(&performance_id);
                    return;
                }
            }
            match self.frame(performance_id, &mut admitted).await {
                Ok(frame) => {
                    let _ = tx.send(Some(Arc::new(frame)));
                }
                Err(e) => {
                    tracing::warn!(performance = %performance_id, error = %e, "live figures failed this second")
                }
            }
        }
    }

    async fn frame(
        &self,
        performance_id: Uuid,
        admitted: &mut VecDeque<(i64, i64)>,
    ) -> Result<LiveFrame> {
        let now = self.clock.now();
        let now_ms = now.timestamp_millis();
        // The four reads at once: during an on-sale each waits for a pooled connection, and
        // one after the other they could take a frame past a second.
        let (seats, held, sales, queue) = tokio::join!(
            self.repo.seats(performance_id),
            self.holds.redis_held_seats(performance_id),
            self.repo.sales(performance_id),
            self.repo.queue(performance_id, now_ms),
        );
        let (seats, held, (minutes, revenue)) = (seats?, held?, sales?);
        let mut frame = LiveFrame {
            at: now,
            ..LiveFrame::default()
        };
        frame.seat_status = seat_heat(&seats, &held, &mut frame);
        frame.sales_per_minute = minutes
            .into_iter()
            .map(|m| MinuteCount {
                minute: m.minute,
                count: m.count,
            })
            .collect();
        frame.revenue = revenue;
        // The waiting room is the gateway's: without Redis the frame still has the seats.
        if let Ok(queue) = queue {
            frame.queue_depth = queue.depth;
            frame.active_passes = queue.active_passes;
            admitted.push_back((now_ms, queue.admitted_total));
            while admitted.front().is_some_and(|(at, _)| now_ms - at > 60_000) {
                admitted.pop_front();
            }
            frame.admitted_per_minute = admitted
                .front()
                .map_or(0, |(_, first)| (queue.admitted_total - first).max(0));
        }
        Ok(frame)
    }
}

/// Counts the seats by live status into `frame` and packs them as the domain's seat status
/// vector (the same encoding as `GET /performances/{id}/seat-status`), base64. A seat
/// AVAILABLE in Postgres with a Redis hold on it is HELD.
fn seat_heat(seats: &[SeatState], held: &HashSet<Uuid>, frame: &mut LiveFrame) -> String {
    let statuses: Vec<SeatStatus> = seats
        .iter()
        .map(|seat| match seat.status {
            SeatStatus::Available if held.contains(&seat.id) => SeatStatus::Held,
            status => status,
        })
        .collect();
    for status in &statuses {
        match status {
            SeatStatus::Available => frame.available += 1,
            SeatStatus::Held => frame.held += 1,
            SeatStatus::Reserved => frame.reserved += 1,
            SeatStatus::Sold => frame.sold += 1,
        }
    }
    base64::engine::general_purpose::STANDARD.encode(status_vector::pack(statuses.into_iter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(n: u128, status: SeatStatus) -> SeatState {
        SeatState {
            id: Uuid::from_u128(n),
            status,
        }
    }

    #[test]
    fn the_heat_map_is_the_domain_status_vector_with_redis_holds_as_held() {
        // Arrange: one seat of each status, the second AVAILABLE in Postgres but held in Redis.
        let seats = [
            seat(1, SeatStatus::Available),
            seat(2, SeatStatus::Available),
            seat(3, SeatStatus::Reserved),
            seat(4, SeatStatus::Sold),
            seat(5, SeatStatus::Sold),
        ];
        let held = HashSet::from([Uuid::from_u128(2)]);
        let mut frame = LiveFrame::default();

        // Act
        let encoded = seat_heat(&seats, &held, &mut frame);

        // Assert: 0 available, 1 held, 2 reserved, 3 sold, two bits a seat, low bits first.
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&encoded)
            .unwrap_or_default();
        assert_eq!(bytes, vec![0b11_10_01_00, 0b00_00_00_11]);
        let expected = [
            SeatStatus::Available,
            SeatStatus::Held,
            SeatStatus::Reserved,
            SeatStatus::Sold,
            SeatStatus::Sold,
        ];
        assert_eq!(bytes, status_vector::pack(expected.into_iter()));
        assert_eq!(
            (frame.available, frame.held, frame.reserved, frame.sold),
            (1, 1, 1, 2)
        );
    }
}
