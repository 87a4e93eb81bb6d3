//! The commit of one reservation: alone in a `ReservationTx` of its own, or handed to the
//! group committer. Seats go through `reserve_seats`, general admission through its
//! conditional UPDATE; paying at once and the Idempotency-Key answer join the same commit.

use chrono::{Duration, SubsecRound};
use uuid::Uuid;

use super::{Committed, Order, ReservationService};
use crate::{
    error::{Error, Result},
    shared::{services::auth::Caller, storage::idempotency::Claim},
    ticketing::{
        domain::{
            ReservationNumber,
            status::{ReservationStatus, SeatStatus},
        },
        services::{
            committed::{seat_reservation, written_row},
            group_commit::{self, GroupCommit},
            holds::{hold_expired, limit_exceeded, sold_out},
            payments::pay_locked,
        },
        storage::reservations::{NewReservation, ReservationTx},
    },
};

impl ReservationService {
    /// `CONFIRM_FAILURE_RATE`: whether this commit is to fail on purpose once written.
    fn confirmation_fails(&self) -> bool {
        self.config.confirm_failure_rate > 0.0
            && rand::random::<f64>() < self.config.confirm_failure_rate
    }

    /// Commits in a transaction of its own. The outer error ends the request as it is; the
    /// inner one is a refusal (seats gone, over the limit, hold expired), rolled back.
    pub(super) async fn commit_alone(
        &self,
        caller: Caller,
        order: Order<'_>,
        claim: Option<&Claim>,
    ) -> Result<Result<Committed>> {
        let tx = self.repo.begin().await?;
        match self.commit(&tx, caller, order, claim).await {
            Ok(done) => {
                tx.commit().await?;
                if let Some(claim) = claim {
                    claim.committed();
                }
                Ok(Ok(done))
            }
            Err(e) => {
                tx.rollback().await?;
                Ok(Err(e))
            }
        }
    }

    /// Commits together with other requests' reservations (`group_commit`). `None`: nothing
    /// was written, commit alone instead. Errors as in `commit_alone`.
    pub(super) async fn commit_grouped(
        &self,
        group: &GroupCommit,
        caller: Caller,
        order: &Order<'_>,
        claim: Option<&Claim>,
    ) -> Option<Result<Result<Committed>>> {
        let hold = order.hold;
        let now = self.clock.now().trunc_subsecs(6);
        let job = group_commit::Job {
            id: Uuid::now_v7(),
            number: ReservationNumber::generate(now).to_string(),
            user_id: caller.user_id,
            hold: hold.clone(),
            attendee: order.attendee.clone(),
            expires_at: now + Duration::milliseconds(self.config.reservation_ttl_ms as i64),
            limit: i64::from(order.max_seats_per_user),
            answer: claim.map(|c| (c.target(), order.wording)),
            fail_confirmation: self.confirmation_fails(),
            window: order.window,
        };
        let id = job.id;
        match group.submit(job).await {
            group_commit::Outcome::Committed(view) => {
                if let Some(claim) = claim {
                    claim.committed_elsewhere();
                }
                Some(Ok(Ok(Committed {
                    id,
                    paid: false,
                    view: Some(view),
                    announced: true,
                })))
            }
            group_commit::Outcome::Refused(e) => Some(Ok(Err(e))),
            group_commit::Outcome::Failed(e) => Some(Err(e)),
            group_commit::Outcome::Alone => None,
        }
    }

    /// Everything inside the transaction. Any error here means the caller rolls back.
    async fn commit(
        &self,
        tx: &ReservationTx,
        caller: Caller,
        order: Order<'_>,
        claim: Option<&Claim>,
    ) -> Result<Committed> {
        let Order {
            hold,
            attendee,
            max_seats_per_user,
            pay_now,
            window,
            wording,
        } = order;
        let limit = i64::from(max_seats_per_user);
        let over_limit = || limit_exceeded(max_seats_per_user.max(0) as u32);
        let id = Uuid::now_v7();
        // Microseconds, as Postgres keeps them: the answer equals what a later read returns.
        let now = self.clock.now().trunc_subsecs(6);
        let number = ReservationNumber::generate(now);
        let new = NewReservation {
            id,
            number: &number,
            user_id: caller.user_id,
            performance_id: hold.performance_id,
            hold_id: hold.hold_id,
            seat_ids: &hold.seat_ids,
            attendee_name: &attendee.name,
            attendee_phone: &attendee.phone,
            attendee_email: attendee.email.as_deref(),
            expires_at: now + Duration::milliseconds(self.config.reservation_ttl_ms as i64),
        };
        let mut row = None;
        if let Some(product_id) = hold.product_id {
            tx.lock_user_performance(caller.user_id, hold.performance_id)
                .await?;
            let already = tx
                .live_reserved_count(caller.user_id, hold.performance_id)
                .await?;
            if already + i64::from(hold.quantity) > limit {
                return Err(over_limit());
            }
            // General admission: the conditional UPDATE never takes `remaining` below zero.
            if !tx.reserve_units(&new, product_id, hold.quantity).await? {
                return Err(sold_out(product_id, 0));
            }
        } else {
            // Locks, checks the limit and reserves in one round trip.
            let reserved = tx.reserve(&new, limit).await?;
            if reserved.already + hold.seat_ids.len() as i64 > limit {
                return Err(over_limit());
            }
            if reserved.seats != hold.seat_ids.len() {
                return Err(Error::SeatUnavailable {
                    seat_ids: hold.seat_ids.clone(),
                });
            }
            let status = if pay_now {
                ReservationStatus::Confirmed
            } else {
                ReservationStatus::PendingPayment
            };
            row = Some(written_row(&new, attendee, status, reserved, window));
        }
        if pay_now {
            let row = tx.lock(id).await?.ok_or(Error::NotFound("reservation"))?;
            pay_locked(tx, caller, &row, now).await?;
        }
        if self.confirmation_fails() {
            metrics::counter!("confirmation_failures_total").increment(1);
            return Err(Error::ConfirmationFailed);
        }
        // The answer, from what was written; with an Idempotency-Key it is stored in this
        // transaction, so the key's answer and the reservation commit together.
        let view = match row {
            Some(row) => {
                let seat_status = if pay_now {
                    SeatStatus::Sold
                } else {
                    SeatStatus::Reserved
                };
                Some(seat_reservation(&self.layouts, row, &hold.seat_ids, seat_status).await?)
            }
            None => None,
        };
        if let (Some(claim), Some(view)) = (claim, &view) {
            tx.answer(claim, 201, &wording(view)).await?;
        }
        // Last step before COMMIT: the hold must still be ours and live. Ending it here means
        // nobody can claim these seats between our commit and the map showing RESERVED.
        if !self.store().convert(tx, hold).await? {
            return Err(hold_expired());
        }
        Ok(Committed {
            id,
            paid: pay_now,
            view,
            announced: false,
        })
    }
}
