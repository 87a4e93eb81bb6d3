//! Waiting-room settings (admin), and keeping Redis's copy of them and of the sold-out flag
//! in step with Postgres: on every change, after every commit, and by a periodic sync that
//! also catches seats coming back (expiry, cancellation) and a Redis that lost its data.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use uuid::Uuid;

use crate::ticketing::services::rules::RulesCache;
use crate::{
    error::{Error, Result},
    ticketing::storage::{
        queue_mirror::QueueMirror,
        queue_settings::{QueueRepo, QueueSettingsRow},
    },
};

/// Least time between two starts of one performance's sold-out check after commits. The
/// gateway reads the flag once per admission tick (a second by default), so this delays
/// nothing a waiting user sees.
const SOLD_OUT_REFRESH_SPACING: Duration = Duration::from_millis(100);

/// Sync rounds between two passes marking every performance known to the gateway (five
/// minutes at the 2 s sync interval).
const MARK_KNOWN_EVERY_ROUNDS: u32 = 150;

/// A performance's waiting-room settings to apply; absent numbers stay as they are.
#[derive(Clone, Copy, Debug, Default)]
pub struct QueueChange {
    pub enabled: bool,
    pub admit_per_minute: Option<i32>,
    pub max_active: Option<i32>,
    pub max_queue_length: Option<i32>,
    pub prequeue_minutes: Option<i32>,
    pub abandon_after_polls: Option<i32>,
    pub pass_unused_seconds: Option<i32>,
    pub pow_bits: Option<i32>,
    pub bind_passes: Option<bool>,
}

/// A performance's waiting-room settings and whether it is sold out.
#[derive(Clone, Copy, Debug)]
pub struct QueueSettings {
    pub performance_id: Uuid,
    pub enabled: bool,
    pub admit_per_minute: i32,
    pub max_active: i32,
    pub max_queue_length: i32,
    pub prequeue_minutes: i32,
    pub abandon_after_polls: i32,
    pub pass_unused_seconds: i32,
    pub pow_bits: i32,
    pub bind_passes: bool,
    pub sold_out: bool,
}

impl From<QueueSettingsRow> for QueueSettings {
    fn from(r: QueueSettingsRow) -> Self {
        QueueSettings {
            performance_id: r.id,
            enabled: r.queue_enabled,
            admit_per_minute: r.queue_admit_per_minute,
            max_active: r.queue_max_active,
            max_queue_length: r.queue_max_length,
            prequeue_minutes: r.queue_prequeue_minutes,
            abandon_after_polls: r.queue_abandon_after_polls,
            pass_unused_seconds: r.queue_pass_unused_seconds,
            pow_bits: r.queue_pow_bits,
            bind_passes: r.queue_bind_passes,
            sold_out: r.sold_out,
        }
    }
}

#[derive(Clone)]
pub struct QueueService {
    repo: QueueRepo,
    mirror: QueueMirror,
    rules: RulesCache,
    /// Performances whose sold-out refresh is running, and whether a commit since asked for
    /// another run.
    refreshing: Arc<Mutex<HashMap<Uuid, bool>>>,
}

fn in_range(field: &str, value: i32, min: i32, max: i32) -> Result<i32> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::validation(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

/// The waiting-room settings as an audit entry records them.
fn queue_audit(row: &QueueSettingsRow) -> serde_json::Value {
    serde_json::json!({
        "enabled": row.queue_enabled,
        "admitPerMinute": row.queue_admit_per_minute,
        "maxActive": row.queue_max_active,
        "maxQueueLength": row.queue_max_length,
        "prequeueMinutes": row.queue_prequeue_minutes,
        "abandonAfterPolls": row.queue_abandon_after_polls,
        "passUnusedSeconds": row.queue_pass_unused_seconds,
        "powBits": row.queue_pow_bits,
        "bindPasses": row.queue_bind_passes,
    })
}

impl QueueService {
    pub(crate) fn new(repo: QueueRepo, mirror: QueueMirror, rules: RulesCache) -> Self {
        QueueService {
            repo,
            mirror,
            rules,
            refreshing: Arc::default(),
        }
    }

    pub async fn set(&self, performance_id: Uuid, req: QueueChange) -> Result<QueueSettings> {
        self.set_by(None, performance_id, req).await
    }

    /// As [`Self::set`]; with an actor, audited in the same transaction.
    pub(crate) async fn set_by(
        &self,
        actor: Option<Uuid>,
        performance_id: Uuid,
        req: QueueChange,
    ) -> Result<QueueSettings> {
        let current = self
            .repo
            .settings(performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        let change = |field, value: Option<i32>, now: i32, min, max| {
            in_range(field, value.unwrap_or(now), min, max)
        };
        let c = &current;
        let next = QueueSettingsRow {
            queue_enabled: req.enabled,
            queue_admit_per_minute: change(
                "admitPerMinute",
                req.admit_per_minute,
                c.queue_admit_per_minute,
                1,
                1_000_000,
            )?,
            queue_max_active: change(
                "maxActive",
                req.max_active,
                c.queue_max_active,
                1,
                1_000_000,
            )?,
            queue_max_length: change(
                "maxQueueLength",
                req.max_queue_length,
                c.queue_max_length,
                1,
                10_000_000,
            )?,
            queue_prequeue_minutes: change(
                "prequeueMinutes",
                req.prequeue_minutes,
                c.queue_prequeue_minutes,
                0,
                1_440,
            )?,
            queue_abandon_after_polls: change(
                "abandonAfterPolls",
                req.abandon_after_polls,
                c.queue_abandon_after_polls,
                1,
                1_000,
            )?,
            queue_pass_unused_seconds: change(
                "passUnusedSeconds",
                req.pass_unused_seconds,
                c.queue_pass_unused_seconds,
                10,
                86_400,
            )?,
            queue_pow_bits: change("powBits", req.pow_bits, c.queue_pow_bits, 0, 24)?,
            queue_bind_passes: req.bind_passes.unwrap_or(c.queue_bind_passes),
            ..current
        };
        let entry = actor.map(|actor_id| crate::shared::storage::audit::Entry {
            actor_id,
            action: "performance.queue",
            entity_type: "performance",
            entity_id: performance_id,
            before: Some(queue_audit(&current)),
            after: Some(queue_audit(&next)),
        });
        self.repo.set(&next, entry).await?;
        self.rules.forget(performance_id);
        let row = self
            .repo
            .settings(performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        self.mirror.publish(&row).await?;
        Ok(row.into())
    }

    /// Mirrors one performance's settings into Redis now (a performance created with its
    /// waiting room on must not let anyone through before the periodic sync). Best effort:
    /// the sync repairs a missed update within seconds.
    pub(crate) async fn publish(&self, performance_id: Uuid) {
        let result = async {
            if let Some(row) = self.repo.settings(performance_id).await? {
                self.mirror.publish(&row).await?;
            }
            anyhow::Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(performance = %performance_id, error = %e, "could not mirror the waiting-room settings");
        }
    }

    /// Tells the gateway a new performance exists (see `QueueMirror::mark_known`) before the
    /// performance is announced. Best effort: every core-api marks all performances when it
    /// starts.
    pub(crate) async fn mark_known(&self, performance_id: Uuid) {
        if let Err(e) = self.mirror.mark_known(&[performance_id]).await {
            tracing::warn!(performance = %performance_id, error = %e, "could not mark the performance known in Redis");
        }
    }

    /// Marks every performance in Postgres as known to the gateway.
    pub(crate) async fn mark_all_known(&self) -> anyhow::Result<()> {
        let ids = self.repo.all_ids().await?;
        self.mirror.mark_known(&ids).await?;
        Ok(())
    }

    /// After a commit: flag the performance sold out in Redis when nothing is AVAILABLE, so
    /// the waiting room stops admitting and tells waiting users at once. Runs in the
    /// background, off the buyer's response, and coalesced per performance: while a refresh
    /// runs, later commits ask for one more run after it (which sees them all), not one each,
    /// and runs start at least `SOLD_OUT_REFRESH_SPACING` apart: under a sale's stream of
    /// commits that is ten checks a second per performance, not one per round trip.
    /// Best effort: the periodic sync repairs a missed update. Performances without a waiting
    /// room skip the check.
    pub(crate) fn after_commit(&self, performance_id: Uuid) {
        {
            let mut refreshing = self.refreshing();
            if let Some(again) = refreshing.get_mut(&performance_id) {
                *again = true;
                return;
            }
            refreshing.insert(performance_id, false);
        }
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let started = tokio::time::Instant::now();
                this.refresh_sold_out(performance_id).await;
                {
                    let mut refreshing = this.refreshing();
                    match refreshing.get_mut(&performance_id) {
                        Some(again) if *again => *again = false,
                        _ => {
                            refreshing.remove(&performance_id);
                            break;
                        }
                    }
                }
                // Commits arriving meanwhile set `again` and are seen by the next run.
                tokio::time::sleep_until(started + SOLD_OUT_REFRESH_SPACING).await;
            }
        });
    }

    fn refreshing(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, bool>> {
        self.refreshing.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn refresh_sold_out(&self, performance_id: Uuid) {
        let result = async {
            let queued = self.rules.get(performance_id).await?;
            if !queued.is_some_and(|r| r.queue_enabled) {
                return Ok(());
            }
            if let Some(row) = self.repo.settings(performance_id).await? {
                self.mirror
                    .set_sold_out(performance_id, row.sold_out)
                    .await?;
            }
            anyhow::Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(performance = %performance_id, error = %e, "could not refresh the sold-out flag");
        }
    }

    /// Mirrors every queued performance once, with its seats left and seats per buyer.
    pub(crate) async fn sync(&self) -> anyhow::Result<()> {
        let rows = self.repo.queued().await?;
        for row in &rows {
            self.mirror.publish(row).await?;
            if let Some((left, per_buyer)) = self.repo.supply(row.id).await? {
                self.mirror.publish_supply(row.id, left, per_buyer).await?;
            }
        }
        self.mirror
            .retain(&rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .await?;
        Ok(())
    }

    /// Syncs every `every` until the task is dropped. The first round (start-up) and then
    /// every `MARK_KNOWN_EVERY_ROUNDS` rounds also mark every performance known, which repairs
    /// a marker missed while Redis was down or lost with Redis's data.
    pub(crate) async fn run_sync(self, every: Duration) {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rounds_until_mark = 0u32;
        loop {
            timer.tick().await;
            if rounds_until_mark == 0 {
                match self.mark_all_known().await {
                    Ok(()) => rounds_until_mark = MARK_KNOWN_EVERY_ROUNDS,
                    Err(e) => {
                        tracing::debug!(error = %e, "marking performances known failed; retrying next round");
                    }
                }
            } else {
                rounds_until_mark -= 1;
            }
            if let Err(e) = self.sync().await {
                tracing::debug!(error = %e, "queue sync failed; retrying next round");
            }
        }
    }
}
