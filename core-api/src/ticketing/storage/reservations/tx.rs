//! `ReservationTx`: one reservation's commit (or a group commit's batch, or a cancellation,
//! payment or expiry): every statement of it runs on this transaction, and dropping it
//! without `commit` rolls everything back.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

use super::{NewReservation, Reserved};
use crate::{
    shared::storage::{
        audit,
        idempotency::{AnswerTarget, Claim},
    },
    storage::{StoreResult, sql},
};

/// The commit of one reservation. Dropping it without `commit` rolls everything back.
pub(crate) struct ReservationTx {
    pub(in crate::ticketing::storage) txn: DatabaseTransaction,
}

impl ReservationTx {
    pub(super) fn new(txn: DatabaseTransaction) -> Self {
        ReservationTx { txn }
    }

    /// Serialises one user's commits on one performance, so the per-user limit check cannot
    /// be raced by the same user's parallel requests. `reserve` takes the same lock itself.
    pub(crate) async fn lock_user_performance(
        &self,
        user_id: Uuid,
        performance_id: Uuid,
    ) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                [format!("{user_id}/{performance_id}").into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    pub(crate) async fn live_reserved_count(
        &self,
        user_id: Uuid,
        performance_id: Uuid,
    ) -> StoreResult<i64> {
        crate::ticketing::storage::seats::count(&self.txn, user_id, performance_id).await
    }

    /// A general-admission reservation: `quantity` units off `remaining` only if that many
    /// remain, with the reservation and its item. False (nothing written) when too few remain.
    pub(crate) async fn reserve_units(
        &self,
        r: &NewReservation<'_>,
        product_id: Uuid,
        quantity: u32,
    ) -> StoreResult<bool> {
        crate::ticketing::storage::ga::reserve(&self.txn, r, product_id, quantity).await
    }

    /// Writes an admin's action to the audit log, committed with the rest.
    pub(crate) async fn audit(&self, entry: audit::Entry<'_>) -> StoreResult<()> {
        audit::record(&self.txn, entry).await
    }

    /// Stores `answer` as the Idempotency-Key `claim`'s answer in this transaction.
    pub(crate) async fn answer<T: Serialize>(
        &self,
        claim: &Claim,
        status: u16,
        answer: &T,
    ) -> StoreResult<()> {
        claim.answer_in(&self.txn, status, answer).await
    }

    /// Stores `answer` in `target` (a request another task answers: group commit).
    pub(crate) async fn answer_to<T: Serialize>(
        &self,
        target: &AnswerTarget,
        status: u16,
        answer: &T,
    ) -> StoreResult<()> {
        target.answer_in(&self.txn, status, answer).await
    }

    /// The per-user lock, the per-user limit check, the conditional UPDATE from DESIGN.md, the
    /// reservation row and its seat rows in one round trip. Seats are reserved only when the
    /// user's live seats plus these stay within `max_per_user`. Returns that count, how many
    /// seats were still AVAILABLE (and so reserved), their total and the `created_at`.
    pub(crate) async fn reserve(
        &self,
        r: &NewReservation<'_>,
        max_per_user: i64,
    ) -> StoreResult<Reserved> {
        crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "reserve_seats",
            self.reserve_seats(r, max_per_user),
        )
        .await
    }

    async fn reserve_seats(
        &self,
        r: &NewReservation<'_>,
        max_per_user: i64,
    ) -> StoreResult<Reserved> {
        #[derive(FromQueryResult)]
        struct Outcome {
            already: i64,
            reserved: i64,
            total: i64,
            created_at: DateTime<Utc>,
        }
        // The statement lives in the database (migration `reserve_seats_function`): planned
        // once per connection, and it takes the per-user lock itself.
        let outcome = Outcome::find_by_statement(sql(
            "SELECT out_already AS already, out_reserved AS reserved, out_total AS total, \
                 out_created_at AS created_at \
             FROM reserve_seats($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                r.id.into(),
                r.performance_id.into(),
                r.seat_ids.to_vec().into(),
                r.number.into(),
                r.user_id.into(),
                r.hold_id.into(),
                r.attendee_name.into(),
                r.attendee_phone.into(),
                r.attendee_email.map(str::to_owned).into(),
                r.expires_at.into(),
                max_per_user.into(),
            ],
        ))
        .one(&self.txn)
        .await?
        .ok_or(DbErr::RecordNotFound("reserve outcome".to_owned()))?;
        Ok(Reserved {
            already: outcome.already,
            seats: outcome.reserved as usize,
            total: outcome.total,
            created_at: outcome.created_at,
        })
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        self.txn.commit().await.map_err(Into::into)
    }

    /// Commits, having first stored `answer` as the Idempotency-Key `claim`'s answer (if there
    /// is one) in this same transaction.
    pub(crate) async fn commit_answering<T: Serialize>(
        self,
        claim: Option<&Claim>,
        status: u16,
        answer: &T,
    ) -> StoreResult<()> {
        if let Some(claim) = claim {
            claim.answer_in(&self.txn, status, answer).await?;
        }
        self.txn.commit().await?;
        if let Some(claim) = claim {
            claim.committed();
        }
        Ok(())
    }

    pub(crate) async fn rollback(self) -> StoreResult<()> {
        self.txn.rollback().await.map_err(Into::into)
    }
}
