//! The read replica: its connection pool, whether reads may use it right now, and the task
//! that measures its lag behind the primary (and exports it) every `DATABASE_READ_LAG_CHECK_MS`.
//!
//! Reads use the replica only while the latest measurement, taken moments ago, found it
//! reachable, in recovery (a standby, not a promoted server) and no further behind than
//! `DATABASE_READ_MAX_LAG_MS`. Anything else (down, lagging, the lag unknown because the
//! primary did not answer, no measurement for three checks) sends reads to the primary.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sea_orm::{DatabaseConnection, DbErr, FromQueryResult};
use tokio::sync::watch;

use super::{db, sql};
use crate::config::ReadReplicaConfig;

/// What the latest measurement says about the replica (`/readyz` reports it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplicaStatus {
    /// Not measured yet: reads go to the primary.
    Starting,
    /// Reads go to it.
    Up,
    /// Reachable but further behind than the bound: reads go to the primary.
    Lagging,
    /// Reachable, but its lag cannot be measured (the primary did not answer).
    LagUnknown,
    /// Not in recovery: not a standby (promoted, or pointed at a primary by mistake).
    NotAStandby,
    /// Unreachable, or a read on it just failed.
    Down,
}

impl ReplicaStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ReplicaStatus::Starting => "starting",
            ReplicaStatus::Up => "up",
            ReplicaStatus::Lagging => "lagging",
            ReplicaStatus::LagUnknown => "lagUnknown",
            ReplicaStatus::NotAStandby => "notAStandby",
            ReplicaStatus::Down => "down",
        }
    }
}

struct State {
    status: ReplicaStatus,
    /// Reads may use the replica until then (three checks after a good measurement).
    usable_until: Option<Instant>,
}

/// The replica's pool and whether reads may use it.
pub(crate) struct Replica {
    pub(super) conn: DatabaseConnection,
    /// Bound on one read on the replica before it is retried on the primary.
    pub(super) timeout: Duration,
    max_lag: Duration,
    state: Mutex<State>,
}

impl Replica {
    /// A lazy pool (the replica may be down at start: reads then go to the primary).
    pub(crate) async fn connect(
        config: &ReadReplicaConfig,
        max_connections: u32,
        timeout: Duration,
    ) -> Result<Arc<Self>, DbErr> {
        Ok(Arc::new(Replica {
            conn: db::connect(&config.url, max_connections, timeout).await?,
            timeout,
            max_lag: Duration::from_millis(config.max_lag_ms),
            state: Mutex::new(State {
                status: ReplicaStatus::Starting,
                usable_until: None,
            }),
        }))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn status(&self) -> ReplicaStatus {
        self.state().status
    }

    /// Whether a read may go to the replica now.
    pub(super) fn usable(&self) -> bool {
        self.state()
            .usable_until
            .is_some_and(|until| Instant::now() < until)
    }

    /// A read found the replica gone: reads go to the primary until a measurement finds it
    /// back.
    pub(super) fn mark_down(&self) {
        let was = {
            let mut state = self.state();
            state.usable_until = None;
            std::mem::replace(&mut state.status, ReplicaStatus::Down)
        };
        if was != ReplicaStatus::Down {
            tracing::warn!("read replica went away mid-read; reads go to the primary");
            record_status(ReplicaStatus::Down);
        }
    }

    fn observe(&self, status: ReplicaStatus, valid_for: Duration) {
        let was = {
            let mut state = self.state();
            state.usable_until = (status == ReplicaStatus::Up).then(|| Instant::now() + valid_for);
            std::mem::replace(&mut state.status, status)
        };
        if was != status {
            if status == ReplicaStatus::Up {
                tracing::info!("read replica in use for catalog reads");
            } else {
                tracing::warn!(
                    status = status.as_str(),
                    "read replica not in use; reads go to the primary"
                );
            }
        }
        record_status(status);
    }
}

fn record_status(status: ReplicaStatus) {
    let up = !matches!(status, ReplicaStatus::Down | ReplicaStatus::NotAStandby);
    metrics::gauge!("db_replica_up").set(f64::from(u8::from(up)));
    metrics::gauge!("db_replica_in_use").set(f64::from(u8::from(status == ReplicaStatus::Up)));
}

/// What the replica said in one measurement.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct ReplicaSample {
    pub(crate) in_recovery: bool,
    /// WAL replayed so far, in bytes from the start.
    pub(crate) replay_lsn: Option<i64>,
    /// How long ago the last replayed transaction committed on the primary.
    pub(crate) replay_age_ms: Option<f64>,
}

/// How far behind the primary the replica is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lag {
    pub(crate) bytes: u64,
    pub(crate) behind: Duration,
}

/// Turns LSNs and replay times into a lag, remembering when the replica was last caught up.
///
/// Either of two upper bounds gives the time lag, and the smaller one is used:
/// - the age of the last replayed commit (`now() - pg_last_xact_replay_timestamp()`): exact
///   under a steady stream of writes, but after a quiet hour it is an hour old while the
///   replica may be missing only the one write made a moment ago;
/// - the time since a measurement last found the replica caught up (replayed at least the
///   primary's position sampled just before): everything committed before that instant is on
///   the replica, so it is at most that far behind, to within one check.
///
/// With nothing to replay the lag is zero however old the last replayed commit is (the idle
/// case).
#[derive(Default)]
pub(crate) struct LagTracker {
    caught_up_at: Option<Instant>,
}

impl LagTracker {
    /// `primary_lsn` was read at `primary_at`, just before the replica was asked; `None`
    /// when the lag cannot be known.
    pub(crate) fn measure(
        &mut self,
        primary_lsn: Option<i64>,
        primary_at: Instant,
        replica: &ReplicaSample,
        now: Instant,
    ) -> Option<Lag> {
        let (primary, replayed) = (primary_lsn?, replica.replay_lsn?);
        if replayed >= primary {
            self.caught_up_at = Some(primary_at);
            return Some(Lag {
                bytes: 0,
                behind: Duration::ZERO,
            });
        }
        let by_commit = replica
            .replay_age_ms
            .map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0));
        let by_catch_up = self.caught_up_at.map(|t| now.saturating_duration_since(t));
        let behind = match (by_commit, by_catch_up) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(Lag {
            bytes: u64::try_from(primary - replayed).unwrap_or(0),
            behind,
        })
    }
}

#[derive(FromQueryResult)]
struct PrimaryLsn {
    lsn: i64,
}

/// Measures the replica's lag every check and decides whether reads may use it. Its own
/// one-connection pools, so a busy request pool never delays or fails a measurement.
#[derive(Clone)]
pub(crate) struct LagMonitor {
    replica: Arc<Replica>,
    primary: DatabaseConnection,
    probe: DatabaseConnection,
    every: Duration,
}

impl LagMonitor {
    pub(crate) async fn connect(
        replica: Arc<Replica>,
        primary_url: &str,
        config: &ReadReplicaConfig,
        timeout: Duration,
    ) -> Result<Self, DbErr> {
        Ok(LagMonitor {
            replica,
            primary: db::connect(primary_url, 1, timeout).await?,
            probe: db::connect(&config.url, 1, timeout).await?,
            every: Duration::from_millis(config.lag_check_ms),
        })
    }

    /// Measures until `stop` turns true.
    pub(crate) fn spawn(self, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tracker = LagTracker::default();
            let mut tick = tokio::time::interval(self.every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                self.check(&mut tracker).await;
            }
        })
    }

    async fn check(&self, tracker: &mut LagTracker) {
        let limit = self.replica.timeout;
        let primary_at = Instant::now();
        let primary = tokio::time::timeout(
            limit,
            PrimaryLsn::find_by_statement(sql(
                "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS lsn",
                [],
            ))
            .one(&self.primary),
        )
        .await;
        let primary_lsn = match primary {
            Ok(Ok(Some(row))) => Some(row.lsn),
            _ => None,
        };
        let replica = tokio::time::timeout(
            limit,
            ReplicaSample::find_by_statement(sql(
                "SELECT pg_is_in_recovery() AS in_recovery, \
                 (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replay_lsn, \
                 (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS replay_age_ms",
                [],
            ))
            .one(&self.probe),
        )
        .await;
        let Ok(Ok(Some(sample))) = replica else {
            record_lag(None);
            self.replica.observe(ReplicaStatus::Down, Duration::ZERO);
            return;
        };
        if !sample.in_recovery {
            record_lag(None);
            self.replica
                .observe(ReplicaStatus::NotAStandby, Duration::ZERO);
            return;
        }
        let lag = tracker.measure(primary_lsn, primary_at, &sample, Instant::now());
        record_lag(lag);
        let status = match lag {
            None => ReplicaStatus::LagUnknown,
            Some(lag) if lag.behind > self.replica.max_lag => ReplicaStatus::Lagging,
            Some(_) => ReplicaStatus::Up,
        };
        // A measurement stays good for three checks: a stalled monitor stops the reads.
        self.replica.observe(status, self.every * 3);
    }
}

/// `db_replica_lag_seconds` and `db_replica_lag_bytes`; NaN while the lag is unknown.
fn record_lag(lag: Option<Lag>) {
    let (seconds, bytes) = lag.map_or((f64::NAN, f64::NAN), |lag| {
        (lag.behind.as_secs_f64(), lag.bytes as f64)
    });
    metrics::gauge!("db_replica_lag_seconds").set(seconds);
    metrics::gauge!("db_replica_lag_bytes").set(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(replay_lsn: i64, replay_age_ms: Option<f64>) -> ReplicaSample {
        ReplicaSample {
            in_recovery: true,
            replay_lsn: Some(replay_lsn),
            replay_age_ms,
        }
    }

    #[test]
    fn a_caught_up_replica_has_no_lag_however_old_its_last_replayed_commit() {
        let mut tracker = LagTracker::default();
        let now = Instant::now();
        let idle_for_an_hour = replica(500, Some(3_600_000.0));
        let lag = tracker.measure(Some(500), now, &idle_for_an_hour, now);
        assert_eq!(
            lag,
            Some(Lag {
                bytes: 0,
                behind: Duration::ZERO
            })
        );
    }

    #[test]
    fn after_a_quiet_spell_the_lag_counts_from_the_last_catch_up_not_the_last_commit() {
        let mut tracker = LagTracker::default();
        let start = Instant::now();
        tracker.measure(Some(500), start, &replica(500, Some(3_600_000.0)), start);
        // One write on the primary that the replica has not replayed yet.
        let later = start + Duration::from_secs(2);
        let lag = tracker
            .measure(Some(900), later, &replica(500, Some(3_602_000.0)), later)
            .expect("known");
        assert_eq!(lag.bytes, 400);
        assert_eq!(lag.behind, Duration::from_secs(2));
    }

    #[test]
    fn under_steady_writes_the_age_of_the_last_replayed_commit_bounds_the_lag() {
        let mut tracker = LagTracker::default();
        let start = Instant::now();
        tracker.measure(Some(500), start, &replica(500, None), start);
        // Never caught up again for a minute, but replaying commits 300 ms old.
        let later = start + Duration::from_secs(60);
        let lag = tracker
            .measure(Some(90_000), later, &replica(89_000, Some(300.0)), later)
            .expect("known");
        assert_eq!(lag.behind, Duration::from_millis(300));
    }

    #[test]
    fn without_the_primary_or_any_bound_the_lag_is_unknown() {
        let mut tracker = LagTracker::default();
        let now = Instant::now();
        assert_eq!(
            tracker.measure(None, now, &replica(500, Some(1.0)), now),
            None
        );
        // Behind, never seen caught up, no replayed commit yet.
        assert_eq!(
            tracker.measure(Some(900), now, &replica(500, None), now),
            None
        );
    }
}
