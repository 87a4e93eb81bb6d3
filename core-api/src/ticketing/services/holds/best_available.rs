//! Best available: the front-most block of adjacent free seats in one row, chosen from the
//! cached layout and a shared snapshot of the free seats, retried on another block when
//! someone else claims part of it first.

use crate::error::ErrorCode;
use std::{collections::HashSet, sync::Arc, time::Duration};

use rand::seq::SliceRandom;
use serde_json::json;
use uuid::Uuid;

use super::{Hold, HoldService};
use crate::{
    error::{Error, Result},
    shared::services::auth::Caller,
    ticketing::{services::seat_layout::Layout, storage::seats::SeatRow},
};

impl HoldService {
    /// Best available: the front-most block of `quantity` adjacent free seats in one row.
    /// If someone takes part of the block first, tries the next best block (a few times).
    ///
    /// Which seats are free comes from a snapshot of the free seat ids at most
    /// `CORE_SEAT_MAP_CACHE_MS` old (one Postgres read per performance per interval, however
    /// many ask) minus the seats held in Redis right now; the seats themselves come from the
    /// cached layout. A seat reserved since the snapshot still carries its Redis marker, so
    /// the claim refuses it and the next block is tried.
    pub(super) async fn claim_best(
        &self,
        caller: Caller,
        performance_id: Uuid,
        quantity: u32,
        section: Option<&str>,
        limit: u32,
    ) -> Result<Hold> {
        let mut taken: HashSet<Uuid> = self.store.redis_held_seats(performance_id).await?;
        let layout = self.layouts.get(performance_id).await?;
        // A second pass on a fresh snapshot before saying no, when the first one lost blocks to
        // others: late in a sale most seats of a stale snapshot are gone, and the fresh one is
        // small (only free seats are read). "Fresh" is at most FRESH_SNAPSHOT old, so a crowd
        // of losers shares one read instead of each making its own.
        for pass in 0..2 {
            if pass == 1 {
                self.free_seats
                    .invalidate_older_than(performance_id, FRESH_SNAPSHOT);
            }
            let free_ids = self
                .free_seats
                .get_or_build(performance_id, async {
                    let ids = self.seats.free_ids(performance_id).await?;
                    Ok(Arc::new(ids.into_iter().collect::<HashSet<Uuid>>()))
                })
                .await?;
            let candidates = best_blocks(
                &layout,
                |id| free_ids.contains(id) && !taken.contains(id),
                section,
                quantity as usize,
                CANDIDATE_BLOCKS,
            );
            // The best block first; then, so that a crowd asking at the same moment does not
            // keep colliding on the same next-best block, a few of the others at random.
            let mut order: Vec<usize> = (1..candidates.len()).collect();
            order.shuffle(&mut rand::rng());
            let tries = std::iter::once(0)
                .chain(order)
                .filter(|i| *i < candidates.len());
            let mut attempts = 0;
            let mut lost = false;
            for i in tries {
                let block = &candidates[i];
                if attempts == 4 {
                    break;
                }
                if block.iter().any(|s| taken.contains(&s.id)) {
                    continue;
                }
                attempts += 1;
                let rows: Vec<SeatRow> = block.iter().map(|s| (*s).clone()).collect();
                match self.claim(caller, performance_id, rows, limit).await {
                    Err(Error::SeatUnavailable { seat_ids }) => {
                        lost = true;
                        taken.extend(seat_ids);
                    }
                    other => return other,
                }
            }
            if !lost {
                // Nothing was tried and lost: the snapshot had no block to offer, which a
                // fresh read would not change (it lists every seat Postgres has free, held or
                // not), so no extra read for the crowd that keeps asking after a sell-out.
                break;
            }
        }
        Err(Error::rule(
            ErrorCode::SeatsNotAvailableTogether,
            format!(
                "no {quantity} adjacent seats are free{}",
                section
                    .map(|s| format!(" in section {s}"))
                    .unwrap_or_default()
            ),
            json!({ "quantity": quantity, "section": section }),
        ))
    }
}

/// How many of the best blocks a best-available hold may try (the best first).
const CANDIDATE_BLOCKS: usize = 8;

/// How old a free-seat snapshot may be for a best-available hold's second pass.
const FRESH_SNAPSHOT: Duration = Duration::from_millis(100);

/// Up to `k` blocks of `n` seats with consecutive numbers in one row, no two sharing a seat,
/// best first: closest to the front (smallest y), then to the row's centre. Seats come in any
/// order.
/// Up to `k` non-overlapping blocks of `n` adjacent free seats, best first: the front-most
/// rows first, and within the same depth the block whose middle is nearest its row's centre.
///
/// It walks the layout's rows from the front and stops at the first depth by which it has
/// `k` blocks, so the cost is the rows it looks at, not the whole venue.
fn best_blocks<'a>(
    layout: &'a Layout,
    is_free: impl Fn(&Uuid) -> bool,
    section: Option<&str>,
    n: usize,
    k: usize,
) -> Vec<Vec<&'a SeatRow>> {
    let mut chosen: Vec<Vec<&SeatRow>> = Vec::new();
    if n == 0 {
        return chosen;
    }
    let rows = layout.rows();
    let mut next = 0;
    while next < rows.len() && chosen.len() < k {
        let depth = rows[next].y;
        // Every block at this depth: (distance from its row's centre, seats).
        let mut level: Vec<(i64, Vec<&SeatRow>)> = Vec::new();
        while next < rows.len() && rows[next].y == depth {
            let row = &rows[next];
            next += 1;
            if section.is_some_and(|s| row.section != s) {
                continue;
            }
            let free: Vec<&SeatRow> = row
                .seats
                .iter()
                .filter(|id| is_free(id))
                .filter_map(|id| layout.seat(id))
                .collect();
            for window in free.windows(n) {
                if window.windows(2).all(|p| p[1].number == p[0].number + 1) {
                    let mid = (i64::from(window[0].x) + i64::from(window[n - 1].x)) / 2;
                    level.push(((mid - row.centre).abs(), window.to_vec()));
                }
            }
        }
        level.sort_by_key(|(distance, _)| *distance);
        let mut used: HashSet<Uuid> = HashSet::new();
        for (_, window) in level {
            if chosen.len() == k {
                break;
            }
            if window.iter().all(|s| !used.contains(&s.id)) {
                used.extend(window.iter().map(|s| s.id));
                chosen.push(window);
            }
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(section: &str, row: &str, number: i32, x: i32, y: i32) -> SeatRow {
        SeatRow {
            id: Uuid::new_v4(),
            section: section.into(),
            row_label: row.into(),
            number,
            x,
            y,
            price_tier: "R".into(),
            price: 1,
            status: crate::ticketing::domain::status::SeatStatus::Available,
            pg_held: false,
        }
    }

    #[test]
    fn best_available_prefers_the_front_row_centre_and_needs_adjacency() {
        let seats = [
            seat("A", "A", 1, 10, 0),
            seat("A", "A", 3, 30, 0), // gap at 2: no pair in row A
            seat("A", "B", 1, 10, 10),
            seat("A", "B", 2, 20, 10),
            seat("A", "B", 3, 30, 10),
            seat("A", "B", 4, 40, 10),
            seat("A", "C", 1, 10, 20),
            seat("A", "C", 2, 20, 20),
        ];
        let layout = Layout::new(seats.to_vec());
        let all = |_: &Uuid| true;
        let blocks = best_blocks(&layout, all, None, 2, 3);
        let block = blocks.first().expect("a block");
        let numbers: Vec<(String, i32)> = block
            .iter()
            .map(|s| (s.row_label.clone(), s.number))
            .collect();
        assert_eq!(
            numbers,
            [("B".to_owned(), 2), ("B".to_owned(), 3)],
            "row B, centred"
        );
        let rows_of = |blocks: Vec<Vec<&SeatRow>>| -> Vec<(String, i32)> {
            blocks
                .iter()
                .map(|b| (b[0].row_label.clone(), b[0].number))
                .collect()
        };
        assert_eq!(
            rows_of(blocks),
            [("B".to_owned(), 2), ("C".to_owned(), 1)],
            "then the next non-overlapping blocks: B1-2 would share B2 with the best, B3-4 B3"
        );
        assert!(best_blocks(&layout, all, None, 5, 3).is_empty());
        assert_eq!(
            best_blocks(&layout, all, None, 1, 1)
                .first()
                .map(|b| b[0].row_label.clone()),
            Some("A".to_owned())
        );
        assert!(best_blocks(&layout, all, Some("Z"), 1, 1).is_empty());
    }

    #[test]
    fn best_available_skips_taken_seats_and_keeps_the_rows_centre() {
        let seats: Vec<SeatRow> = (1..=6)
            .map(|n| seat("A", "A", n, n * 10, 0))
            .chain((1..=6).map(|n| seat("A", "B", n, n * 10, 10)))
            .collect();
        let layout = Layout::new(seats.clone());
        // Row A: only 1-2 free (far from the centre, 35); row B all free.
        let taken: HashSet<Uuid> = seats[2..6].iter().map(|s| s.id).collect();
        let blocks = best_blocks(&layout, |id| !taken.contains(id), None, 2, 2);
        let picked: Vec<(String, i32)> = blocks
            .iter()
            .map(|b| (b[0].row_label.clone(), b[0].number))
            .collect();
        assert_eq!(
            picked,
            [("A".to_owned(), 1), ("B".to_owned(), 3)],
            "the front row first even off-centre; then row B's middle pair"
        );
    }
}
