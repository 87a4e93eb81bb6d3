//! The connections both contexts use: the Postgres pool and its error classification, the
//! read replica and the reads it may serve, the Redis pool with its key prefix, the circuit
//! breaker, and the one error every store reports. Each context keeps its own stores in its
//! `storage/` folder.

pub(crate) mod breaker;
pub mod db;
pub(crate) mod error;
pub(crate) mod reads;
pub(crate) mod redis;
pub(crate) mod replica;

pub(crate) use error::{StoreError, StoreResult};

use std::sync::Arc;

use sea_orm::{DbBackend, Statement, Value};

/// The connections, for the readiness check (and the replica's lag monitor, started with the
/// server).
#[derive(Clone)]
pub(crate) struct Connections {
    db: sea_orm::DatabaseConnection,
    redis: redis::Redis,
    replica: Option<(Arc<replica::Replica>, replica::LagMonitor)>,
}

impl Connections {
    pub(crate) fn new(
        db: sea_orm::DatabaseConnection,
        redis: redis::Redis,
        replica: Option<(Arc<replica::Replica>, replica::LagMonitor)>,
    ) -> Self {
        Connections { db, redis, replica }
    }

    /// What the latest lag measurement says, when a replica is configured.
    pub(crate) fn replica_status(&self) -> Option<replica::ReplicaStatus> {
        self.replica.as_ref().map(|(r, _)| r.status())
    }

    pub(crate) fn lag_monitor(&self) -> Option<replica::LagMonitor> {
        self.replica.as_ref().map(|(_, m)| m.clone())
    }

    pub(crate) async fn ping_postgres(&self) -> StoreResult<()> {
        Ok(db::ping(&self.db).await?)
    }

    pub(crate) async fn ping_redis(&self) -> StoreResult<()> {
        Ok(self.redis.ping().await?)
    }
}

/// A plain SQL statement for Postgres with its bound values.
pub(crate) fn sql(query: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, query, values)
}

/// The `n` of a one-row count query (`SELECT count(*) AS n …`); 0 without a row.
pub(crate) async fn count(
    c: &impl sea_orm::ConnectionTrait,
    query: &str,
    values: impl IntoIterator<Item = Value>,
) -> StoreResult<i64> {
    Ok(c.query_one_raw(sql(query, values))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}
