//! The task that measures the replica's lag every `DATABASE_READ_LAG_CHECK_MS`, exports it
//! and decides whether reads may use the replica.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use sea_orm::{DatabaseConnection, DbErr, FromQueryResult};
use tokio::sync::watch;

use super::{
    Replica, ReplicaStatus,
    lag::{Lag, LagTracker, ReplicaSample},
};
use crate::{
    config::ReadReplicaConfig,
    storage::{db, sql},
};

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
