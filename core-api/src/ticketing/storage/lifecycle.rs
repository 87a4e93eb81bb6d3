//! State changes of existing reservations: lock, pay, refund, release (cancel / expire).
//!
//! Each is a statement of a `ReservationTx`, so the services compose them into one
//! transaction (a payment and its seat change commit together or not at all).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

use crate::{
    shared::storage::wallets::{self, Movement},
    storage::{StoreResult, sql},
    ticketing::{
        domain::status::{PaymentStatus, ReservationStatus},
        storage::reservations::{RESERVATION_SELECT, ReservationRow, ReservationTx},
    },
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct PaymentRow {
    pub(crate) id: Uuid,
    pub(crate) reservation_id: Uuid,
    pub(crate) amount: i64,
    pub(crate) status: PaymentStatus,
    pub(crate) paid_at: DateTime<Utc>,
}

/// Seats whose status changed, grouped by performance, for the live seat stream.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct ChangedSeat {
    pub(crate) performance_id: Uuid,
    pub(crate) id: Uuid,
}

impl ReservationTx {
    /// The reservation row, locked until the transaction ends (its performance's row is read,
    /// not locked).
    pub(crate) async fn lock(&self, id: Uuid) -> StoreResult<Option<ReservationRow>> {
        ReservationRow::find_by_statement(sql(
            &format!("{RESERVATION_SELECT} WHERE r.id = $1 FOR UPDATE OF r"),
            [id.into()],
        ))
        .one(&self.txn)
        .await
        .map_err(Into::into)
    }

    /// Records the payment, confirms the reservation and sells its seats.
    pub(crate) async fn mark_paid(
        &self,
        r: &ReservationRow,
    ) -> StoreResult<(PaymentRow, Vec<ChangedSeat>)> {
        let payment = PaymentRow::find_by_statement(sql(
            "INSERT INTO payments (id, reservation_id, user_id, amount) VALUES ($1, $2, $3, $4) \
             RETURNING id, reservation_id, amount, status, paid_at",
            [
                Uuid::now_v7().into(),
                r.id.into(),
                r.user_id.into(),
                r.total_amount.into(),
            ],
        ))
        .one(&self.txn)
        .await?
        .ok_or(DbErr::RecordNotInserted)?;
        self.txn.execute_raw(sql(
            "UPDATE reservations SET status = 'CONFIRMED', updated_at = now() WHERE id = $1 AND status = 'PENDING_PAYMENT'",
            [r.id.into()],
        ))
        .await?;
        // Told to the buyer once this commits (the notification outbox, same transaction).
        crate::shared::storage::notifications::enqueue_paid(
            &self.txn,
            (r.id, r.user_id),
            &r.reservation_number,
            r.total_amount,
        )
        .await?;
        let seats = ChangedSeat::find_by_statement(sql(
            "UPDATE seats SET status = 'SOLD' WHERE reservation_id = $1 RETURNING performance_id, id",
            [r.id.into()],
        ))
        .all(&self.txn)
        .await?;
        Ok((payment, seats))
    }

    pub(crate) async fn payment_of(&self, reservation_id: Uuid) -> StoreResult<Option<PaymentRow>> {
        PaymentRow::find_by_statement(sql(
            "SELECT id, reservation_id, amount, status, paid_at FROM payments WHERE reservation_id = $1",
            [reservation_id.into()],
        ))
        .one(&self.txn)
        .await.map_err(Into::into)
    }

    pub(crate) async fn mark_refunded(&self, payment_id: Uuid) -> StoreResult<()> {
        self.txn.execute_raw(sql(
            "UPDATE payments SET status = 'REFUNDED', refunded_at = now() WHERE id = $1 AND status = 'PAID'",
            [payment_id.into()],
        ))
        .await
        .map(|_| ()).map_err(Into::into)
    }

    /// Ends reservations (CANCELLED or EXPIRED): their seats and general-admission quantities
    /// go back on sale. Returns the seats that became AVAILABLE.
    pub(crate) async fn release(
        &self,
        ids: &[Uuid],
        status: ReservationStatus,
    ) -> StoreResult<Vec<ChangedSeat>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids_value = || sea_orm::Value::from(ids.to_vec());
        self.txn
            .execute_raw(sql(
                "UPDATE reservations SET status = $2, updated_at = now() WHERE id = ANY($1)",
                [ids_value(), status.as_str().into()],
            ))
            .await?;
        self.txn
            .execute_raw(sql(
                "UPDATE reservation_seats SET live = false WHERE reservation_id = ANY($1)",
                [ids_value()],
            ))
            .await?;
        self.txn
            .execute_raw(sql(
                "UPDATE ga_products p SET remaining = p.remaining + i.quantity \
             FROM (SELECT product_id, sum(quantity)::int AS quantity FROM reservation_ga_items \
                   WHERE reservation_id = ANY($1) AND live GROUP BY product_id) i \
             WHERE p.id = i.product_id",
                [ids_value()],
            ))
            .await?;
        self.txn
            .execute_raw(sql(
                "UPDATE reservation_ga_items SET live = false WHERE reservation_id = ANY($1)",
                [ids_value()],
            ))
            .await?;
        ChangedSeat::find_by_statement(sql(
            "UPDATE seats SET status = 'AVAILABLE', reservation_id = NULL WHERE reservation_id = ANY($1) \
             RETURNING performance_id, id",
            [ids_value()],
        ))
        .all(&self.txn)
        .await.map_err(Into::into)
    }

    /// Unpaid reservations past their deadline, locked; rows another instance is already
    /// expiring are skipped, so several sweepers never collide.
    pub(crate) async fn lock_due(&self, now: DateTime<Utc>, limit: u64) -> StoreResult<Vec<Uuid>> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let rows = Id::find_by_statement(sql(
            "SELECT id FROM reservations WHERE status = 'PENDING_PAYMENT' AND expires_at <= $1 \
             ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            [now.into(), (limit as i64).into()],
        ))
        .all(&self.txn)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    pub(crate) async fn delete_expired_idempotency_keys(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        Ok(self
            .txn
            .execute_raw(sql(
                "DELETE FROM idempotency_keys WHERE expires_at <= $1",
                [now.into()],
            ))
            .await?
            .rows_affected())
    }

    /// Takes `amount` from the user's wallet for reservation `reservation_id`. None (and
    /// nothing changed) when the balance is short.
    pub(crate) async fn debit_wallet(
        &self,
        user_id: Uuid,
        amount: i64,
        reservation_id: Uuid,
    ) -> StoreResult<Option<i64>> {
        wallets::ensure(&self.txn, user_id).await?;
        let wallet = wallets::apply(
            &self.txn,
            user_id,
            Movement::Payment,
            amount,
            i64::MAX,
            Some(reservation_id),
        )
        .await?;
        Ok(wallet.map(|w| w.balance))
    }

    /// Gives `amount` back to the user's wallet for reservation `reservation_id`; false when
    /// the wallet refused it.
    pub(crate) async fn refund_to_wallet(
        &self,
        user_id: Uuid,
        amount: i64,
        reservation_id: Uuid,
    ) -> StoreResult<bool> {
        wallets::ensure(&self.txn, user_id).await?;
        let wallet = wallets::apply(
            &self.txn,
            user_id,
            Movement::Refund,
            amount,
            i64::MAX,
            Some(reservation_id),
        )
        .await?;
        Ok(wallet.is_some())
    }

    /// The user's wallet balance (0 without a wallet).
    pub(crate) async fn wallet_balance(&self, user_id: Uuid) -> StoreResult<i64> {
        Ok(wallets::get(&self.txn, user_id)
            .await?
            .map_or(0, |w| w.balance))
    }
}
