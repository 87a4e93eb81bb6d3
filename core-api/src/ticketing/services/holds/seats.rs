//! Claiming exactly the asked seats: Redis (or Postgres) first, then Postgres's word on a
//! Redis grant, taken back with the seats' real status announced when Postgres refuses it.

use std::collections::BTreeMap;

use serde_json::json;
use uuid::Uuid;

use super::{Hold, HoldService, limit_exceeded, view};
use crate::{
    error::{Error, Result},
    shared::services::auth::Caller,
    ticketing::{
        domain::{
            SeatSelection,
            status::{SeatChangeReason, SeatStatus},
        },
        services::views::Seat,
        storage::{
            holds::{Backend, ClaimOutcome, HoldRecord},
            seats::{RefusedSeat, SeatRow},
        },
    },
};

impl HoldService {
    /// Exactly the asked seats. The ids are checked against the performance's layout in
    /// memory; on the Redis path the claim goes first and Postgres is asked about the seats'
    /// status only when Redis granted it, so the many who lose a contested seat cost one Redis
    /// call each. The Postgres path reads the seats first, as before.
    pub(super) async fn claim_exact(
        &self,
        caller: Caller,
        performance_id: Uuid,
        selection: &SeatSelection,
        limit: u32,
    ) -> Result<Hold> {
        let layout = self.layouts.get(performance_id).await?;
        let mut rows = Vec::with_capacity(selection.len());
        let mut unknown = Vec::new();
        for id in selection.ids() {
            match layout.seat(id) {
                Some(row) => rows.push(row.clone()),
                None => unknown.push(*id),
            }
        }
        if !unknown.is_empty() {
            return Err(Error::Validation {
                message: "some seats do not belong to this performance".to_owned(),
                details: json!({ "field": "seatIds", "unknownSeatIds": unknown }),
            });
        }
        if self.store.live_path() == "postgres" {
            let current = self.seats.by_ids(performance_id, selection.ids()).await?;
            let mut unavailable: Vec<Uuid> = current
                .iter()
                .filter(|r| r.status != SeatStatus::Available || r.pg_held)
                .map(|r| r.id)
                .collect();
            if !unavailable.is_empty() {
                unavailable.sort();
                return Err(Error::SeatUnavailable {
                    seat_ids: unavailable,
                });
            }
        }
        self.claim(caller, performance_id, rows, limit).await
    }

    /// Claims exactly `rows` on the live hold path. A Redis grant is then checked against
    /// Postgres in one query (seat status, and the user's live reservations for the per-user
    /// limit) and taken back if Postgres refuses it.
    pub(super) async fn claim(
        &self,
        caller: Caller,
        performance_id: Uuid,
        rows: Vec<SeatRow>,
        limit: u32,
    ) -> Result<Hold> {
        let record = HoldRecord {
            hold_id: Uuid::new_v4(),
            performance_id,
            user_id: caller.user_id,
            seat_ids: rows.iter().map(|r| r.id).collect(),
            expires_at_ms: 0,
            extended: false,
            backend: Backend::Redis,
            product_id: None,
            quantity: 0,
        };
        match self
            .store
            .claim(&record, self.config.hold_ttl_ms, limit)
            .await?
        {
            (
                ClaimOutcome::Granted {
                    expires_at_ms,
                    held_before,
                },
                backend,
            ) => {
                self.publisher.changed(performance_id);
                let record = HoldRecord {
                    expires_at_ms,
                    backend,
                    ..record
                };
                if backend == Backend::Redis {
                    self.confirm_redis_claim(&record, held_before, limit)
                        .await?;
                }
                if backend == Backend::Postgres {
                    // The Redis script announces its own holds; this path announces here.
                    self.publisher
                        .publish(
                            performance_id,
                            record.seat_ids.clone(),
                            SeatStatus::Held,
                            SeatChangeReason::Held,
                        )
                        .await;
                }
                let seats = rows.into_iter().map(|r| Seat::from_row(r, true)).collect();
                Ok(view(record, seats, Vec::new()))
            }
            (ClaimOutcome::Taken(mut seat_ids), _) => {
                seat_ids.sort();
                Err(Error::SeatUnavailable { seat_ids })
            }
            (ClaimOutcome::LimitExceeded, _) => Err(limit_exceeded(limit)),
            (ClaimOutcome::SoldOut { .. }, _) => Err(Error::SeatUnavailable {
                seat_ids: record.seat_ids,
            }),
        }
    }

    /// Postgres's word on a claim Redis granted: every seat still AVAILABLE and not held on the
    /// Postgres path, and the user within the limit counting live reservations. Otherwise the
    /// claim is taken back (announcing the seats' real status) and the refusal returned.
    async fn confirm_redis_claim(
        &self,
        record: &HoldRecord,
        held_before: u32,
        limit: u32,
    ) -> Result<()> {
        let check = match self
            .seats
            .claim_check(record.user_id, record.performance_id, &record.seat_ids)
            .await
        {
            Ok(check) => check,
            Err(e) => {
                self.take_back(record, &[]).await;
                return Err(e.into());
            }
        };
        if !check.refused.is_empty() {
            self.take_back(record, &check.refused).await;
            let mut seat_ids: Vec<Uuid> = check.refused.iter().map(|s| s.id).collect();
            seat_ids.sort();
            return Err(Error::SeatUnavailable { seat_ids });
        }
        let wanted = record.seat_ids.len() as i64;
        if check.reserved.max(0) + i64::from(held_before) + wanted > i64::from(limit) {
            self.take_back(record, &[]).await;
            return Err(limit_exceeded(limit));
        }
        Ok(())
    }

    /// Undoes a Redis claim and puts the seats' real status on the stream: `refused` seats
    /// as Postgres has them, the others AVAILABLE again. Best effort: a claim that cannot be
    /// taken back lapses with its TTL.
    async fn take_back(&self, record: &HoldRecord, refused: &[RefusedSeat]) {
        if let Err(e) = self.store.retract(record).await {
            tracing::warn!(error = %e, hold = %record.hold_id, "could not take back a refused claim; it lapses with its TTL");
            return;
        }
        self.publisher.changed(record.performance_id);
        // Keyed by the status's word, so the events go out in the order they always did.
        let mut by_status: BTreeMap<&'static str, (SeatStatus, SeatChangeReason, Vec<Uuid>)> =
            BTreeMap::new();
        for id in &record.seat_ids {
            let (status, reason) = refused.iter().find(|s| s.id == *id).map_or(
                (SeatStatus::Available, SeatChangeReason::Released),
                |s| match s.status {
                    SeatStatus::Available | SeatStatus::Held => {
                        (SeatStatus::Held, SeatChangeReason::Held)
                    }
                    SeatStatus::Reserved => (SeatStatus::Reserved, SeatChangeReason::Reserved),
                    SeatStatus::Sold => (SeatStatus::Sold, SeatChangeReason::Sold),
                },
            );
            by_status
                .entry(status.as_str())
                .or_insert((status, reason, Vec::new()))
                .2
                .push(*id);
        }
        for (_, (status, reason, seat_ids)) in by_status {
            self.publisher
                .publish(record.performance_id, seat_ids, status, reason)
                .await;
        }
    }
}
