//! The rules a read configuration must meet, checked before anything starts; the first rule
//! it breaks refuses the start and names its variable.

use holdfast_contract::env::{ConfigError, ensure};

use super::Config;

impl Config {
    /// Every rule a read configuration must meet; the first it breaks names its variable.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        ensure(
            (0.0..=1.0).contains(&self.confirm_failure_rate),
            "CONFIRM_FAILURE_RATE",
            "must be between 0 and 1",
        )?;
        ensure(
            self.hold_ttl_ms >= 1_000,
            "CORE_HOLD_TTL_MS",
            "must be at least 1000",
        )?;
        ensure(
            self.hold_extension_ms <= self.hold_ttl_ms,
            "CORE_HOLD_EXTENSION_MS",
            "must not exceed CORE_HOLD_TTL_MS",
        )?;
        ensure(
            self.commit_batch_max <= 32,
            "CORE_COMMIT_BATCH_MAX",
            "must be at most 32 (each item is a subtransaction)",
        )?;
        ensure(
            (1..=64).contains(&self.commit_workers),
            "CORE_COMMIT_WORKERS",
            "must be between 1 and 64",
        )?;
        ensure(
            (1..=5_000).contains(&self.cancel_batch_size),
            "CORE_CANCEL_BATCH_SIZE",
            "must be between 1 and 5000",
        )?;
        ensure(
            self.job_lease_ms >= 1_000,
            "CORE_JOB_LEASE_MS",
            "must be at least 1000",
        )?;
        ensure(
            self.reservation_ttl_ms >= 1_000,
            "CORE_RESERVATION_TTL_MS",
            "must be at least 1000",
        )?;
        ensure(
            self.db_max_connections >= 1,
            "CORE_DB_MAX_CONNECTIONS",
            "must be at least 1",
        )?;
        ensure(
            self.dependency_timeout_ms >= 50,
            "CORE_DEPENDENCY_TIMEOUT_MS",
            "must be at least 50",
        )?;
        ensure(
            self.access_token_ttl_secs >= 10,
            "CORE_ACCESS_TOKEN_TTL_SECS",
            "must be at least 10",
        )?;
        self.notify.validate()?;
        if let Some(google) = &self.google {
            google.validate()?;
        }
        if let Some(replica) = &self.read_replica {
            replica.validate()?;
        }
        ensure(
            (1..=256).contains(&self.password_hash_concurrency),
            "CORE_PASSWORD_HASH_CONCURRENCY",
            "must be 1 to 256",
        )?;
        self.auth.validate()?;
        ensure(
            self.stream_heartbeat_ms >= 100,
            "CORE_STREAM_HEARTBEAT_MS",
            "must be at least 100",
        )?;
        ensure(
            self.stream_max_per_client >= 1,
            "CORE_STREAM_MAX_PER_CLIENT",
            "must be at least 1",
        )?;
        ensure(
            self.stream_max_per_performance >= 1,
            "CORE_STREAM_MAX_PER_PERFORMANCE",
            "must be at least 1",
        )?;
        ensure(
            self.stream_max_connections >= 1,
            "CORE_STREAM_MAX_CONNECTIONS",
            "must be at least 1",
        )?;
        ensure(
            self.max_body_bytes >= 1024,
            "CORE_MAX_BODY_BYTES",
            "must be at least 1024",
        )
    }
}
