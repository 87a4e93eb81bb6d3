//! Typed configuration read from the environment and validated before anything starts.

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, time::Duration};

use holdfast_contract::{
    dev_mode::{DEV_MODE_VAR, SecretChecks},
    token_keys::{self, SignKey},
};

/// Which store holds seat claims. `Redis` is the fast path (falling back to Postgres behind a
/// circuit breaker when Redis is unreachable); `Postgres` uses the row-locking path only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldStrategy {
    Redis,
    Postgres,
}

#[derive(Clone)]
pub struct Config {
    pub listen_addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    pub database_url: String,
    pub redis_url: String,
    pub redis_key_prefix: String,
    pub db_max_connections: u32,
    pub dependency_timeout_ms: u64,
    pub max_body_bytes: usize,
    /// Signs access tokens: HS256 with CORE_JWT_SECRET, or EdDSA with the Ed25519 private key
    /// in CORE_JWT_PRIVATE_KEY_FILE (exactly one of the two).
    pub jwt_key: SignKey,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub hold_ttl_ms: u64,
    pub hold_extension_ms: u64,
    pub reservation_ttl_ms: u64,
    pub confirm_failure_rate: f64,
    /// Group commit of seat reservations: at most this many per transaction
    /// (CORE_COMMIT_BATCH_MAX; 0 = every reservation commits alone).
    pub commit_batch_max: usize,
    /// Tasks committing reservation batches at once (CORE_COMMIT_WORKERS).
    pub commit_workers: usize,
    pub hold_strategy: HoldStrategy,
    /// With HOLD_STRATEGY=redis: take holds on Postgres while Redis is unreachable.
    pub hold_fallback: bool,
    pub log_json: bool,
    pub wallet_max_charge: i64,
    pub wallet_max_balance: i64,
    pub sweep_interval_ms: u64,
    pub idempotency_ttl_secs: u64,
    pub stream_heartbeat_ms: u64,
    /// Seat-stream connections one client (its user, or its IP without a token) may hold on
    /// this instance (CORE_STREAM_MAX_PER_CLIENT).
    pub stream_max_per_client: usize,
    /// Seat-stream connections to one performance on this instance
    /// (CORE_STREAM_MAX_PER_PERFORMANCE).
    pub stream_max_per_performance: usize,
    /// Seat-stream connections on this instance in all (CORE_STREAM_MAX_CONNECTIONS).
    pub stream_max_connections: usize,
    pub breaker_failures: u32,
    pub breaker_cooldown_ms: u64,
    /// Waiting room: the secret the gateway signs queue passes with (CORE_QUEUE_PASS_SECRET).
    /// Unset: no pass can be verified, so holds on queued performances are refused.
    pub queue_pass_secret: Option<String>,
    /// The built web app (`CORE_STATIC_DIR`), served at every non-API path when the
    /// directory exists.
    pub static_dir: PathBuf,
    /// Where users reach the system (the gateway), for links such as calendar feed URLs.
    pub public_url: String,
    /// How long one instance reuses a built seat map (CORE_SEAT_MAP_CACHE_MS; 0 = off).
    pub seat_map_cache_ms: u64,
    /// How long one instance remembers a performance's sale rules (CORE_RULES_CACHE_MS; 0 = off).
    pub rules_cache_ms: u64,
    /// Password hashes (argon2id, ~19 MiB each) run at once at most (CORE_PASSWORD_HASH_CONCURRENCY;
    /// default: the number of CPUs).
    pub password_hash_concurrency: usize,
    /// One-way Google Calendar push; `None` (the default) leaves it off.
    pub google: Option<GoogleConfig>,
    /// Login throttling, the password-hashing queue and the account cache.
    pub auth: AuthLimits,
    /// Set when HOLDFAST_DEV_MODE is on: the warning to log once logging is up.
    pub dev_mode_warning: Option<String>,
}

/// Google Calendar push through a service account (GOOGLE_* variables).
#[derive(Clone, Debug)]
pub struct GoogleConfig {
    pub calendar_id: String,
    /// The service account's JSON key as downloaded from Google Cloud.
    pub key_file: PathBuf,
    /// Overrides the key file's `token_uri` (tests point it at a local fake).
    pub token_uri: Option<String>,
    pub api_url: String,
    pub poll_ms: u64,
    pub backoff_ms: u64,
    pub max_backoff_ms: u64,
    pub request_timeout_ms: u64,
}

impl std::fmt::Debug for Config {
    // Written by hand so the JWT secret and database credentials never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen_addr", &self.listen_addr)
            .field("metrics_addr", &self.metrics_addr)
            .field("redis_key_prefix", &self.redis_key_prefix)
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

/// A configuration value that could not be used; names the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
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
        let env = Env(vars);
        let get = |var: &str| env.0.get(var).map(String::as_str);
        let mut secrets = SecretChecks::from_vars(get).map_err(|reason| ConfigError {
            var: DEV_MODE_VAR,
            reason,
        })?;
        let jwt_key = token_keys::sign_key(
            &mut secrets,
            ("CORE_JWT_SECRET", get("CORE_JWT_SECRET")),
            (
                "CORE_JWT_PRIVATE_KEY_FILE",
                get("CORE_JWT_PRIVATE_KEY_FILE"),
            ),
        )
        .map_err(|(var, reason)| ConfigError { var, reason })?;
        let queue_pass_secret = get("CORE_QUEUE_PASS_SECRET")
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        if let Some(secret) = &queue_pass_secret {
            secrets
                .check("CORE_QUEUE_PASS_SECRET", secret)
                .map_err(|reason| ConfigError {
                    var: "CORE_QUEUE_PASS_SECRET",
                    reason,
                })?;
        }
        let config = Config {
            listen_addr: env.parse("CORE_LISTEN_ADDR", "0.0.0.0:3000")?,
            metrics_addr: env.parse("CORE_METRICS_ADDR", "0.0.0.0:9092")?,
            database_url: env.string(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/holdfast",
            ),
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
            hold_strategy: match env.string("HOLD_STRATEGY", "redis").as_str() {
                "redis" => HoldStrategy::Redis,
                "postgres" => HoldStrategy::Postgres,
                other => {
                    return Err(ConfigError {
                        var: "HOLD_STRATEGY",
                        reason: format!("expected redis or postgres, got {other:?}"),
                    });
                }
            },
            hold_fallback: match env.string("CORE_HOLD_FALLBACK", "postgres").as_str() {
                "postgres" => true,
                "none" => false,
                other => {
                    return Err(ConfigError {
                        var: "CORE_HOLD_FALLBACK",
                        reason: format!("expected postgres or none, got {other:?}"),
                    });
                }
            },
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
            google: match env.0.get("GOOGLE_CALENDAR_ID").filter(|v| !v.is_empty()) {
                None => None,
                Some(calendar_id) => Some(GoogleConfig {
                    calendar_id: calendar_id.clone(),
                    key_file: PathBuf::from(env.required("GOOGLE_SERVICE_ACCOUNT_KEY_FILE")?),
                    token_uri: env
                        .0
                        .get("GOOGLE_TOKEN_URI")
                        .filter(|v| !v.is_empty())
                        .cloned(),
                    api_url: env
                        .string(
                            "GOOGLE_CALENDAR_API_URL",
                            "https://www.googleapis.com/calendar/v3",
                        )
                        .trim_end_matches('/')
                        .to_owned(),
                    poll_ms: env.parse("GOOGLE_SYNC_POLL_MS", "1000")?,
                    backoff_ms: env.parse("GOOGLE_SYNC_BACKOFF_MS", "1000")?,
                    max_backoff_ms: env.parse("GOOGLE_SYNC_MAX_BACKOFF_MS", "300000")?,
                    request_timeout_ms: env.parse("GOOGLE_SYNC_TIMEOUT_MS", "5000")?,
                }),
            },
            log_json: match env.string("CORE_LOG_FORMAT", "pretty").as_str() {
                "json" => true,
                "pretty" => false,
                other => {
                    return Err(ConfigError {
                        var: "CORE_LOG_FORMAT",
                        reason: format!("expected json or pretty, got {other:?}"),
                    });
                }
            },
            wallet_max_charge: env.parse("CORE_WALLET_MAX_CHARGE", "2000000")?,
            wallet_max_balance: env.parse("CORE_WALLET_MAX_BALANCE", "10000000")?,
            sweep_interval_ms: env.parse("CORE_SWEEP_INTERVAL_MS", "1000")?,
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

    fn validate(&self) -> Result<(), ConfigError> {
        let check = |ok: bool, var: &'static str, reason: &str| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError {
                    var,
                    reason: reason.to_owned(),
                })
            }
        };
        check(
            (0.0..=1.0).contains(&self.confirm_failure_rate),
            "CONFIRM_FAILURE_RATE",
            "must be between 0 and 1",
        )?;
        check(
            self.hold_ttl_ms >= 1_000,
            "CORE_HOLD_TTL_MS",
            "must be at least 1000",
        )?;
        check(
            self.hold_extension_ms <= self.hold_ttl_ms,
            "CORE_HOLD_EXTENSION_MS",
            "must not exceed CORE_HOLD_TTL_MS",
        )?;
        check(
            self.commit_batch_max <= 32,
            "CORE_COMMIT_BATCH_MAX",
            "must be at most 32 (each item is a subtransaction)",
        )?;
        check(
            (1..=64).contains(&self.commit_workers),
            "CORE_COMMIT_WORKERS",
            "must be between 1 and 64",
        )?;
        check(
            self.reservation_ttl_ms >= 1_000,
            "CORE_RESERVATION_TTL_MS",
            "must be at least 1000",
        )?;
        check(
            self.db_max_connections >= 1,
            "CORE_DB_MAX_CONNECTIONS",
            "must be at least 1",
        )?;
        check(
            self.dependency_timeout_ms >= 50,
            "CORE_DEPENDENCY_TIMEOUT_MS",
            "must be at least 50",
        )?;
        check(
            self.access_token_ttl_secs >= 10,
            "CORE_ACCESS_TOKEN_TTL_SECS",
            "must be at least 10",
        )?;
        if let Some(g) = &self.google {
            check(
                g.poll_ms >= 10,
                "GOOGLE_SYNC_POLL_MS",
                "must be at least 10",
            )?;
            check(
                g.backoff_ms >= 10,
                "GOOGLE_SYNC_BACKOFF_MS",
                "must be at least 10",
            )?;
            check(
                g.max_backoff_ms >= g.backoff_ms,
                "GOOGLE_SYNC_MAX_BACKOFF_MS",
                "must not be below GOOGLE_SYNC_BACKOFF_MS",
            )?;
            check(
                g.request_timeout_ms >= 100,
                "GOOGLE_SYNC_TIMEOUT_MS",
                "must be at least 100",
            )?;
        }
        check(
            (1..=256).contains(&self.password_hash_concurrency),
            "CORE_PASSWORD_HASH_CONCURRENCY",
            "must be 1 to 256",
        )?;
        self.auth.validate()?;
        check(
            self.stream_heartbeat_ms >= 100,
            "CORE_STREAM_HEARTBEAT_MS",
            "must be at least 100",
        )?;
        check(
            self.stream_max_per_client >= 1,
            "CORE_STREAM_MAX_PER_CLIENT",
            "must be at least 1",
        )?;
        check(
            self.stream_max_per_performance >= 1,
            "CORE_STREAM_MAX_PER_PERFORMANCE",
            "must be at least 1",
        )?;
        check(
            self.stream_max_connections >= 1,
            "CORE_STREAM_MAX_CONNECTIONS",
            "must be at least 1",
        )?;
        check(
            self.max_body_bytes >= 1024,
            "CORE_MAX_BODY_BYTES",
            "must be at least 1024",
        )
    }

    pub fn dependency_timeout(&self) -> Duration {
        Duration::from_millis(self.dependency_timeout_ms)
    }
}

/// Login throttling per account, the bound on queued password hashes, and how long an
/// instance trusts its cached copy of an account (CORE_LOGIN_*, CORE_PASSWORD_HASH_*,
/// CORE_ACCOUNT_CACHE_*).
#[derive(Clone, Debug)]
pub struct AuthLimits {
    /// Failed logins for one e-mail before further attempts must wait.
    pub login_max_failures: u32,
    /// The first wait; each further failure doubles it.
    pub login_backoff_ms: u64,
    /// The longest wait.
    pub login_backoff_max_ms: u64,
    /// How long failures are remembered after the last one.
    pub login_failure_window_secs: u64,
    /// Hashes that may wait for a free hashing slot; more are refused with 503 at once.
    pub password_hash_queue: usize,
    /// How long a queued hash waits for a slot before it is refused with 503.
    pub password_hash_wait_ms: u64,
    /// How long a cached account is trusted while change notices arrive (0 = no cache).
    pub account_cache_ttl_ms: u64,
    /// ... and while they do not (Redis pub/sub down): the bound on staleness.
    pub account_cache_fallback_ttl_ms: u64,
}

impl AuthLimits {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
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

    fn validate(&self) -> Result<(), ConfigError> {
        let check = |ok: bool, var: &'static str, reason: &str| {
            ok.then_some(()).ok_or_else(|| ConfigError {
                var,
                reason: reason.to_owned(),
            })
        };
        check(
            (1..=1000).contains(&self.login_max_failures),
            "CORE_LOGIN_MAX_FAILURES",
            "must be 1 to 1000",
        )?;
        check(
            (100..=3_600_000).contains(&self.login_backoff_ms),
            "CORE_LOGIN_BACKOFF_MS",
            "must be 100 to 3600000",
        )?;
        check(
            self.login_backoff_max_ms >= self.login_backoff_ms
                && self.login_backoff_max_ms <= 86_400_000,
            "CORE_LOGIN_BACKOFF_MAX_MS",
            "must be at least CORE_LOGIN_BACKOFF_MS and at most 86400000 (a day)",
        )?;
        check(
            (1..=604_800).contains(&self.login_failure_window_secs),
            "CORE_LOGIN_FAILURE_WINDOW_SECS",
            "must be 1 to 604800 (a week)",
        )?;
        check(
            self.password_hash_queue <= 100_000,
            "CORE_PASSWORD_HASH_QUEUE",
            "must be at most 100000",
        )?;
        check(
            self.password_hash_wait_ms <= 60_000,
            "CORE_PASSWORD_HASH_WAIT_MS",
            "must be at most 60000",
        )?;
        check(
            (50..=60_000).contains(&self.account_cache_fallback_ttl_ms),
            "CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS",
            "must be 50 to 60000",
        )?;
        check(
            self.account_cache_ttl_ms <= 3_600_000,
            "CORE_ACCOUNT_CACHE_TTL_MS",
            "must be at most 3600000",
        )
    }
}

struct Env(HashMap<String, String>);

impl Env {
    fn string(&self, var: &str, default: &str) -> String {
        self.0
            .get(var)
            .filter(|v| !v.is_empty())
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }

    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.0
            .get(var)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or(ConfigError {
                var,
                reason: "is required".to_owned(),
            })
    }

    fn parse<T: std::str::FromStr>(
        &self,
        var: &'static str,
        default: &str,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let raw = self.string(var, default);
        raw.parse().map_err(|e| ConfigError {
            var,
            reason: format!("{raw:?}: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use holdfast_contract::testing::{KeyPairFiles, random_secret};

    use super::*;
    use crate::shared::{domain::Role, services::auth::JwtKeys};

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut map: HashMap<String, String> = HashMap::new();
        map.insert("CORE_JWT_SECRET".to_owned(), random_secret());
        map.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        map
    }

    #[test]
    fn defaults_are_valid() {
        let config = Config::from_vars(vars(&[])).expect("defaults load");
        assert_eq!(config.listen_addr.port(), 3000);
        assert_eq!(config.metrics_addr.port(), 9092);
        assert_eq!(config.hold_ttl_ms, 300_000);
        assert_eq!(config.jwt_key.algorithm(), jsonwebtoken::Algorithm::HS256);
        assert!(config.dev_mode_warning.is_none());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = Config::from_vars(vars(&[("CONFIRM_FAILURE_RATE", "1.5")])).expect_err("refused");
        assert_eq!(err.var, "CONFIRM_FAILURE_RATE");
        let err = Config::from_vars(vars(&[("CORE_HOLD_TTL_MS", "soon")])).expect_err("refused");
        assert_eq!(err.var, "CORE_HOLD_TTL_MS");
        let err =
            Config::from_vars(vars(&[("CORE_STREAM_MAX_PER_CLIENT", "0")])).expect_err("refused");
        assert_eq!(err.var, "CORE_STREAM_MAX_PER_CLIENT");
    }

    #[test]
    fn auth_limits_are_checked() {
        let config = Config::from_vars(vars(&[])).expect("defaults load");
        assert_eq!(config.auth.login_max_failures, 5);
        let err =
            Config::from_vars(vars(&[("CORE_LOGIN_BACKOFF_MAX_MS", "10")])).expect_err("refused");
        assert_eq!(err.var, "CORE_LOGIN_BACKOFF_MAX_MS");
        let err = Config::from_vars(vars(&[("CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS", "0")]))
            .expect_err("refused");
        assert_eq!(err.var, "CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS");
    }

    #[test]
    fn a_short_secret_is_refused() {
        let err = Config::from_vars(vars(&[("CORE_JWT_SECRET", "short")])).expect_err("refused");
        assert_eq!(err.var, "CORE_JWT_SECRET");
    }

    #[test]
    fn placeholder_secrets_are_refused_unless_dev_mode_is_on() {
        let placeholder = "change-me-to-another-32-random-bytes-xxxxxxx";
        for var in ["CORE_JWT_SECRET", "CORE_QUEUE_PASS_SECRET"] {
            let err = Config::from_vars(vars(&[(var, placeholder)])).expect_err(var);
            assert_eq!(err.var, var);
            assert!(err.to_string().contains("openssl rand -base64 48"), "{err}");
            let config = Config::from_vars(vars(&[(var, placeholder), ("HOLDFAST_DEV_MODE", "1")]))
                .expect("dev mode accepts it");
            let warning = config.dev_mode_warning.expect("dev mode warns");
            assert!(warning.contains(var), "{warning}");
        }
        let err = Config::from_vars(vars(&[("HOLDFAST_DEV_MODE", "perhaps")])).expect_err("bad");
        assert_eq!(err.var, "HOLDFAST_DEV_MODE");
    }

    #[test]
    fn exactly_one_jwt_key_is_configured() {
        let keys = KeyPairFiles::generate().expect("key files");
        let (private_path, public_path) = (keys.private_path(), keys.public_path());

        let config = Config::from_vars(vars(&[
            ("CORE_JWT_SECRET", ""),
            ("CORE_JWT_PRIVATE_KEY_FILE", &private_path),
        ]))
        .expect("a private key alone is enough");
        assert_eq!(config.jwt_key.algorithm(), jsonwebtoken::Algorithm::EdDSA);
        let both = Config::from_vars(vars(&[("CORE_JWT_PRIVATE_KEY_FILE", &private_path)]))
            .expect_err("secret and key file");
        assert_eq!(both.var, "CORE_JWT_SECRET");
        let neither = Config::from_vars(vars(&[("CORE_JWT_SECRET", "")])).expect_err("none");
        assert_eq!(neither.var, "CORE_JWT_SECRET");
        for wrong in [public_path.as_str(), "/nonexistent/holdfast.pem"] {
            let err = Config::from_vars(vars(&[
                ("CORE_JWT_SECRET", ""),
                ("CORE_JWT_PRIVATE_KEY_FILE", wrong),
            ]))
            .expect_err("not a private key");
            assert_eq!(err.var, "CORE_JWT_PRIVATE_KEY_FILE");
        }
    }

    #[test]
    fn tools_that_sign_nothing_get_a_throwaway_secret() {
        let mut bare = vars(&[]);
        bare.remove("CORE_JWT_SECRET");
        let first = Config::from_vars_signing_nothing(bare.clone()).expect("loads");
        let second = Config::from_vars_signing_nothing(bare).expect("loads");
        assert_eq!(first.jwt_key.algorithm(), jsonwebtoken::Algorithm::HS256);
        let token = JwtKeys::new(&first)
            .issue(uuid::Uuid::new_v4(), Role::User, 0)
            .expect("signs");
        assert!(JwtKeys::new(&first).verify(&token).is_ok());
        assert!(
            JwtKeys::new(&second).verify(&token).is_err(),
            "one secret per run"
        );
        let placeholder = vars(&[(
            "CORE_JWT_SECRET",
            "seed-signs-no-tokens-seed-signs-no-tokens",
        )]);
        let err = Config::from_vars_signing_nothing(placeholder).expect_err("still refused");
        assert_eq!(err.var, "CORE_JWT_SECRET");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let secret = random_secret();
        let config = Config::from_vars(vars(&[("CORE_JWT_SECRET", &secret)])).expect("loads");
        let shown = format!("{config:?}");
        assert!(!shown.contains(&secret));
        assert!(!shown.contains("postgres://"));
    }
}
