//! The connections both contexts use: the Postgres pool and its error classification, the Redis
//! pool with its key prefix, the circuit breaker, and the one error every store reports. Each context keeps its own stores in its
//! `storage/` folder.

pub(crate) mod breaker;
pub mod db;
pub(crate) mod error;
pub(crate) mod redis;

pub(crate) use error::{StoreError, StoreResult};

use sea_orm::{DbBackend, Statement, Value};

/// Both connections, for the readiness check.
#[derive(Clone)]
pub(crate) struct Connections {
    db: sea_orm::DatabaseConnection,
    redis: redis::Redis,
}

impl Connections {
    pub(crate) fn new(db: sea_orm::DatabaseConnection, redis: redis::Redis) -> Self {
        Connections { db, redis }
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
