//! Seat holds in Redis: the claim, release, convert and extend scripts and the hold index.
//!
//! Keys of one performance share the `{perf:ID}` hash tag (`holdfast_contract::keys`, with
//! the seat claims the load driver's check reads), so each script touches a single
//! slot and runs unchanged on Redis Cluster. The hold index (`hold:ID`, looked up by hold id
//! alone) lives outside that slot and is only a lookup aid; the scripts re-check ownership
//! against the in-slot hash before they change anything.
//!
//! Here: the scripts, the hold record and the keys; seat holds in `seats`, general-admission
//! holds in `ga`.

mod ga;
mod seats;

use std::sync::{Arc, LazyLock};

use fred::{prelude::*, types::scripts::Script};
use holdfast_contract::{
    clock::Clock,
    keys::{perf_tag, seat_claim},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::storage::redis::Redis;

static HOLD: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../../redis/hold.lua")));
static RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../../redis/release.lua")));
static REAP: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../../redis/reap.lua")));
static GA_HOLD: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../../redis/ga_hold.lua")));
static GA_RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../../redis/ga_release.lua")));
static UNMARK: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../../redis/unmark.lua")));
static EXTEND: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../../redis/extend.lua")));

/// Which store keeps a hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Backend {
    #[default]
    Redis,
    Postgres,
}

/// What the hold index remembers about a hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HoldRecord {
    pub hold_id: Uuid,
    pub performance_id: Uuid,
    pub user_id: Uuid,
    pub seat_ids: Vec<Uuid>,
    pub expires_at_ms: i64,
    pub extended: bool,
    #[serde(default)]
    pub backend: Backend,
    /// A general-admission hold: this product, `quantity` units (and no seats).
    #[serde(default)]
    pub product_id: Option<Uuid>,
    #[serde(default)]
    pub quantity: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ClaimOutcome {
    Granted {
        expires_at_ms: i64,
        /// Seats the user already held in this performance before this claim (Redis path;
        /// the Postgres path checks the whole limit itself and says 0).
        held_before: u32,
    },
    Taken(Vec<Uuid>),
    LimitExceeded,
    /// General admission: fewer than asked are left (`available` could still be held).
    SoldOut {
        available: u32,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ExtendOutcome {
    Extended { expires_at_ms: i64 },
    AlreadyExtended,
    Gone,
}

/// The seat claims of every performance.
#[derive(Clone)]
pub(crate) struct HoldStore {
    redis: Redis,
    /// How long a converted seat stays blocked in Redis after its reservation commits: as
    /// long as the unpaid reservation may live, so hold attempts on reserved seats are
    /// refused without asking Postgres. Cancellation and expiry clear the markers at once.
    converted_marker_ms: u64,
    /// The time of day, for the hold index's TTL and which holds are live.
    clock: Arc<dyn Clock>,
}

impl HoldStore {
    pub(crate) fn new(redis: Redis, converted_marker_ms: u64, clock: Arc<dyn Clock>) -> Self {
        HoldStore {
            redis,
            converted_marker_ms,
            clock,
        }
    }

    fn slot_keys(
        &self,
        performance_id: Uuid,
        hold_id: Uuid,
        user_id: Uuid,
        seat_ids: &[Uuid],
    ) -> Vec<String> {
        let tag = perf_tag(performance_id);
        let mut keys = Vec::with_capacity(seat_ids.len() + 4);
        keys.push(self.redis.key(&format!("{tag}:hold:{hold_id}")));
        keys.push(self.redis.key(&format!("{tag}:user:{user_id}")));
        keys.push(self.held_key(performance_id));
        keys.push(crate::ticketing::storage::seat_events::stream_key(
            &self.redis,
            performance_id,
        ));
        keys.extend(
            seat_ids
                .iter()
                .map(|s| self.redis.key(&seat_claim(performance_id, *s))),
        );
        keys
    }

    fn held_key(&self, performance_id: Uuid) -> String {
        self.redis
            .key(&format!("{}:held", perf_tag(performance_id)))
    }

    fn ga_keys(&self, record: &HoldRecord, product_id: Uuid) -> Vec<String> {
        let tag = perf_tag(record.performance_id);
        vec![
            self.redis.key(&format!("{tag}:hold:{}", record.hold_id)),
            self.redis.key(&format!("{tag}:user:{}", record.user_id)),
            self.redis.key(&format!("{tag}:ga:{product_id}")),
            self.redis.key(&format!("{tag}:ga:{product_id}:exp")),
        ]
    }

    fn index_key(&self, hold_id: Uuid) -> String {
        self.redis.key(&format!("hold:{hold_id}"))
    }

    fn record_keys(&self, record: &HoldRecord) -> Vec<String> {
        self.slot_keys(
            record.performance_id,
            record.hold_id,
            record.user_id,
            &record.seat_ids,
        )
    }
}

fn unexpected<T: std::fmt::Debug>(reply: &T) -> Error {
    Error::new(
        ErrorKind::Unknown,
        format!("unexpected script reply: {reply:?}"),
    )
}
