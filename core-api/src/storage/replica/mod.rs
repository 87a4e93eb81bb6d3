//! The read replica: its connection pool, whether reads may use it right now, and the task
//! that measures its lag behind the primary (and exports it) every `DATABASE_READ_LAG_CHECK_MS`.
//!
//! Reads use the replica only while the latest measurement, taken moments ago, found it
//! reachable, in recovery (a standby, not a promoted server) and no further behind than
//! `DATABASE_READ_MAX_LAG_MS`. Anything else (down, lagging, the lag unknown because the
//! primary did not answer, no measurement for three checks) sends reads to the primary.

mod lag;
mod monitor;

pub(crate) use monitor::LagMonitor;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sea_orm::{DatabaseConnection, DbErr};

use super::db;
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
