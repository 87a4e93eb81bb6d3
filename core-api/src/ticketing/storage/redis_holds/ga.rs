//! General-admission holds in Redis: units of a product claimed against what Postgres says
//! remains unsold, and given back on release.

use fred::prelude::*;
use uuid::Uuid;

use super::{ClaimOutcome, GA_HOLD, GA_RELEASE, HoldRecord, HoldStore, unexpected};

impl HoldStore {
    /// Holds `record.quantity` units of a general-admission product, of which Postgres says
    /// `remaining` are unsold.
    pub(crate) async fn claim_ga(
        &self,
        record: &HoldRecord,
        ttl_ms: u64,
        limit: u32,
        reserved: u32,
        remaining: u32,
    ) -> Result<ClaimOutcome, Error> {
        let product_id = record
            .product_id
            .ok_or_else(|| unexpected(&"a general-admission hold without a product"))?;
        let args: Vec<String> = vec![
            record.hold_id.to_string(),
            record.user_id.to_string(),
            ttl_ms.to_string(),
            limit.to_string(),
            reserved.to_string(),
            remaining.to_string(),
            record.quantity.to_string(),
        ];
        let reply: Vec<String> = GA_HOLD
            .evalsha_with_reload(self.redis.client(), self.ga_keys(record, product_id), args)
            .await?;
        match reply.split_first() {
            Some((status, rest)) if status == "OK" => {
                let expires_at_ms = rest
                    .first()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| unexpected(&reply))?;
                self.write_index(
                    &HoldRecord {
                        expires_at_ms,
                        ..record.clone()
                    },
                    ttl_ms,
                )
                .await?;
                Ok(ClaimOutcome::Granted {
                    expires_at_ms,
                    held_before: 0,
                })
            }
            Some((status, rest)) if status == "SOLD_OUT" => Ok(ClaimOutcome::SoldOut {
                available: rest.first().and_then(|v| v.parse().ok()).unwrap_or(0),
            }),
            Some((status, _)) if status == "LIMIT" => Ok(ClaimOutcome::LimitExceeded),
            _ => Err(unexpected(&reply)),
        }
    }

    /// Units of the product in live Redis holds (expired ones not yet swept left out).
    pub(crate) async fn ga_held(
        &self,
        performance_id: Uuid,
        product_id: Uuid,
    ) -> Result<i64, Error> {
        let tag = super::perf_tag(performance_id);
        let hash = self.redis.key(&format!("{tag}:ga:{product_id}"));
        let expiry = self.redis.key(&format!("{tag}:ga:{product_id}:exp"));
        let live: Vec<String> = self
            .redis
            .client()
            .zrangebyscore(expiry, self.clock.now_ms(), "+inf".to_owned(), false, None)
            .await?;
        if live.is_empty() {
            return Ok(0);
        }
        let quantities: Vec<Option<i64>> = self.redis.client().hmget(hash, live).await?;
        Ok(quantities.into_iter().flatten().sum())
    }

    /// release | convert | extend of a general-admission hold.
    pub(super) async fn ga_release(
        &self,
        record: &HoldRecord,
        product_id: Uuid,
        mode: &str,
        extension_ms: u64,
    ) -> Result<Vec<String>, Error> {
        let args = vec![
            record.hold_id.to_string(),
            record.user_id.to_string(),
            mode.to_owned(),
            extension_ms.to_string(),
        ];
        GA_RELEASE
            .evalsha_with_reload(self.redis.client(), self.ga_keys(record, product_id), args)
            .await
    }
}
