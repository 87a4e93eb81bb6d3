//! Each performance's seat layout (which seats exist, their section, row, number, position and
//! price), kept per instance.
//!
//! The layout never changes once a performance is created (seats are inserted with it and
//! never updated or deleted; only their status moves), so it is read from Postgres once per
//! performance and instance and kept. A hold then checks its seat ids and builds its answer
//! from memory; only the seats' *status* is asked of Postgres, and only when Redis granted the
//! claim (see `services/holds.rs`). Concurrent first requests share one read. At most
//! [`MAX_PERFORMANCES`] layouts are kept (the least recently used goes first); a 10,000-seat
//! layout is about 2 MB.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::{
    error::Result,
    storage::repo::seats::{SeatRepo, SeatRow},
};

pub const MAX_PERFORMANCES: usize = 32;

/// The seats of one performance by id, each as a free seat (status AVAILABLE, not held):
/// only the placement and price are known here, never the live status.
pub struct Layout {
    seats: HashMap<Uuid, SeatRow>,
}

impl Layout {
    fn new(rows: Vec<SeatRow>) -> Self {
        let seats = rows
            .into_iter()
            .map(|row| {
                let row = SeatRow {
                    status: "AVAILABLE".to_owned(),
                    pg_held: false,
                    ..row
                };
                (row.id, row)
            })
            .collect();
        Layout { seats }
    }

    /// The seat, if it belongs to the performance.
    pub fn seat(&self, id: &Uuid) -> Option<&SeatRow> {
        self.seats.get(id)
    }
}

struct Slot {
    layout: Arc<OnceCell<Arc<Layout>>>,
    used: Instant,
}

#[derive(Clone)]
pub struct SeatLayouts {
    seats: SeatRepo,
    slots: Arc<Mutex<HashMap<Uuid, Slot>>>,
}

impl SeatLayouts {
    pub fn new(seats: SeatRepo) -> Self {
        SeatLayouts {
            seats,
            slots: Arc::default(),
        }
    }

    pub async fn get(&self, performance_id: Uuid) -> Result<Arc<Layout>> {
        let cell = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            if !slots.contains_key(&performance_id) && slots.len() >= MAX_PERFORMANCES {
                let oldest = slots.iter().min_by_key(|(_, s)| s.used).map(|(id, _)| *id);
                if let Some(oldest) = oldest {
                    slots.remove(&oldest);
                }
            }
            let slot = slots.entry(performance_id).or_insert_with(|| Slot {
                layout: Arc::new(OnceCell::new()),
                used: now,
            });
            slot.used = now;
            slot.layout.clone()
        };
        let layout = cell
            .get_or_try_init(|| async {
                let rows = self.seats.seat_map(performance_id).await?;
                Ok::<_, crate::error::Error>(Arc::new(Layout::new(rows)))
            })
            .await?;
        Ok(layout.clone())
    }
}
