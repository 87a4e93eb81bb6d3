//! The admission ticker: every tick, refresh which performances have a waiting room and run
//! one admission tick for each (and, at a sale's open, draw the pre-queue's order). Every gateway runs it; the per-performance lease in Redis
//! makes exactly one of them admit at a time.

use std::{sync::Arc, time::Duration};

use tokio::sync::watch;
use uuid::Uuid;

use super::queue::{Queue, Tick};
use holdfast_contract::clock::Clock;

use crate::metrics::Metrics;

pub struct Ticker {
    pub queue: Arc<Queue>,
    pub clock: Arc<dyn Clock>,
    pub instance: String,
    pub lease_ms: u64,
    pub metrics: Arc<Metrics>,
}

impl Ticker {
    /// One round over every queued performance, at the clock's current time.
    pub async fn tick_all(&self) -> Vec<(Uuid, Tick)> {
        if let Err(e) = self.queue.refresh_directory().await {
            self.metrics.set_redis_up(false);
            tracing::warn!(error = %e, "queue directory refresh failed; keeping the last one");
            return Vec::new();
        }
        self.metrics.set_redis_up(true);
        let mut ticks = Vec::new();
        for perf in self.queue.queued_performances() {
            match self
                .queue
                .tick(perf, self.clock.now_ms(), &self.instance, self.lease_ms)
                .await
            {
                Ok(tick) => {
                    let label = perf.to_string();
                    let label = [label.as_str()];
                    if tick.needs_ordering && tick.admitted.is_some() {
                        self.order(perf).await;
                    }
                    if tick.dropped > 0 {
                        self.metrics
                            .queue_abandoned
                            .with_label_values(&label)
                            .inc_by(tick.dropped as u64);
                    }
                    if let Some(n) = tick.admitted.filter(|n| *n > 0) {
                        self.metrics
                            .queue_admitted
                            .with_label_values(&label)
                            .inc_by(n as u64);
                    }
                    self.metrics
                        .queue_depth
                        .with_label_values(&label)
                        .set(tick.waiting);
                    self.metrics
                        .queue_active_passes
                        .with_label_values(&label)
                        .set(tick.active);
                    ticks.push((perf, tick));
                }
                Err(e) => tracing::warn!(performance = %perf, error = %e, "queue tick failed"),
            }
        }
        ticks
    }

    /// The leader draws the sealed pre-queue's order; admission starts on a later tick.
    async fn order(&self, perf: Uuid) {
        let polls = self
            .queue
            .settings(perf)
            .map_or(4, |s| s.abandon_after_polls);
        match self
            .queue
            .order_prequeue(perf, self.clock.now_ms(), polls)
            .await
        {
            Ok(n) => {
                tracing::info!(performance = %perf, places = n, "pre-queue ordered by its seed")
            }
            Err(e) => {
                tracing::warn!(performance = %perf, error = %e, "ordering the pre-queue failed; retrying next tick")
            }
        }
    }

    /// Ticks every `interval` until `stop` turns true.
    pub async fn run(self: Arc<Self>, interval: Duration, mut stop: watch::Receiver<bool>) {
        let mut timer = tokio::time::interval(interval);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = timer.tick() => { self.tick_all().await; }
                _ = crate::stopped(&mut stop) => return,
            }
        }
    }
}
