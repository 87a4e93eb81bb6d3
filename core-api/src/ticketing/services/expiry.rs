//! Background clean-up, safe with any number of core-api instances running:
//! - unpaid reservations past their deadline expire and their seats go back on sale
//!   (`FOR UPDATE SKIP LOCKED`: instances never take the same rows; state lives in Postgres,
//!   so nothing is missed across restarts);
//! - Redis holds whose TTL ran out are announced on the seat stream (atomic reap script);
//! - Postgres-path holds past their expiry are ended;
//! - stored idempotent answers older than their TTL are deleted.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use holdfast_contract::clock::Clock;
use tokio::sync::watch;

use crate::ticketing::services::stream::Publisher;
use crate::{
    error::Result,
    ticketing::{
        domain::status::{ReservationStatus, SeatChangeReason, SeatStatus},
        storage::{
            catalog::CatalogRepo, holds::Holds, lifecycle::ChangedSeat,
            reservations::ReservationRepo,
        },
    },
};

const BATCH: u64 = 200;

#[derive(Clone)]
pub struct Sweeper {
    repo: ReservationRepo,
    catalog: CatalogRepo,
    holds: Holds,
    publisher: Publisher,
    clock: Arc<dyn Clock>,
}

impl Sweeper {
    pub(crate) fn new(
        (repo, catalog, holds): (ReservationRepo, CatalogRepo, Holds),
        publisher: Publisher,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Sweeper {
            repo,
            catalog,
            holds,
            publisher,
            clock,
        }
    }

    /// Expires due reservations in batches; returns how many expired.
    pub(crate) async fn expire_due(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut total = 0;
        loop {
            let tx = self.repo.begin().await?;
            let ids = tx.lock_due(now, BATCH).await?;
            if ids.is_empty() {
                tx.rollback().await?;
                return Ok(total);
            }
            let freed = tx.release(&ids, ReservationStatus::Expired).await?;
            tx.commit().await?;
            total += ids.len();
            metrics::counter!("reservations_expired_total").increment(ids.len() as u64);
            self.announce_freed(&freed).await;
            if (ids.len() as u64) < BATCH {
                return Ok(total);
            }
        }
    }

    async fn announce_freed(&self, freed: &[ChangedSeat]) {
        self.holds.seats_back_on_sale(freed).await;
        self.publisher
            .seats(freed, SeatStatus::Available, SeatChangeReason::Expired)
            .await;
    }

    /// Reservations by state and seats left per performance on sale, for the dashboards.
    async fn refresh_gauges(&self) -> Result<()> {
        for (state, n) in self.repo.count_by_status().await? {
            metrics::gauge!("reservations", "state" => state.as_str()).set(n as f64);
        }
        for (performance_id, n) in self.catalog.available_on_sale().await? {
            metrics::gauge!("seats_available", "performance_id" => performance_id.to_string())
                .set(n as f64);
        }
        Ok(())
    }

    pub(crate) async fn reap_holds(&self, now: DateTime<Utc>) -> Result<()> {
        let freed = self.holds.reap_postgres().await?;
        metrics::counter!("holds_expired_total").increment(freed.len() as u64);
        self.publisher
            .seats(&freed, SeatStatus::Available, SeatChangeReason::Expired)
            .await;
        for performance_id in self.catalog.selling_performance_ids(now).await? {
            match self.holds.reap_redis(performance_id).await {
                Ok(reaped) => metrics::counter!("holds_expired_total").increment(reaped),
                Err(e) => {
                    tracing::debug!(error = %e, "could not reap redis holds this round");
                    break;
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn run_once(&self, now: DateTime<Utc>) -> Result<()> {
        self.expire_due(now).await?;
        self.reap_holds(now).await?;
        self.refresh_gauges().await?;
        let tx = self.repo.begin().await?;
        tx.delete_expired_idempotency_keys(now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs every `interval` until `stop` says so. Errors (a dependency down) are logged and
    /// the next round tries again.
    pub(crate) fn spawn(
        self: Arc<Self>,
        interval: Duration,
        mut stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            tokio::pin!(stopped);
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticker.tick() => {
                        if let Err(e) = self.run_once(self.clock.now()).await {
                            tracing::warn!(error = %e, "sweep failed; retrying next round");
                        }
                    }
                    _ = &mut stopped => break,
                }
            }
        })
    }
}
