//! The gateway's Redis pool, its key prefix, and the Lua scripts it runs.
//!
//! Key names come from `holdfast_contract::keys`: keys of one performance share the
//! `{perf:ID}` hash tag with core-api's keys, so every script touches one slot and runs
//! unchanged on Redis Cluster.

use std::{
    sync::{
        Arc, LazyLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use fred::{prelude::*, types::scripts::Script};
use holdfast_contract::keys;
use uuid::Uuid;

pub static DEDUPE_SEQ: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../redis/gateway_dedupe_seq.lua")));
pub static QUEUE_JOIN: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../redis/queue_join.lua")));
pub static QUEUE_STATUS: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../redis/queue_status.lua")));
pub static QUEUE_TICK: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../redis/queue_tick.lua")));
pub static QUEUE_USE: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../redis/queue_use.lua")));

/// How long the gateway's longer-lived keys (sequence counters, waiting-room state) live after
/// their last use. Every key the gateway writes expires: Redis runs with `noeviction`, so keys
/// that never expire would one day stop every write.
pub const STATE_TTL_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Clone)]
pub struct Redis {
    pool: Pool,
    prefix: Arc<str>,
    up: Arc<AtomicBool>,
}

impl Redis {
    /// Builds the pool and connects in the background: the gateway starts while Redis is down,
    /// commands fail fast (→ the configured fail mode) and the pool reconnects by itself.
    pub fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<Self, Error> {
        Ok(Redis {
            pool: holdfast_contract::redis::pool(url, timeout)?,
            prefix: prefix.into(),
            up: Arc::new(AtomicBool::new(true)),
        })
    }

    pub fn client(&self) -> &Client {
        self.pool.next()
    }

    /// Records the outcome of a call, for `/readyz` and the `gateway_redis_up` gauge.
    pub fn observe<T>(&self, result: &Result<T, Error>) {
        self.up.store(result.is_ok(), Ordering::Relaxed);
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    pub async fn ping(&self) -> Result<(), Error> {
        let result = self.client().ping::<()>(None).await;
        self.observe(&result);
        result
    }

    pub fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    /// A key of a performance's waiting room: `{prefix}queue:{perf:ID}:{name}` (shared with core-api).
    pub fn queue_key(&self, performance_id: Uuid, key: keys::Queue) -> String {
        self.key(&keys::queue(performance_id, key))
    }

    /// The set of performances with a waiting room, kept by core-api.
    pub fn queue_index_key(&self) -> String {
        self.key(keys::QUEUE_INDEX)
    }
}
