//! Sign-in limits: login throttling per account, the bound on queued password hashes, and how
//! long an instance trusts its cached copy of an account.

use holdfast_contract::env::{ConfigError, Env, ensure};

/// Login throttling per account, the bound on queued password hashes, and how long an
/// instance trusts its cached copy of an account (CORE_LOGIN_*, CORE_PASSWORD_HASH_*,
/// CORE_ACCOUNT_CACHE_*).
#[derive(Clone, Debug)]
pub(crate) struct AuthLimits {
    /// Failed logins for one e-mail before further attempts must wait.
    pub(crate) login_max_failures: u32,
    /// The first wait; each further failure doubles it.
    pub(crate) login_backoff_ms: u64,
    /// The longest wait.
    pub(crate) login_backoff_max_ms: u64,
    /// How long failures are remembered after the last one.
    pub(crate) login_failure_window_secs: u64,
    /// Hashes that may wait for a free hashing slot; more are refused with 503 at once.
    pub(crate) password_hash_queue: usize,
    /// How long a queued hash waits for a slot before it is refused with 503.
    pub(crate) password_hash_wait_ms: u64,
    /// How long a cached account is trusted while change notices arrive (0 = no cache).
    pub(crate) account_cache_ttl_ms: u64,
    /// ... and while they do not (Redis pub/sub down): the bound on staleness.
    pub(crate) account_cache_fallback_ttl_ms: u64,
}

impl AuthLimits {
    pub(super) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(AuthLimits {
            login_max_failures: env.parse("CORE_LOGIN_MAX_FAILURES", "5")?,
            login_backoff_ms: env.parse("CORE_LOGIN_BACKOFF_MS", "1000")?,
            login_backoff_max_ms: env.parse("CORE_LOGIN_BACKOFF_MAX_MS", "900000")?,
            login_failure_window_secs: env.parse("CORE_LOGIN_FAILURE_WINDOW_SECS", "900")?,
            password_hash_queue: env.parse("CORE_PASSWORD_HASH_QUEUE", "64")?,
            password_hash_wait_ms: env.parse("CORE_PASSWORD_HASH_WAIT_MS", "2000")?,
            account_cache_ttl_ms: env.parse("CORE_ACCOUNT_CACHE_TTL_MS", "60000")?,
            account_cache_fallback_ttl_ms: env
                .parse("CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS", "1000")?,
        })
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        ensure(
            (1..=1000).contains(&self.login_max_failures),
            "CORE_LOGIN_MAX_FAILURES",
            "must be 1 to 1000",
        )?;
        ensure(
            (100..=3_600_000).contains(&self.login_backoff_ms),
            "CORE_LOGIN_BACKOFF_MS",
            "must be 100 to 3600000",
        )?;
        ensure(
            self.login_backoff_max_ms >= self.login_backoff_ms
                && self.login_backoff_max_ms <= 86_400_000,
            "CORE_LOGIN_BACKOFF_MAX_MS",
            "must be at least CORE_LOGIN_BACKOFF_MS and at most 86400000 (a day)",
        )?;
        ensure(
            (1..=604_800).contains(&self.login_failure_window_secs),
            "CORE_LOGIN_FAILURE_WINDOW_SECS",
            "must be 1 to 604800 (a week)",
        )?;
        ensure(
            self.password_hash_queue <= 100_000,
            "CORE_PASSWORD_HASH_QUEUE",
            "must be at most 100000",
        )?;
        ensure(
            self.password_hash_wait_ms <= 60_000,
            "CORE_PASSWORD_HASH_WAIT_MS",
            "must be at most 60000",
        )?;
        ensure(
            (50..=60_000).contains(&self.account_cache_fallback_ttl_ms),
            "CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS",
            "must be 50 to 60000",
        )?;
        ensure(
            self.account_cache_ttl_ms <= 3_600_000,
            "CORE_ACCOUNT_CACHE_TTL_MS",
            "must be at most 3600000",
        )
    }
}
