//! Settings of the edge itself: how many connections each upstream gets, and the edge cache.

use holdfast_contract::env::{ConfigError, Env, ensure};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeConfig {
    /// Most requests in flight to one upstream at a time, so at most this many connections to
    /// it (all kept in the pool); more wait for a free one up to the connect timeout.
    pub upstream_max_connections: usize,
    /// How long a cached public read is served; 0 turns the edge cache off.
    pub cache_ttl_ms: u64,
    pub cache_max_entries: usize,
    /// Bytes of cached bodies, all entries together; one entry may use at most a quarter.
    pub cache_max_bytes: usize,
    /// How long a request waits for another one already fetching the same key before it goes
    /// to the upstream itself.
    pub cache_wait_ms: u64,
}

impl EdgeConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let edge = EdgeConfig {
            upstream_max_connections: env.parse("GATEWAY_UPSTREAM_MAX_CONNECTIONS", "128")?,
            cache_ttl_ms: env.parse("GATEWAY_EDGE_CACHE_TTL_MS", "250")?,
            cache_max_entries: env.parse("GATEWAY_EDGE_CACHE_MAX_ENTRIES", "4096")?,
            cache_max_bytes: env.parse("GATEWAY_EDGE_CACHE_MAX_BYTES", "16777216")?,
            cache_wait_ms: env.parse("GATEWAY_EDGE_CACHE_WAIT_MS", "1000")?,
        };
        ensure(
            (1..=4096).contains(&edge.upstream_max_connections),
            "GATEWAY_UPSTREAM_MAX_CONNECTIONS",
            "must be between 1 and 4096",
        )?;
        ensure(
            edge.cache_ttl_ms <= 60_000,
            "GATEWAY_EDGE_CACHE_TTL_MS",
            "must be at most 60000 (0 turns the cache off)",
        )?;
        ensure(
            edge.cache_max_entries >= 16,
            "GATEWAY_EDGE_CACHE_MAX_ENTRIES",
            "must be at least 16",
        )?;
        ensure(
            edge.cache_max_bytes >= 64 * 1024,
            "GATEWAY_EDGE_CACHE_MAX_BYTES",
            "must be at least 65536",
        )?;
        ensure(
            (1..=30_000).contains(&edge.cache_wait_ms),
            "GATEWAY_EDGE_CACHE_WAIT_MS",
            "must be between 1 and 30000",
        )?;
        Ok(edge)
    }
}
