//! A cancellation job's batch on a `ReservationTx`: lock a bounded set of live reservations
//! of some performances, refund the paid ones (one ledger line each, never two: the
//! `wallet_ledger_one_refund_per_reservation` index), then `release` cancels them.

use sea_orm::FromQueryResult;
use uuid::Uuid;

use super::ReservationTx;
use crate::storage::{StoreResult, sql};

/// What refunding a batch moved.
#[derive(Clone, Copy, Debug, Default, FromQueryResult)]
pub(crate) struct Refunded {
    /// Reservations whose payment turned REFUNDED.
    pub(crate) count: i64,
    /// Money given back to wallets, KRW.
    pub(crate) amount: i64,
}

impl ReservationTx {
    /// Up to `limit` live (PENDING_PAYMENT or CONFIRMED) reservations of the performances,
    /// locked until the transaction ends. A reservation a payment holds right now is waited
    /// for, not skipped, so an empty answer means none is left.
    pub(crate) async fn lock_live_of(
        &self,
        performance_ids: &[Uuid],
        limit: u64,
    ) -> StoreResult<Vec<Uuid>> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let rows = Id::find_by_statement(sql(
            "SELECT id FROM reservations WHERE performance_id = ANY($1) \
             AND status IN ('PENDING_PAYMENT', 'CONFIRMED') ORDER BY id LIMIT $2 FOR UPDATE",
            [performance_ids.to_vec().into(), (limit as i64).into()],
        ))
        .all(&self.txn)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Queues the "performance cancelled" e-mail of each reservation, in this transaction.
    pub(crate) async fn notify_cancelled(&self, reservation_ids: &[Uuid]) -> StoreResult<()> {
        crate::shared::storage::notifications::enqueue_performance_cancelled(
            &self.txn,
            reservation_ids,
        )
        .await
    }

    /// Refunds every PAID payment of these (locked) reservations to its owner's wallet: the
    /// payment turns REFUNDED only if it was PAID (conditional UPDATE), and each refund is one
    /// ledger line with its running balance, the wallet moved by their sum, in one statement.
    pub(crate) async fn refund_paid(&self, reservation_ids: &[Uuid]) -> StoreResult<Refunded> {
        if reservation_ids.is_empty() {
            return Ok(Refunded::default());
        }
        let refunded = Refunded::find_by_statement(sql(
            "WITH refunds AS ( \
                 UPDATE payments SET status = 'REFUNDED', refunded_at = now() \
                 WHERE reservation_id = ANY($1) AND status = 'PAID' \
                 RETURNING reservation_id, user_id, amount \
             ), per_user AS ( \
                 SELECT user_id, sum(amount)::bigint AS total FROM refunds WHERE amount > 0 GROUP BY user_id \
             ), w AS ( \
                 UPDATE wallets SET balance = balance + per_user.total, \
                     total_used = total_used - per_user.total, updated_at = now() \
                 FROM per_user WHERE wallets.user_id = per_user.user_id \
                 RETURNING wallets.user_id, wallets.balance, per_user.total \
             ), lines AS ( \
                 INSERT INTO wallet_ledger (id, user_id, kind, amount, balance_after, reservation_id) \
                 SELECT gen_random_uuid(), r.user_id, 'REFUND', r.amount, \
                     w.balance - w.total + sum(r.amount) OVER ( \
                         PARTITION BY r.user_id ORDER BY r.reservation_id ROWS UNBOUNDED PRECEDING), \
                     r.reservation_id \
                 FROM refunds r JOIN w ON w.user_id = r.user_id WHERE r.amount > 0 \
             ) \
             SELECT count(*)::bigint AS count, coalesce(sum(amount), 0)::bigint AS amount FROM refunds",
            [reservation_ids.to_vec().into()],
        ))
        .one(&self.txn)
        .await?;
        Ok(refunded.unwrap_or_default())
    }

    /// Takes the job's row for this batch and renews its lease, only while this instance
    /// holds the lease of a RUNNING job. The row stays locked until the commit, so two
    /// instances never run batches of one job at once. False: the lease is gone; roll back.
    pub(crate) async fn renew_job(
        &self,
        job_id: Uuid,
        owner: Uuid,
        lease_ms: u64,
    ) -> StoreResult<bool> {
        crate::ticketing::storage::cancellations::renew(&self.txn, job_id, owner, lease_ms).await
    }

    /// Counts a batch into its job's progress, committed with the batch.
    pub(crate) async fn count_into_job(
        &self,
        job_id: Uuid,
        cancelled: usize,
        refunded: Refunded,
    ) -> StoreResult<()> {
        crate::ticketing::storage::cancellations::count(&self.txn, job_id, cancelled, refunded)
            .await
    }
}
