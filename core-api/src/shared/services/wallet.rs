//! The wallet: balance, charges and the ledger of every movement.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::shared::services::auth::Caller;
use crate::{
    config::Config,
    error::{Error, ErrorCode, Result},
    shared::storage::{
        idempotency::Claim,
        wallets::{self, LedgerRow, Movement, WalletRow},
    },
    ticketing::storage::reservations::ReservationRepo,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChargeRequest {
    /// KRW, a positive integer, at most `CORE_WALLET_MAX_CHARGE`.
    #[schema(minimum = 1)]
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WalletView {
    pub balance: i64,
    pub total_charged: i64,
    pub total_used: i64,
    pub updated_at: DateTime<Utc>,
}

impl From<WalletRow> for WalletView {
    fn from(w: WalletRow) -> Self {
        WalletView {
            balance: w.balance,
            total_charged: w.total_charged,
            total_used: w.total_used,
            updated_at: w.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntryView {
    pub id: Uuid,
    /// CHARGE | PAYMENT | REFUND
    pub kind: String,
    /// Signed: payments are negative.
    pub amount: i64,
    pub balance_after: i64,
    pub reservation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<LedgerRow> for LedgerEntryView {
    fn from(l: LedgerRow) -> Self {
        LedgerEntryView {
            id: l.id,
            kind: l.kind,
            amount: l.amount,
            balance_after: l.balance_after,
            reservation_id: l.reservation_id,
            created_at: l.created_at,
        }
    }
}

#[derive(Clone)]
pub struct WalletService {
    config: Arc<Config>,
    repo: ReservationRepo,
}

impl WalletService {
    pub fn new(config: Arc<Config>, repo: ReservationRepo) -> Self {
        WalletService { config, repo }
    }

    pub async fn get(&self, caller: Caller) -> Result<WalletView> {
        let tx = self.repo.begin().await?;
        wallets::ensure(tx.conn(), caller.user_id).await?;
        let wallet = wallets::get(tx.conn(), caller.user_id)
            .await?
            .ok_or(Error::NotFound("wallet"))?;
        tx.commit().await?;
        Ok(wallet.into())
    }

    /// Charges in one transaction; with an Idempotency-Key `claim`, the answer is stored in it.
    pub async fn charge(
        &self,
        caller: Caller,
        req: ChargeRequest,
        claim: Option<&Claim>,
    ) -> Result<WalletView> {
        let max = self.config.wallet_max_charge;
        if req.amount <= 0 || req.amount > max {
            metrics::counter!("wallet_failures_total", "reason" => "invalid_amount").increment(1);
            return Err(Error::Validation {
                message: format!("amount must be a whole number of KRW from 1 to {max}"),
                details: json!({ "field": "amount", "max": max }),
            });
        }
        let tx = self.repo.begin().await?;
        wallets::ensure(tx.conn(), caller.user_id).await?;
        let max_balance = self.config.wallet_max_balance;
        match wallets::apply(
            tx.conn(),
            caller.user_id,
            Movement::Charge,
            req.amount,
            max_balance,
            None,
        )
        .await?
        {
            Some(wallet) => {
                let view = WalletView::from(wallet);
                tx.commit_answering(claim, 200, &view).await?;
                metrics::counter!("wallet_charges_total").increment(1);
                Ok(view)
            }
            None => {
                tx.rollback().await?;
                metrics::counter!("wallet_failures_total", "reason" => "balance_cap").increment(1);
                Err(Error::rule(
                    ErrorCode::WalletLimitExceeded,
                    format!("a wallet holds at most {max_balance} KRW"),
                    json!({ "maxBalance": max_balance }),
                ))
            }
        }
    }

    pub async fn transactions(&self, caller: Caller, limit: u64) -> Result<Vec<LedgerEntryView>> {
        let tx = self.repo.begin().await?;
        if !(1..=500).contains(&limit) {
            return Err(Error::validation("limit", "must be 1 to 500"));
        }
        let rows = wallets::ledger(tx.conn(), caller.user_id, limit).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
