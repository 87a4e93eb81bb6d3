//! The waiting room's state in Redis: join, status, admission ticks, first use of a pass, and
//! a local directory of each performance's settings (refreshed by the ticker, read on every
//! request without I/O).
//!
//! Every user gets a join sequence; admission moves a watermark over the sequences, so a
//! position is `seq - admitted` (O(1), no scan) and never moves backwards: people who stopped
//! polling are skipped when the watermark reaches them. Admitted users are kept in a sorted
//! set by when their slot ends: its size is the number of active passes that `maxActive`
//! caps. Everything lives in Redis (see `docs/operations.md` for its persistence).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use fred::prelude::*;
use holdfast_contract::keys::{Queue as Key, config_field as f};
use uuid::Uuid;

use super::{
    fairness,
    standing::{POLL_LONGEST_MS, Standing, Status},
};
use crate::redis::{QUEUE_JOIN, QUEUE_STATUS, QUEUE_TICK, QUEUE_USE, Redis, STATE_TTL_MS};

/// One performance's waiting-room settings (written by core-api) and live figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub enabled: bool,
    pub admit_per_minute: i64,
    pub max_active: i64,
    pub max_queue_length: i64,
    pub sale_opens_at_ms: i64,
    pub prequeue_minutes: i64,
    pub abandon_after_polls: i64,
    /// Base difficulty of the proof-of-work challenge on join (0: none).
    pub pow_bits: i64,
    /// Passes are bound to the key of the client that joined.
    pub bind_passes: bool,
    /// SHA-256 of the pre-queue's seed, once the pre-queue opened.
    pub seed_hash: Option<String>,
    /// Admissions per minute, as measured by the admission ticks.
    pub measured_per_minute: f64,
    /// Seats left and seats per buyer (core-api's sync), when known.
    pub seats_left: Option<i64>,
    pub seats_per_buyer: Option<f64>,
}

impl Settings {
    pub fn prequeue_opens_at_ms(&self) -> i64 {
        self.sale_opens_at_ms - self.prequeue_minutes * 60_000
    }

    fn parse(config: &HashMap<String, String>, seed_hash: Option<String>, rate: f64) -> Self {
        let num = |k: &str, default: i64| {
            config
                .get(k)
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Settings {
            enabled: config.get(f::ENABLED).map(String::as_str) == Some("1"),
            admit_per_minute: num(f::ADMIT_PER_MINUTE, 0),
            max_active: num(f::MAX_ACTIVE, 0),
            max_queue_length: num(f::MAX_QUEUE_LENGTH, 100_000),
            sale_opens_at_ms: num(f::SALE_OPENS_AT_MS, 0),
            prequeue_minutes: num(f::PREQUEUE_MINUTES, 0),
            abandon_after_polls: num(f::ABANDON_AFTER_POLLS, 4),
            pow_bits: num(f::POW_BITS, 0),
            bind_passes: config.get(f::BIND_PASSES).map(String::as_str) == Some("1"),
            seed_hash,
            measured_per_minute: rate,
            seats_left: config.get(f::SEATS_LEFT).and_then(|v| v.parse().ok()),
            seats_per_buyer: config.get(f::SEATS_PER_BUYER).and_then(|v| v.parse().ok()),
        }
    }
}

/// Result of one admission tick for one performance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick {
    /// Admitted by this tick; `None` when another instance holds the lease.
    pub admitted: Option<i64>,
    pub active: i64,
    pub waiting: i64,
    /// Skipped because they stopped polling.
    pub dropped: i64,
    /// The pre-queue is sealed and its order must be written before anyone is admitted.
    pub needs_ordering: bool,
}

pub struct Queue {
    pub(super) redis: Redis,
    pass_ttl_ms: i64,
    directory: RwLock<Arc<HashMap<Uuid, Settings>>>,
}

fn int(v: Option<&Value>) -> i64 {
    v.and_then(|v| v.as_i64()).unwrap_or(0)
}

fn text(v: Option<&Value>) -> String {
    v.and_then(|v| v.as_string()).unwrap_or_default()
}

fn standing(r: &[Value]) -> Standing {
    Standing {
        status: Status::parse(&text(r.first())),
        seq: int(r.get(1)),
        admitted: int(r.get(2)),
        pass_expires_at_ms: int(r.get(3)),
        join_token: text(r.get(4)),
        waiting: int(r.get(5)),
    }
}

impl Queue {
    pub fn new(redis: Redis, pass_ttl_secs: u64) -> Self {
        Queue {
            redis,
            pass_ttl_ms: (pass_ttl_secs * 1000) as i64,
            directory: RwLock::new(Arc::new(HashMap::new())),
        }
    }

    pub(super) fn k(&self, perf: Uuid, key: Key) -> String {
        self.redis.queue_key(perf, key)
    }

    fn keys(&self, perf: Uuid, names: &[Key]) -> Vec<String> {
        names.iter().map(|n| self.k(perf, *n)).collect()
    }

    /// The performance's settings, as of the last directory refresh.
    pub fn settings(&self, performance: Uuid) -> Option<Settings> {
        self.directory
            .read()
            .ok()
            .and_then(|d| d.get(&performance).cloned())
    }

    /// Whether the performance is behind a waiting room, as of the last directory refresh.
    pub fn is_queued(&self, performance: Uuid) -> bool {
        self.settings(performance).is_some_and(|s| s.enabled)
    }

    pub fn queued_performances(&self) -> Vec<Uuid> {
        self.directory
            .read()
            .map(|d| {
                d.iter()
                    .filter(|(_, s)| s.enabled)
                    .map(|(id, _)| *id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reloads every performance's waiting-room settings (core-api keeps the index and
    /// configs). On error the last known directory stays, so Redis trouble never opens a queue.
    pub async fn refresh_directory(&self) -> Result<(), Error> {
        let result = self.load_directory().await;
        self.redis.observe(&result);
        let directory = result?;
        if let Ok(mut d) = self.directory.write() {
            *d = Arc::new(directory);
        }
        Ok(())
    }

    async fn load_directory(&self) -> Result<HashMap<Uuid, Settings>, Error> {
        let client = self.redis.client();
        let ids: Vec<String> = client.smembers(self.redis.queue_index_key()).await?;
        let mut directory = HashMap::with_capacity(ids.len());
        for id in ids.iter().filter_map(|s| s.parse::<Uuid>().ok()) {
            let config: HashMap<String, String> = client.hgetall(self.k(id, Key::Config)).await?;
            let seed_hash: Option<String> =
                client.hget(self.k(id, Key::Fairness), "seedHash").await?;
            let rate: Option<f64> = client.hget(self.k(id, Key::Tick), "rate").await?;
            directory.insert(id, Settings::parse(&config, seed_hash, rate.unwrap_or(0.0)));
        }
        Ok(directory)
    }

    /// The pre-queue's committed seed hash, read now (None when not drawn or on error).
    pub async fn seed_hash(&self, perf: Uuid) -> Option<String> {
        let result: Result<Option<String>, Error> = self
            .redis
            .client()
            .hget(self.k(perf, Key::Fairness), "seedHash")
            .await;
        self.redis.observe(&result);
        result.ok().flatten()
    }

    /// Joins (or finds) the user's place. Idempotent per user while waiting or admitted.
    pub async fn join(&self, user: Uuid, perf: Uuid, now_ms: i64) -> Result<Standing, Error> {
        use Key::*;
        let keys = self.keys(
            perf,
            &[
                Config,
                SoldOut,
                Members,
                Order,
                Seq,
                Admitted,
                Active,
                Passes,
                Seen,
                Prequeue,
                PrequeueHashes,
                Fairness,
            ],
        );
        let (token, token_hash) = fairness::secret_and_hash();
        let (seed, seed_hash) = fairness::secret_and_hash();
        let args = vec![
            user.to_string(),
            now_ms.to_string(),
            STATE_TTL_MS.to_string(),
            POLL_LONGEST_MS.to_string(),
            token,
            token_hash,
            seed,
            seed_hash,
        ];
        let result: Result<Vec<Value>, Error> = QUEUE_JOIN
            .evalsha_with_reload(self.redis.client(), keys, args)
            .await;
        self.redis.observe(&result);
        Ok(standing(&result?))
    }

    /// Where the user stands now; asking counts as a poll (see `redis/queue_status.lua`).
    pub async fn status(&self, user: Uuid, perf: Uuid, now_ms: i64) -> Result<Standing, Error> {
        use Key::*;
        let keys = self.keys(
            perf,
            &[
                Config, SoldOut, Members, Admitted, Active, Passes, Seen, Prequeue, Fairness, Seq,
            ],
        );
        let args = vec![
            user.to_string(),
            now_ms.to_string(),
            POLL_LONGEST_MS.to_string(),
        ];
        let result: Result<Vec<Value>, Error> = QUEUE_STATUS
            .evalsha_with_reload(self.redis.client(), keys, args)
            .await;
        self.redis.observe(&result);
        Ok(standing(&result?))
    }

    /// A hold presents the user's pass: false when its slot was freed (unused in time).
    pub async fn use_pass(&self, user: Uuid, perf: Uuid, now_ms: i64) -> Result<bool, Error> {
        let keys = self.keys(perf, &[Key::Active, Key::Passes]);
        let result: Result<i64, Error> = QUEUE_USE
            .evalsha_with_reload(
                self.redis.client(),
                keys,
                vec![user.to_string(), now_ms.to_string()],
            )
            .await;
        self.redis.observe(&result);
        Ok(result? == 1)
    }

    /// One admission tick for one performance (see `redis/queue_tick.lua`).
    pub async fn tick(
        &self,
        perf: Uuid,
        now_ms: i64,
        instance: &str,
        lease_ms: u64,
    ) -> Result<Tick, Error> {
        use Key::*;
        let keys = self.keys(
            perf,
            &[
                Config,
                SoldOut,
                Order,
                Admitted,
                Active,
                Key::Tick,
                Lease,
                Members,
                Seq,
                Seen,
                Passes,
                Prequeue,
                Fairness,
                PrequeueHashes,
            ],
        );
        let (seed, seed_hash) = fairness::secret_and_hash();
        let args = vec![
            now_ms.to_string(),
            instance.to_owned(),
            lease_ms.to_string(),
            self.pass_ttl_ms.to_string(),
            STATE_TTL_MS.to_string(),
            seed,
            seed_hash,
        ];
        let result: Result<Vec<i64>, Error> = QUEUE_TICK
            .evalsha_with_reload(self.redis.client(), keys, args)
            .await;
        self.redis.observe(&result);
        let r = result?;
        let at = |i: usize| r.get(i).copied().unwrap_or(0);
        Ok(self::Tick {
            admitted: (at(0) >= 0).then_some(at(0)),
            active: at(1),
            waiting: at(2),
            dropped: at(3),
            needs_ordering: at(4) == 1,
        })
    }

    /// Live numbers for the admin view: (waiting, admitted so far, active passes, sold out).
    pub async fn stats(&self, perf: Uuid, now_ms: i64) -> Result<(i64, i64, i64, bool), Error> {
        let client = self.redis.client();
        let result: Result<(Option<i64>, Option<i64>, i64, i64), Error> = async {
            Ok((
                client.get(self.k(perf, Key::Seq)).await?,
                client.get(self.k(perf, Key::Admitted)).await?,
                client
                    .zcount(self.k(perf, Key::Active), now_ms as f64, f64::INFINITY)
                    .await?,
                client.exists(self.k(perf, Key::SoldOut)).await?,
            ))
        }
        .await;
        self.redis.observe(&result);
        let (seq, admitted, active, soldout) = result?;
        let admitted = admitted.unwrap_or(0);
        Ok((seq.unwrap_or(0) - admitted, admitted, active, soldout > 0))
    }
}
