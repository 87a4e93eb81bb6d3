//! Typed gateway configuration from the environment (and an optional TOML file), validated
//! before anything starts. The process refuses to start on a bad value and names it.

mod edge;
mod source;

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use ipnet::IpNet;

pub use holdfast_contract::env::ConfigError;
use holdfast_contract::{
    env::{Env, check_secret, ensure},
    process::ServiceConfig,
    token_keys::VerifyKey,
};

pub use self::edge::EdgeConfig;
use self::source::toml_vars;

/// What a policy that needs Redis does while Redis is unreachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailMode {
    /// Let the request through without the check (and count it).
    Open,
    /// Refuse with 503 DEPENDENCY_UNAVAILABLE.
    Closed,
}

/// The words of `GATEWAY_REDIS_FAIL_MODE` and `GATEWAY_REDIS_FAIL_MODE_QUEUED`.
const FAIL_MODES: &[(&str, FailMode)] = &[("open", FailMode::Open), ("closed", FailMode::Closed)];

#[derive(Clone)]
pub struct Config {
    pub listen_addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    pub upstreams: Vec<String>,
    pub health_check_interval_ms: u64,
    pub upstream_connect_timeout_ms: u64,
    pub upstream_read_timeout_ms: u64,
    pub upstream_retries: usize,
    /// Upstream connection cap and the edge cache.
    pub edge: EdgeConfig,
    pub redis_url: String,
    pub redis_key_prefix: String,
    pub redis_timeout_ms: u64,
    /// Verifies access tokens: HS256 with GATEWAY_JWT_SECRET, or EdDSA with the Ed25519 public
    /// key in GATEWAY_JWT_PUBLIC_KEY_FILE (exactly one of the two).
    pub jwt_key: VerifyKey,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub queue_pass_secret: String,
    pub queue_pass_ttl_secs: u64,
    /// How often the admission ticker runs; 0 turns the background ticker off (tests tick by hand).
    pub queue_tick_ms: u64,
    pub queue_lease_ms: u64,
    pub rate_per_ip_per_sec: u32,
    pub rate_per_ip_burst: u32,
    pub rate_per_user_per_sec: u32,
    pub rate_per_user_burst: u32,
    /// Header carrying the client address chain (`X-Forwarded-For` form), read only when the
    /// TCP peer is one of `trusted_proxies`.
    pub client_ip_header: String,
    pub max_body_bytes: usize,
    pub dedupe_ttl_ms: u64,
    /// Redis down, performance without a waiting room.
    pub redis_fail_mode: FailMode,
    /// Redis down, performance behind a waiting room.
    pub redis_fail_mode_queued: FailMode,
    pub idle_timeout_secs: u64,
    /// Threads serving client connections, each with its own event loop and its own pool of
    /// upstream connections (`GATEWAY_WORKERS`; 0 = one per CPU core).
    pub workers: usize,
    pub instance_id: String,
    pub log_json: bool,
    /// Peers allowed to say who the client is (`GATEWAY_TRUSTED_PROXIES`); empty: nobody, the
    /// TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// TLS termination on a listener of its own; `None`: plain HTTP only.
    pub tls: Option<TlsConfig>,
    /// Set when HOLDFAST_DEV_MODE is on: the warning to log once logging is up.
    pub dev_mode_warning: Option<String>,
}

/// Where the TLS listener listens and where its certificate and key are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsConfig {
    pub listen_addr: SocketAddr,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl std::fmt::Debug for Config {
    // By hand, so that secrets never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen_addr", &self.listen_addr)
            .field("metrics_addr", &self.metrics_addr)
            .field("upstreams", &self.upstreams)
            .field("edge", &self.edge)
            .field("jwt_algorithm", &self.jwt_key.algorithm)
            .field("redis_key_prefix", &self.redis_key_prefix)
            .field("rate_per_ip_per_sec", &self.rate_per_ip_per_sec)
            .field("rate_per_user_per_sec", &self.rate_per_user_per_sec)
            .field("redis_fail_mode", &self.redis_fail_mode)
            .field("redis_fail_mode_queued", &self.redis_fail_mode_queued)
            .field("instance_id", &self.instance_id)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl ServiceConfig for Config {
    fn logging(&self) -> (bool, Option<&str>) {
        (self.log_json, self.dev_mode_warning.as_deref())
    }
}

impl Config {
    /// The process environment, on top of `GATEWAY_CONFIG_FILE` (TOML) when it is set.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if let Ok(path) = std::env::var("GATEWAY_CONFIG_FILE")
            && !path.is_empty()
        {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::new("GATEWAY_CONFIG_FILE", format!("{path}: {e}")))?;
            vars.extend(toml_vars(&text)?);
        }
        vars.extend(std::env::vars());
        Self::from_vars(vars)
    }

    /// From a map, so tests can build configs without touching the process environment.
    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env::new(vars);
        let upstreams: Vec<String> = env
            .string("GATEWAY_UPSTREAMS", "127.0.0.1:3000")
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let mut secrets = env.secret_checks()?;
        let jwt_key = env.verify_key(
            &mut secrets,
            "GATEWAY_JWT_SECRET",
            "GATEWAY_JWT_PUBLIC_KEY_FILE",
        )?;
        let queue_pass_secret = env.required("GATEWAY_QUEUE_PASS_SECRET")?;
        check_secret(
            &mut secrets,
            "GATEWAY_QUEUE_PASS_SECRET",
            &queue_pass_secret,
        )?;
        let config = Config {
            listen_addr: env.parse("GATEWAY_LISTEN_ADDR", "0.0.0.0:8080")?,
            metrics_addr: env.parse("GATEWAY_METRICS_ADDR", "0.0.0.0:9091")?,
            upstreams,
            health_check_interval_ms: env.parse("GATEWAY_HEALTH_CHECK_INTERVAL_MS", "1000")?,
            upstream_connect_timeout_ms: env
                .parse("GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS", "1000")?,
            upstream_read_timeout_ms: env.parse("GATEWAY_UPSTREAM_READ_TIMEOUT_MS", "30000")?,
            upstream_retries: env.parse("GATEWAY_UPSTREAM_RETRIES", "2")?,
            edge: EdgeConfig::from_env(&env)?,
            redis_url: env.string("REDIS_URL", "redis://127.0.0.1:6379"),
            redis_key_prefix: env.string("GATEWAY_REDIS_KEY_PREFIX", ""),
            redis_timeout_ms: env.parse("GATEWAY_REDIS_TIMEOUT_MS", "500")?,
            jwt_key,
            jwt_issuer: env.string("GATEWAY_JWT_ISSUER", "holdfast"),
            jwt_audience: env.string("GATEWAY_JWT_AUDIENCE", "holdfast-api"),
            queue_pass_secret,
            queue_pass_ttl_secs: env.parse("GATEWAY_QUEUE_PASS_TTL_SECS", "600")?,
            queue_tick_ms: env.parse("GATEWAY_QUEUE_TICK_MS", "1000")?,
            queue_lease_ms: env.parse("GATEWAY_QUEUE_LEASE_MS", "5000")?,
            rate_per_ip_per_sec: env.parse("GATEWAY_RATE_PER_IP_PER_SEC", "50")?,
            rate_per_ip_burst: env.parse("GATEWAY_RATE_PER_IP_BURST", "100")?,
            rate_per_user_per_sec: env.parse("GATEWAY_RATE_PER_USER_PER_SEC", "10")?,
            rate_per_user_burst: env.parse("GATEWAY_RATE_PER_USER_BURST", "20")?,
            client_ip_header: env
                .string("GATEWAY_CLIENT_IP_HEADER", "x-forwarded-for")
                .to_ascii_lowercase(),
            max_body_bytes: env.parse("GATEWAY_MAX_BODY_BYTES", "1048576")?,
            dedupe_ttl_ms: env.parse("GATEWAY_DEDUPE_TTL_MS", "3000")?,
            redis_fail_mode: env.one_of("GATEWAY_REDIS_FAIL_MODE", "open", FAIL_MODES)?,
            redis_fail_mode_queued: env.one_of(
                "GATEWAY_REDIS_FAIL_MODE_QUEUED",
                "closed",
                FAIL_MODES,
            )?,
            idle_timeout_secs: env.parse("GATEWAY_IDLE_TIMEOUT_SECS", "60")?,
            workers: match env.parse("GATEWAY_WORKERS", "0")? {
                0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
                n => n,
            },
            instance_id: env.string("GATEWAY_INSTANCE_ID", &uuid::Uuid::new_v4().to_string()),
            log_json: env.one_of(
                "GATEWAY_LOG_FORMAT",
                "pretty",
                &[("json", true), ("pretty", false)],
            )?,
            trusted_proxies: trusted_proxies(&env.string("GATEWAY_TRUSTED_PROXIES", ""))?,
            tls: tls_config(&env)?,
            dev_mode_warning: secrets.dev_mode_warning(),
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        ensure(
            !self.upstreams.is_empty(),
            "GATEWAY_UPSTREAMS",
            "needs at least one host:port",
        )?;
        for upstream in &self.upstreams {
            ensure(
                upstream
                    .rsplit_once(':')
                    .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()),
                "GATEWAY_UPSTREAMS",
                "every entry must be host:port",
            )?;
        }
        ensure(
            self.queue_pass_ttl_secs >= 10,
            "GATEWAY_QUEUE_PASS_TTL_SECS",
            "must be at least 10",
        )?;
        ensure(
            self.queue_lease_ms >= 100,
            "GATEWAY_QUEUE_LEASE_MS",
            "must be at least 100",
        )?;
        ensure(
            self.queue_tick_ms == 0 || self.queue_tick_ms < self.queue_lease_ms,
            "GATEWAY_QUEUE_TICK_MS",
            "must be 0 (off) or shorter than GATEWAY_QUEUE_LEASE_MS",
        )?;
        ensure(
            self.rate_per_ip_per_sec >= 1,
            "GATEWAY_RATE_PER_IP_PER_SEC",
            "must be at least 1",
        )?;
        ensure(
            self.rate_per_ip_burst >= 1,
            "GATEWAY_RATE_PER_IP_BURST",
            "must be at least 1",
        )?;
        ensure(
            self.rate_per_user_per_sec >= 1,
            "GATEWAY_RATE_PER_USER_PER_SEC",
            "must be at least 1",
        )?;
        ensure(
            self.rate_per_user_burst >= 1,
            "GATEWAY_RATE_PER_USER_BURST",
            "must be at least 1",
        )?;
        ensure(
            self.max_body_bytes >= 1024,
            "GATEWAY_MAX_BODY_BYTES",
            "must be at least 1024",
        )?;
        ensure(
            self.dedupe_ttl_ms >= 100,
            "GATEWAY_DEDUPE_TTL_MS",
            "must be at least 100",
        )?;
        ensure(
            self.redis_timeout_ms >= 10,
            "GATEWAY_REDIS_TIMEOUT_MS",
            "must be at least 10",
        )?;
        ensure(
            self.health_check_interval_ms >= 100,
            "GATEWAY_HEALTH_CHECK_INTERVAL_MS",
            "must be at least 100",
        )?;
        ensure(
            self.upstream_connect_timeout_ms >= 10,
            "GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS",
            "must be at least 10",
        )?;
        ensure(
            self.idle_timeout_secs >= 1,
            "GATEWAY_IDLE_TIMEOUT_SECS",
            "must be at least 1",
        )?;
        ensure(
            self.workers <= 256,
            "GATEWAY_WORKERS",
            "must be at most 256 (0 = one per CPU core)",
        )
    }

    pub fn redis_timeout(&self) -> Duration {
        Duration::from_millis(self.redis_timeout_ms)
    }

    /// Whether `peer` may tell us the client's address.
    pub fn is_trusted_proxy(&self, peer: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&peer))
    }
}

/// `GATEWAY_TRUSTED_PROXIES`: comma-separated CIDRs or single addresses.
fn trusted_proxies(raw: &str) -> Result<Vec<IpNet>, ConfigError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    ConfigError::new(
                        "GATEWAY_TRUSTED_PROXIES",
                        format!("{s:?} is not an address or CIDR"),
                    )
                })
        })
        .collect()
}

/// `GATEWAY_TLS_LISTEN_ADDR`, `GATEWAY_TLS_CERT_FILE`, `GATEWAY_TLS_KEY_FILE`: all or none.
fn tls_config(env: &Env) -> Result<Option<TlsConfig>, ConfigError> {
    const VARS: [&str; 3] = [
        "GATEWAY_TLS_LISTEN_ADDR",
        "GATEWAY_TLS_CERT_FILE",
        "GATEWAY_TLS_KEY_FILE",
    ];
    let set: Vec<Option<String>> = VARS
        .iter()
        .map(|var| Some(env.string(var, "")).filter(|v| !v.is_empty()))
        .collect();
    if set.iter().all(Option::is_none) {
        return Ok(None);
    }
    if let Some(missing) = VARS.iter().zip(&set).find(|(_, v)| v.is_none()) {
        return Err(ConfigError::new(
            missing.0,
            "is required when any GATEWAY_TLS_* variable is set",
        ));
    }
    let cert_file = PathBuf::from(env.string("GATEWAY_TLS_CERT_FILE", ""));
    let key_file = PathBuf::from(env.string("GATEWAY_TLS_KEY_FILE", ""));
    Ok(Some(TlsConfig {
        listen_addr: env.parse("GATEWAY_TLS_LISTEN_ADDR", "")?,
        cert_file,
        key_file,
    }))
}

#[cfg(test)]
mod tests;
