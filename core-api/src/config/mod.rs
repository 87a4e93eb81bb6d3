//! Typed configuration read from the environment (with `holdfast_contract::env`, the
//! gateway's reader too) and validated before anything starts: the process refuses to start
//! on a bad value and names it. Groups of settings have files of their own (`auth`,
//! `google`); the rules every value must meet are in `validate`.

mod auth;
mod google;
mod notify;
mod read_replica;
#[cfg(test)]
mod tests;
mod validate;

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, time::Duration};

pub(crate) use holdfast_contract::env::ConfigError;
use holdfast_contract::{
    env::{Env, check_secret},
    process::ServiceConfig,
    token_keys::SignKey,
};

pub(crate) use self::{
    auth::AuthLimits, google::GoogleConfig, notify::NotifyConfig, read_replica::ReadReplicaConfig,
};

/// Which store holds seat claims. `Redis` is the fast path (falling back to Postgres behind a
/// circuit breaker when Redis is unreachable); `Postgres` uses the row-locking path only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HoldStrategy {
    Redis,
    Postgres,
}

#[derive(Clone)]
pub struct Config {
    pub(crate) listen_addr: SocketAddr,
    pub(crate) metrics_addr: SocketAddr,
    pub database_url: String,
    /// A read replica for catalog and seat-layout reads; `None` (the default): the primary
    /// serves every read.
    pub(crate) read_replica: Option<ReadReplicaConfig>,
    pub(crate) redis_url: String,
    pub(crate) redis_key_prefix: String,
    pub db_max_connections: u32,
    pub(crate) dependency_timeout_ms: u64,
    pub(crate) max_body_bytes: usize,
    /// Signs access tokens: HS256 with CORE_JWT_SECRET, or EdDSA with the Ed25519 private key
    /// in CORE_JWT_PRIVATE_KEY_FILE (exactly one of the two).
    pub(crate) jwt_key: SignKey,
    pub(crate) jwt_issuer: String,
    pub(crate) jwt_audience: String,
    pub(crate) access_token_ttl_secs: u64,
    pub(crate) refresh_token_ttl_secs: u64,
    pub(crate) hold_ttl_ms: u64,
    pub(crate) hold_extension_ms: u64,
    pub(crate) reservation_ttl_ms: u64,
    pub(crate) confirm_failure_rate: f64,
    /// Group commit of seat reservations: at most this many per transaction
    /// (CORE_COMMIT_BATCH_MAX; 0 = every reservation commits alone).
    pub(crate) commit_batch_max: usize,
    /// Tasks committing reservation batches at once (CORE_COMMIT_WORKERS).
    pub(crate) commit_workers: usize,
    pub(crate) hold_strategy: HoldStrategy,
    /// With HOLD_STRATEGY=redis: take holds on Postgres while Redis is unreachable.
    pub(crate) hold_fallback: bool,
    pub(crate) log_json: bool,
    pub(crate) wallet_max_charge: i64,
    pub(crate) wallet_max_balance: i64,
    pub(crate) sweep_interval_ms: u64,
    /// Cancellation jobs: reservations cancelled (and refunded) per transaction
    /// (CORE_CANCEL_BATCH_SIZE).
    pub(crate) cancel_batch_size: u64,
    /// Cancellation jobs: pause between two batches, so a big job leaves room for the sale's
    /// other writes (CORE_CANCEL_BATCH_PAUSE_MS).
    pub(crate) cancel_batch_pause_ms: u64,
    /// Cancellation jobs: how long an instance's lease on a job lasts without a batch; a job
    /// whose instance died is taken over after it (CORE_JOB_LEASE_MS).
    pub(crate) job_lease_ms: u64,
    pub(crate) idempotency_ttl_secs: u64,
    pub(crate) stream_heartbeat_ms: u64,
    /// Seat-stream connections one client (its user, or its IP without a token) may hold on
    /// this instance (CORE_STREAM_MAX_PER_CLIENT).
    pub(crate) stream_max_per_client: usize,
    /// Seat-stream connections to one performance on this instance
    /// (CORE_STREAM_MAX_PER_PERFORMANCE).
    pub(crate) stream_max_per_performance: usize,
    /// Seat-stream connections on this instance in all (CORE_STREAM_MAX_CONNECTIONS).
    pub(crate) stream_max_connections: usize,
    pub(crate) breaker_failures: u32,
    pub(crate) breaker_cooldown_ms: u64,
    /// Waiting room: the secret the gateway signs queue passes with (CORE_QUEUE_PASS_SECRET).
    /// Unset: no pass can be verified, so holds on queued performances are refused.
    pub(crate) queue_pass_secret: Option<String>,
    /// The built web app (`CORE_STATIC_DIR`), served at every non-API path when the
    /// directory exists.
    pub(crate) static_dir: PathBuf,
    /// Where users reach the system (the gateway), for links such as calendar feed URLs.
    pub(crate) public_url: String,
    /// How long one instance reuses a built seat map (CORE_SEAT_MAP_CACHE_MS; 0 = off).
    pub(crate) seat_map_cache_ms: u64,
    /// How long one instance remembers a performance's sale rules (CORE_RULES_CACHE_MS; 0 = off).
    pub(crate) rules_cache_ms: u64,
    /// Password hashes (argon2id, ~19 MiB each) run at once at most (CORE_PASSWORD_HASH_CONCURRENCY;
    /// default: the number of CPUs).
    pub(crate) password_hash_concurrency: usize,
    /// One-way Google Calendar push; `None` (the default) leaves it off.
    pub(crate) google: Option<GoogleConfig>,
    /// Notifications: e-mail (off unless SMTP_URL is set) and team webhooks.
    pub(crate) notify: NotifyConfig,
    /// Login throttling, the password-hashing queue and the account cache.
    pub(crate) auth: AuthLimits,
    /// Set when HOLDFAST_DEV_MODE is on: the warning to log once logging is up.
    pub(crate) dev_mode_warning: Option<String>,
}

impl std::fmt::Debug for Config {
    // Written by hand so the JWT secret and database credentials never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen_addr", &self.listen_addr)
            .field("metrics_addr", &self.metrics_addr)
            .field("redis_key_prefix", &self.redis_key_prefix)
            .field("read_replica", &self.read_replica)
            .field("jwt_algorithm", &self.jwt_key.algorithm())
            .field("hold_ttl_ms", &self.hold_ttl_ms)
            .field("reservation_ttl_ms", &self.reservation_ttl_ms)
            .field("confirm_failure_rate", &self.confirm_failure_rate)
            .field("commit_batch_max", &self.commit_batch_max)
            .field("commit_workers", &self.commit_workers)
            .field("hold_strategy", &self.hold_strategy)
            .field("static_dir", &self.static_dir)
            .finish_non_exhaustive()
    }
}

impl ServiceConfig for Config {
    fn logging(&self) -> (bool, Option<&str>) {
        (self.log_json, self.dev_mode_warning.as_deref())
    }
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    /// For tools that reuse the service wiring but sign no access tokens (the seed): when no
    /// key is configured, a throwaway random HS256 secret stands in, so the secret policy
    /// has nothing published to refuse.
    pub fn from_vars_signing_nothing(
        mut vars: HashMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let configured = ["CORE_JWT_SECRET", "CORE_JWT_PRIVATE_KEY_FILE"]
            .iter()
            .any(|var| vars.get(*var).is_some_and(|v| !v.is_empty()));
        if !configured {
            let mut bytes = [0u8; 48];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
            let secret = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
            vars.insert("CORE_JWT_SECRET".to_owned(), secret);
        }
        Self::from_vars(vars)
    }

    /// Reads from a map, so tests can build configs without touching the process env.
    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env::new(vars);
        let mut secrets = env.secret_checks()?;
        let jwt_key = env.sign_key(&mut secrets, "CORE_JWT_SECRET", "CORE_JWT_PRIVATE_KEY_FILE")?;
        let queue_pass_secret = env.optional("CORE_QUEUE_PASS_SECRET");
        if let Some(secret) = &queue_pass_secret {
            check_secret(&mut secrets, "CORE_QUEUE_PASS_SECRET", secret)?;
        }
        let config = Config {
            listen_addr: env.parse("CORE_LISTEN_ADDR", "0.0.0.0:3000")?,
            metrics_addr: env.parse("CORE_METRICS_ADDR", "0.0.0.0:9092")?,
            database_url: env.string(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/holdfast",
            ),
            read_replica: ReadReplicaConfig::from_env(&env)?,
            redis_url: env.string("REDIS_URL", "redis://127.0.0.1:6379"),
            redis_key_prefix: env.string("CORE_REDIS_KEY_PREFIX", ""),
            db_max_connections: env.parse("CORE_DB_MAX_CONNECTIONS", "20")?,
            dependency_timeout_ms: env.parse("CORE_DEPENDENCY_TIMEOUT_MS", "2000")?,
            max_body_bytes: env.parse("CORE_MAX_BODY_BYTES", "1048576")?,
            jwt_key,
            jwt_issuer: env.string("CORE_JWT_ISSUER", "holdfast"),
            jwt_audience: env.string("CORE_JWT_AUDIENCE", "holdfast-api"),
            access_token_ttl_secs: env.parse("CORE_ACCESS_TOKEN_TTL_SECS", "900")?,
            refresh_token_ttl_secs: env.parse("CORE_REFRESH_TOKEN_TTL_SECS", "1209600")?,
            hold_ttl_ms: env.parse("CORE_HOLD_TTL_MS", "300000")?,
            hold_extension_ms: env.parse("CORE_HOLD_EXTENSION_MS", "120000")?,
            reservation_ttl_ms: env.parse("CORE_RESERVATION_TTL_MS", "600000")?,
            confirm_failure_rate: env.parse("CONFIRM_FAILURE_RATE", "0")?,
            commit_batch_max: env.parse("CORE_COMMIT_BATCH_MAX", "16")?,
            commit_workers: env.parse("CORE_COMMIT_WORKERS", "4")?,
            hold_strategy: env.one_of(
                "HOLD_STRATEGY",
                "redis",
                &[
                    ("redis", HoldStrategy::Redis),
                    ("postgres", HoldStrategy::Postgres),
                ],
            )?,
            hold_fallback: env.one_of(
                "CORE_HOLD_FALLBACK",
                "postgres",
                &[("postgres", true), ("none", false)],
            )?,
            queue_pass_secret,
            static_dir: PathBuf::from(env.string("CORE_STATIC_DIR", "frontend/dist")),
            seat_map_cache_ms: env.parse("CORE_SEAT_MAP_CACHE_MS", "500")?,
            rules_cache_ms: env.parse("CORE_RULES_CACHE_MS", "1000")?,
            password_hash_concurrency: env.parse(
                "CORE_PASSWORD_HASH_CONCURRENCY",
                &std::thread::available_parallelism()
                    .map_or(2, |n| n.get())
                    .to_string(),
            )?,
            public_url: env
                .string("CORE_PUBLIC_URL", "http://localhost:8080")
                .trim_end_matches('/')
                .to_owned(),
            google: GoogleConfig::from_env(&env)?,
            notify: NotifyConfig::from_env(&env)?,
            log_json: env.one_of(
                "CORE_LOG_FORMAT",
                "pretty",
                &[("json", true), ("pretty", false)],
            )?,
            wallet_max_charge: env.parse("CORE_WALLET_MAX_CHARGE", "2000000")?,
            wallet_max_balance: env.parse("CORE_WALLET_MAX_BALANCE", "10000000")?,
            sweep_interval_ms: env.parse("CORE_SWEEP_INTERVAL_MS", "1000")?,
            cancel_batch_size: env.parse("CORE_CANCEL_BATCH_SIZE", "200")?,
            cancel_batch_pause_ms: env.parse("CORE_CANCEL_BATCH_PAUSE_MS", "0")?,
            job_lease_ms: env.parse("CORE_JOB_LEASE_MS", "15000")?,
            idempotency_ttl_secs: env.parse("CORE_IDEMPOTENCY_TTL_SECS", "86400")?,
            stream_heartbeat_ms: env.parse("CORE_STREAM_HEARTBEAT_MS", "15000")?,
            stream_max_per_client: env.parse("CORE_STREAM_MAX_PER_CLIENT", "4")?,
            stream_max_per_performance: env.parse("CORE_STREAM_MAX_PER_PERFORMANCE", "20000")?,
            stream_max_connections: env.parse("CORE_STREAM_MAX_CONNECTIONS", "50000")?,
            breaker_failures: env.parse("CORE_BREAKER_FAILURES", "3")?,
            breaker_cooldown_ms: env.parse("CORE_BREAKER_COOLDOWN_MS", "2000")?,
            auth: AuthLimits::from_env(&env)?,
            dev_mode_warning: secrets.dev_mode_warning(),
        };
        config.validate()?;
        Ok(config)
    }

    pub fn dependency_timeout(&self) -> Duration {
        Duration::from_millis(self.dependency_timeout_ms)
    }
}
