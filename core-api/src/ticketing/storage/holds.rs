//! The hold store the services use: Redis first, Postgres when Redis is unreachable (behind
//! the circuit breaker) or when `HOLD_STRATEGY=postgres`. A hold record says which store
//! owns it, so release, extension and conversion go to the right place.

use std::{collections::HashSet, sync::Arc, time::Instant};

use uuid::Uuid;

pub use crate::ticketing::storage::redis_holds::{Backend, HoldRecord};
pub(crate) use crate::ticketing::storage::redis_holds::{ClaimOutcome, ExtendOutcome};
use crate::{
    config::HoldStrategy,
    error::{Error, Result},
    metrics::{Store, timed},
};
use crate::{
    storage::breaker::{Breaker, State},
    ticketing::storage::{
        lifecycle::ChangedSeat, pg_holds::PgHoldStore, redis_holds::HoldStore as RedisHolds,
        reservations::ReservationTx,
    },
};

#[derive(Clone)]
pub(crate) struct Holds {
    redis: RedisHolds,
    postgres: PgHoldStore,
    strategy: HoldStrategy,
    /// Fall back to Postgres when Redis fails (else answer 503).
    fallback: bool,
    breaker: Arc<Breaker>,
}

impl Holds {
    pub(crate) fn new(
        redis: RedisHolds,
        postgres: PgHoldStore,
        strategy: HoldStrategy,
        fallback: bool,
        breaker: Breaker,
    ) -> Self {
        Holds {
            redis,
            postgres,
            strategy,
            fallback,
            breaker: Arc::new(breaker),
        }
    }

    /// Where new holds go right now: "redis" or "postgres".
    pub(crate) fn live_path(&self) -> &'static str {
        if self.strategy == HoldStrategy::Postgres
            || (self.fallback && self.breaker.state() == State::Open)
        {
            "postgres"
        } else {
            "redis"
        }
    }

    /// Runs `op` on Redis unless the breaker keeps us off it; Ok(None) means "use Postgres".
    async fn via_redis<T>(
        &self,
        op: impl std::future::Future<Output = Result<T, fred::error::Error>>,
    ) -> Result<Option<T>> {
        if self.strategy == HoldStrategy::Postgres {
            return Ok(None);
        }
        if self.fallback && !self.breaker.allow(Instant::now()) {
            return Ok(None);
        }
        match op.await {
            Ok(value) => {
                self.breaker.on_success();
                Ok(Some(value))
            }
            Err(e) if self.fallback => {
                tracing::warn!(error = %e, "redis hold call failed; using postgres");
                self.breaker.on_failure(Instant::now());
                Ok(None)
            }
            Err(e) => Err(Error::redis(e)),
        }
    }

    /// On Redis the limit covers live holds only (the caller adds reserved seats using
    /// `held_before`); the Postgres path checks holds and reservations itself.
    pub(crate) async fn claim(
        &self,
        record: &HoldRecord,
        ttl_ms: u64,
        limit: u32,
    ) -> Result<(ClaimOutcome, Backend)> {
        let redis = timed(
            Store::Redis,
            "hold_claim",
            self.redis.claim(record, ttl_ms, limit),
        );
        if let Some(outcome) = self.via_redis(redis).await? {
            return Ok((outcome, Backend::Redis));
        }
        let postgres = timed(
            Store::Postgres,
            "hold_claim",
            self.postgres.claim(record, ttl_ms, limit),
        );
        Ok((postgres.await?, Backend::Postgres))
    }

    /// A general-admission hold of `record.quantity` units; Postgres says `remaining` are unsold.
    pub(crate) async fn claim_ga(
        &self,
        record: &HoldRecord,
        ttl_ms: u64,
        limit: u32,
        reserved: u32,
        remaining: u32,
    ) -> Result<(ClaimOutcome, Backend)> {
        if let Some(outcome) = self
            .via_redis(
                self.redis
                    .claim_ga(record, ttl_ms, limit, reserved, remaining),
            )
            .await?
        {
            return Ok((outcome, Backend::Redis));
        }
        Ok((
            self.postgres.claim_ga(record, ttl_ms, limit).await?,
            Backend::Postgres,
        ))
    }

    /// A live hold by id, from whichever store has it.
    pub(crate) async fn record(&self, hold_id: Uuid) -> Result<Option<HoldRecord>> {
        if let Some(Some(record)) = self.via_redis(self.redis.record(hold_id)).await? {
            return Ok(Some(record));
        }
        Ok(self.postgres.record(hold_id).await?)
    }

    pub(crate) async fn release(&self, record: &HoldRecord) -> Result<bool> {
        match record.backend {
            Backend::Redis => Ok(self.redis.release(record).await?),
            Backend::Postgres => Ok(self.postgres.release(record).await?),
        }
    }

    /// Takes back a Redis claim that Postgres refused; nothing is announced.
    pub(crate) async fn retract(&self, record: &HoldRecord) -> Result<bool> {
        match record.backend {
            Backend::Redis => Ok(self.redis.retract(record).await?),
            Backend::Postgres => Ok(self.postgres.release(record).await?),
        }
    }

    /// Ends a hold whose reservation is being committed in `tx`; false means it expired.
    pub(crate) async fn convert(&self, tx: &ReservationTx, record: &HoldRecord) -> Result<bool> {
        match record.backend {
            Backend::Redis => {
                Ok(timed(Store::Redis, "hold_convert", self.redis.convert(record)).await?)
            }
            Backend::Postgres => Ok(timed(
                Store::Postgres,
                "hold_convert",
                self.postgres.convert(&tx.txn, record),
            )
            .await?),
        }
    }

    pub(crate) async fn forget(&self, record: &HoldRecord) {
        if record.backend == Backend::Redis {
            self.redis.forget(record.hold_id).await;
        }
    }

    pub(crate) async fn extend(
        &self,
        record: &HoldRecord,
        extension_ms: u64,
    ) -> Result<ExtendOutcome> {
        match record.backend {
            Backend::Redis => Ok(self.redis.extend(record, extension_ms).await?),
            Backend::Postgres => Ok(self.postgres.extend(record, extension_ms).await?),
        }
    }

    /// Seats held in Redis right now. Postgres-path holds show up in the seat rows themselves.
    /// With Redis unreachable and the fallback on, this is empty rather than an error, so the
    /// seat map still renders.
    pub(crate) async fn redis_held_seats(&self, performance_id: Uuid) -> Result<HashSet<Uuid>> {
        Ok(self
            .via_redis(self.redis.held_seats(performance_id))
            .await?
            .unwrap_or_default())
    }

    /// Units of a general-admission product in live Redis holds (0 when Redis is unreachable
    /// and the fallback is on: the Postgres path's holds are counted from their rows).
    pub(crate) async fn redis_ga_held(
        &self,
        performance_id: Uuid,
        product_id: Uuid,
    ) -> Result<i64> {
        Ok(self
            .via_redis(self.redis.ga_held(performance_id, product_id))
            .await?
            .unwrap_or_default())
    }

    /// Releases every Redis hold on the performance's seats (it was cancelled); how many.
    /// Postgres-path holds cannot become reservations of a cancelled performance either and
    /// lapse at their expiry.
    pub(crate) async fn release_all(&self, performance_id: Uuid) -> Result<u64> {
        let Some(hold_ids) = self.via_redis(self.redis.holds_on(performance_id)).await? else {
            return Ok(0);
        };
        let mut released = 0;
        for hold_id in hold_ids {
            if let Some(Some(record)) = self.via_redis(self.redis.record(hold_id)).await?
                && self.redis.release(&record).await?
            {
                released += 1;
            }
        }
        Ok(released)
    }

    /// Seats back on sale (cancelled or expired reservation): clears their Redis markers so
    /// they can be held at once. Best effort; the markers lapse on their own.
    pub(crate) async fn seats_back_on_sale(&self, freed: &[ChangedSeat]) {
        let mut by_performance: std::collections::HashMap<Uuid, Vec<Uuid>> =
            std::collections::HashMap::new();
        for seat in freed {
            by_performance
                .entry(seat.performance_id)
                .or_default()
                .push(seat.id);
        }
        for (performance_id, seats) in by_performance {
            if let Err(e) = self.redis.clear_markers(performance_id, &seats).await {
                tracing::debug!(error = %e, "could not clear seat markers; they lapse on their own");
            }
        }
    }

    pub(crate) async fn reap_postgres(&self) -> Result<Vec<ChangedSeat>> {
        Ok(self.postgres.reap_expired().await?)
    }

    /// Announces and forgets the performance's Redis holds whose TTL ran out; how many.
    pub(crate) async fn reap_redis(&self, performance_id: Uuid) -> Result<u64> {
        Ok(self.redis.reap_expired(performance_id).await?)
    }
}
