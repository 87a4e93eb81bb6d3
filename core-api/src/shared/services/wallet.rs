//! The wallet: balance, charges and the ledger of every movement.

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use crate::{
    config::Config,
    error::{Error, Result},
    shared::{
        services::auth::Caller,
        storage::{
            idempotency::Claim,
            wallets::{LedgerRow, WalletRow, WalletStore},
        },
    },
};

#[derive(Clone)]
pub(crate) struct WalletService {
    config: Arc<Config>,
    store: WalletStore,
}

impl WalletService {
    pub(crate) fn new(config: Arc<Config>, store: WalletStore) -> Self {
        WalletService { config, store }
    }

    pub(crate) async fn get(&self, caller: Caller) -> Result<WalletRow> {
        self.store
            .open(caller.user_id)
            .await?
            .ok_or(Error::NotFound("wallet"))
    }

    /// Charges in one transaction; with an Idempotency-Key `claim`, the answer (`answer` of
    /// the new balance) is stored in it.
    pub(crate) async fn charge<T: Serialize>(
        &self,
        caller: Caller,
        amount: i64,
        claim: Option<&Claim>,
        answer: impl FnOnce(&WalletRow) -> T,
    ) -> Result<T> {
        let max = self.config.wallet_max_charge;
        if amount <= 0 || amount > max {
            metrics::counter!("wallet_failures_total", "reason" => "invalid_amount").increment(1);
            return Err(Error::Validation {
                message: format!("amount must be a whole number of KRW from 1 to {max}"),
                details: json!({ "field": "amount", "max": max }),
            });
        }
        let max_balance = self.config.wallet_max_balance;
        match self
            .store
            .charge(caller.user_id, amount, max_balance, claim, answer)
            .await?
        {
            Some(answer) => {
                metrics::counter!("wallet_charges_total").increment(1);
                Ok(answer)
            }
            None => {
                metrics::counter!("wallet_failures_total", "reason" => "balance_cap").increment(1);
                Err(Error::rule(
                    "WALLET_LIMIT_EXCEEDED",
                    format!("a wallet holds at most {max_balance} KRW"),
                    json!({ "maxBalance": max_balance }),
                ))
            }
        }
    }

    pub(crate) async fn transactions(&self, caller: Caller, limit: u64) -> Result<Vec<LedgerRow>> {
        if !(1..=500).contains(&limit) {
            return Err(Error::validation("limit", "must be 1 to 500"));
        }
        Ok(self.store.ledger(caller.user_id, limit).await?)
    }
}
