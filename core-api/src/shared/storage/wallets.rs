//! Wallet balances and their ledger. Every movement changes the balance and writes its
//! ledger line in one statement, so the two can never disagree.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, TransactionTrait};
use serde::Serialize;
use uuid::Uuid;

use super::idempotency::Claim;
use crate::storage::{StoreResult, sql};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct WalletRow {
    pub(crate) balance: i64,
    pub(crate) total_charged: i64,
    pub(crate) total_used: i64,
    pub(crate) updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct LedgerRow {
    pub(crate) id: Uuid,
    pub(crate) kind: String,
    pub(crate) amount: i64,
    pub(crate) balance_after: i64,
    pub(crate) reservation_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Movement {
    Charge,
    Payment,
    Refund,
}

impl Movement {
    fn kind(self) -> &'static str {
        match self {
            Movement::Charge => "CHARGE",
            Movement::Payment => "PAYMENT",
            Movement::Refund => "REFUND",
        }
    }
}

pub(crate) async fn ensure(c: &impl ConnectionTrait, user_id: Uuid) -> StoreResult<()> {
    c.execute_raw(sql(
        "INSERT INTO wallets (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING",
        [user_id.into()],
    ))
    .await
    .map(|_| ())
    .map_err(Into::into)
}

pub(crate) async fn get(c: &impl ConnectionTrait, user_id: Uuid) -> StoreResult<Option<WalletRow>> {
    WalletRow::find_by_statement(sql(
        "SELECT balance, total_charged, total_used, updated_at FROM wallets WHERE user_id = $1",
        [user_id.into()],
    ))
    .one(c)
    .await
    .map_err(Into::into)
}

/// Moves `amount` (> 0) in or out of the wallet and writes the ledger line. Returns `None`
/// (and changes nothing) when the balance would go below zero or above `max_balance`.
pub(crate) async fn apply(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    movement: Movement,
    amount: i64,
    max_balance: i64,
    reservation_id: Option<Uuid>,
) -> StoreResult<Option<WalletRow>> {
    let (delta, charged, used) = match movement {
        Movement::Charge => (amount, amount, 0),
        Movement::Payment => (-amount, 0, amount),
        Movement::Refund => (amount, 0, -amount),
    };
    WalletRow::find_by_statement(sql(
        "WITH w AS ( \
             UPDATE wallets SET balance = balance + $2, total_charged = total_charged + $3, \
                 total_used = total_used + $4, updated_at = now() \
             WHERE user_id = $1 AND balance + $2 >= 0 AND balance + $2 <= $5 \
             RETURNING user_id, balance, total_charged, total_used, updated_at \
         ), entry AS ( \
             INSERT INTO wallet_ledger (id, user_id, kind, amount, balance_after, reservation_id) \
             SELECT $6, user_id, $7, $2, balance, $8 FROM w \
         ) \
         SELECT balance, total_charged, total_used, updated_at FROM w",
        [
            user_id.into(),
            delta.into(),
            charged.into(),
            used.into(),
            max_balance.into(),
            Uuid::now_v7().into(),
            movement.kind().into(),
            reservation_id.into(),
        ],
    ))
    .one(c)
    .await
    .map_err(Into::into)
}

pub(crate) async fn ledger(
    c: &impl ConnectionTrait,
    user_id: Uuid,
    limit: u64,
) -> StoreResult<Vec<LedgerRow>> {
    LedgerRow::find_by_statement(sql(
        "SELECT id, kind, amount, balance_after, reservation_id, created_at FROM wallet_ledger \
         WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        [user_id.into(), (limit as i64).into()],
    ))
    .all(c)
    .await
    .map_err(Into::into)
}

/// The wallet operations a request makes on its own, each in one transaction. Other writes
/// that move money (a payment, a refund) call [`apply`] inside their own transaction.
#[derive(Clone)]
pub(crate) struct WalletStore {
    db: DatabaseConnection,
}

impl WalletStore {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        WalletStore { db }
    }

    /// The user's wallet, opened (empty) on first use.
    pub(crate) async fn open(&self, user_id: Uuid) -> StoreResult<Option<WalletRow>> {
        let txn = self.db.begin().await?;
        ensure(&txn, user_id).await?;
        let wallet = get(&txn, user_id).await?;
        txn.commit().await?;
        Ok(wallet)
    }

    /// Adds `amount` unless the balance would pass `max_balance` (`None`, nothing changed).
    /// With a claim, `answer(&wallet)` is stored as the request's answer in the same
    /// transaction, so a retry after a lost reply gets it instead of a second charge.
    pub(crate) async fn charge<T: Serialize>(
        &self,
        user_id: Uuid,
        amount: i64,
        max_balance: i64,
        claim: Option<&Claim>,
        answer: impl FnOnce(&WalletRow) -> T,
    ) -> StoreResult<Option<T>> {
        let txn = self.db.begin().await?;
        ensure(&txn, user_id).await?;
        let Some(wallet) =
            apply(&txn, user_id, Movement::Charge, amount, max_balance, None).await?
        else {
            txn.rollback().await?;
            return Ok(None);
        };
        let answer = answer(&wallet);
        if let Some(claim) = claim {
            claim.answer_in(&txn, 200, &answer).await?;
        }
        txn.commit().await?;
        if let Some(claim) = claim {
            claim.committed();
        }
        Ok(Some(answer))
    }

    /// The newest `limit` ledger lines.
    pub(crate) async fn ledger(&self, user_id: Uuid, limit: u64) -> StoreResult<Vec<LedgerRow>> {
        ledger(&self.db, user_id, limit).await
    }
}
