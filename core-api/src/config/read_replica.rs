//! A PostgreSQL read replica for catalog and seat-layout reads (DATABASE_READ_* variables):
//! off unless `DATABASE_READ_URL` is set.

use holdfast_contract::env::{ConfigError, Env, ensure};

/// Where catalog reads may go instead of the primary, and how far behind it may be.
#[derive(Clone)]
pub(crate) struct ReadReplicaConfig {
    /// A hot standby of the server in DATABASE_URL (DATABASE_READ_URL).
    pub(crate) url: String,
    /// Past this much replication lag, reads go to the primary (DATABASE_READ_MAX_LAG_MS).
    pub(crate) max_lag_ms: u64,
    /// How often the lag is measured (DATABASE_READ_LAG_CHECK_MS).
    pub(crate) lag_check_ms: u64,
}

impl std::fmt::Debug for ReadReplicaConfig {
    // The URL may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadReplicaConfig")
            .field("max_lag_ms", &self.max_lag_ms)
            .field("lag_check_ms", &self.lag_check_ms)
            .finish_non_exhaustive()
    }
}

impl ReadReplicaConfig {
    pub(super) fn from_env(env: &Env) -> Result<Option<Self>, ConfigError> {
        // Read (and so checked) even without a replica, so a typo never waits for one.
        let max_lag_ms = env.parse("DATABASE_READ_MAX_LAG_MS", "5000")?;
        let lag_check_ms = env.parse("DATABASE_READ_LAG_CHECK_MS", "1000")?;
        let Some(url) = env.optional("DATABASE_READ_URL") else {
            return Ok(None);
        };
        Ok(Some(ReadReplicaConfig {
            url,
            max_lag_ms,
            lag_check_ms,
        }))
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        ensure(
            self.url.starts_with("postgres://") || self.url.starts_with("postgresql://"),
            "DATABASE_READ_URL",
            "must be a postgres:// URL",
        )?;
        ensure(
            (50..=60_000).contains(&self.lag_check_ms),
            "DATABASE_READ_LAG_CHECK_MS",
            "must be 50 to 60000",
        )?;
        // The lag is known only to within one check, so a smaller bound would flap.
        ensure(
            self.max_lag_ms >= self.lag_check_ms,
            "DATABASE_READ_MAX_LAG_MS",
            "must be at least DATABASE_READ_LAG_CHECK_MS",
        )
    }
}
