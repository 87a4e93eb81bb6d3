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
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, OnceLock},
    time::Instant,
};

use axum::body::Bytes;

use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::ticketing::domain::status::SeatStatus;

use crate::{
    error::Result,
    ticketing::storage::seats::{SeatRepo, SeatRow},
};

pub(crate) const MAX_PERFORMANCES: usize = 32;

/// The seats of one performance by id, each as a free seat (status AVAILABLE, not held):
/// only the placement and price are known here, never the live status.
pub(crate) struct Layout {
    seats: HashMap<Uuid, SeatRow>,
    /// Seat ids in seat-map order (section, then row position, then seat position).
    order: Vec<Uuid>,
    /// The rows, front (smallest y) first, for best-available.
    rows: Vec<LayoutRow>,
    /// The layout as `GET /performances/{id}/seat-layout` words it, built on first use.
    wire: OnceLock<WireLayout>,
}

/// A layout's answer body and the entity tag derived from it (the layout never changes, so
/// neither do they).
pub(crate) struct WireLayout {
    pub(crate) body: Bytes,
    pub(crate) etag: String,
}

/// One row of seats: where it is, where its middle is, and its seats by number.
pub(crate) struct LayoutRow {
    pub(crate) section: String,
    pub(crate) y: i32,
    /// The mean x of all its seats (taken or not): "centre" for best-available.
    pub(crate) centre: i64,
    pub(crate) seats: Vec<Uuid>,
}

impl Layout {
    /// `rows` in seat-map order, as `SeatRepo::seat_map` returns them.
    pub(crate) fn new(rows: Vec<SeatRow>) -> Self {
        let order = rows.iter().map(|row| row.id).collect();
        let mut by_row: BTreeMap<(&str, &str), Vec<&SeatRow>> = BTreeMap::new();
        for seat in &rows {
            by_row
                .entry((seat.section.as_str(), seat.row_label.as_str()))
                .or_default()
                .push(seat);
        }
        let mut layout_rows: Vec<LayoutRow> = by_row
            .into_iter()
            .map(|((section, _), mut seats)| {
                seats.sort_by_key(|s| s.number);
                let sum: i64 = seats.iter().map(|s| i64::from(s.x)).sum();
                LayoutRow {
                    section: section.to_owned(),
                    y: seats.iter().map(|s| s.y).min().unwrap_or(0),
                    centre: sum / seats.len().max(1) as i64,
                    seats: seats.iter().map(|s| s.id).collect(),
                }
            })
            .collect();
        // Stable: rows at the same depth stay in (section, row) order.
        layout_rows.sort_by_key(|r| r.y);
        let seats = rows
            .into_iter()
            .map(|row| {
                let row = SeatRow {
                    status: SeatStatus::Available,
                    pg_held: false,
                    ..row
                };
                (row.id, row)
            })
            .collect();
        Layout {
            seats,
            order,
            rows: layout_rows,
            wire: OnceLock::new(),
        }
    }

    /// The layout's answer, worded by `word` the first time and kept with the layout.
    pub(crate) fn wire(&self, word: impl FnOnce(&Layout) -> WireLayout) -> &WireLayout {
        self.wire.get_or_init(|| word(self))
    }

    /// The rows, front first (then by section and row label).
    pub(crate) fn rows(&self) -> &[LayoutRow] {
        &self.rows
    }

    /// Every seat, in seat-map order, as a free seat.
    pub(crate) fn seats(&self) -> impl Iterator<Item = &SeatRow> {
        self.order.iter().filter_map(|id| self.seats.get(id))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The seat, if it belongs to the performance.
    pub(crate) fn seat(&self, id: &Uuid) -> Option<&SeatRow> {
        self.seats.get(id)
    }
}

struct Slot {
    layout: Arc<OnceCell<Arc<Layout>>>,
    used: Instant,
}

#[derive(Clone)]
pub(crate) struct SeatLayouts {
    seats: SeatRepo,
    slots: Arc<Mutex<HashMap<Uuid, Slot>>>,
}

impl SeatLayouts {
    pub(crate) fn new(seats: SeatRepo) -> Self {
        SeatLayouts {
            seats,
            slots: Arc::default(),
        }
    }

    pub(crate) async fn get(&self, performance_id: Uuid) -> Result<Arc<Layout>> {
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
            .await?
            .clone();
        if layout.is_empty() {
            // No such performance (or no seats): not worth a slot, and a stream of made-up ids
            // must not push real layouts out.
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if slots
                .get(&performance_id)
                .is_some_and(|s| Arc::ptr_eq(&s.layout, &cell))
            {
                slots.remove(&performance_id);
            }
        }
        Ok(layout)
    }
}
