//! The Redis key layout core-api, the gateway and the load driver's check share. Every key
//! is the service's configured prefix (`CORE_REDIS_KEY_PREFIX`, `GATEWAY_REDIS_KEY_PREFIX`,
//! the same value) followed by one of these names; the prefix is added by each service.
//!
//! Keys of one performance carry the hash tag `{perf:ID}`, so every script (core-api's holds,
//! the gateway's dedupe and waiting room, all in `redis/`) touches one slot and runs
//! unchanged on Redis Cluster. The Lua scripts name the same keys by position.

use uuid::Uuid;

/// `{perf:ID}`: the hash tag of every key of one performance.
pub fn perf_tag(performance: Uuid) -> String {
    format!("{{perf:{performance}}}")
}

/// One key of a performance's waiting room: `queue:{perf:ID}:<name>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    /// Hash written by core-api ([`config_field`]); the gateway keeps no state for a
    /// performance without one.
    Config,
    /// Present while no seat is AVAILABLE (written by core-api).
    SoldOut,
    /// The gateway's waiting room: who joined, in which order, who was let in.
    Members,
    Seq,
    Admitted,
    Active,
    Tick,
    Lease,
    /// Hash: join sequence -> user, the order admission walks (replaces the `line` list).
    Order,
    /// Sorted set: waiting user -> the time they lose their place unless they ask again (ms).
    Seen,
    /// Hash: admitted user -> end of the pass window (ms); `Active` holds the slot deadline.
    Passes,
    /// Hash: pre-queue user -> join token (joined before the sale opened).
    Prequeue,
    /// List: SHA-256 of every pre-queue join token, in join order (published).
    PrequeueHashes,
    /// Hash: the fairness commitment (`seed`, `seedHash`, `sealed`, `count`, `ordered`).
    Fairness,
    /// Prefix of the markers of redeemed proof-of-work challenges (`…:pow:<mac>`, with a TTL).
    Pow,
    /// Prefix of the markers of seen DPoP proof ids (`…:dpop:<hash>`, with a TTL); core-api
    /// keeps its own under `dpop-core`, so both can refuse a replay.
    Dpop,
    DpopCore,
}

impl Queue {
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Config => "config",
            Queue::SoldOut => "soldout",
            Queue::Members => "members",
            Queue::Seq => "seq",
            Queue::Admitted => "admitted",
            Queue::Active => "active",
            Queue::Tick => "tick",
            Queue::Lease => "lease",
            Queue::Order => "order",
            Queue::Seen => "seen",
            Queue::Passes => "passes",
            Queue::Prequeue => "prequeue",
            Queue::PrequeueHashes => "prequeue-hashes",
            Queue::Fairness => "fairness",
            Queue::Pow => "pow",
            Queue::Dpop => "dpop",
            Queue::DpopCore => "dpop-core",
        }
    }
}

/// Fields of the [`Queue::Config`] hash.
pub mod config_field {
    /// `1` when the performance is behind a waiting room, `0` when not.
    pub const ENABLED: &str = "enabled";
    pub const ADMIT_PER_MINUTE: &str = "admitPerMinute";
    pub const MAX_ACTIVE: &str = "maxActive";
    /// Most people in line; joins past it are refused with `QUEUE_FULL`.
    pub const MAX_QUEUE_LENGTH: &str = "maxQueueLength";
    /// When the sale opens (ms since the epoch): nobody is admitted before.
    pub const SALE_OPENS_AT_MS: &str = "saleOpensAtMs";
    /// Minutes before the sale that the pre-queue opens.
    pub const PREQUEUE_MINUTES: &str = "prequeueMinutes";
    /// Missed polls of the longest interval after which a waiting user loses their place.
    pub const ABANDON_AFTER_POLLS: &str = "abandonAfterPolls";
    /// Seconds an admitted user may leave the pass unused before the slot is freed.
    pub const PASS_UNUSED_SECONDS: &str = "passUnusedSeconds";
    /// Base difficulty of the proof-of-work challenge on join (leading zero bits; 0: none).
    pub const POW_BITS: &str = "powBits";
    /// `1` when passes are bound to the key of the client that joined (DPoP).
    pub const BIND_PASSES: &str = "bindPasses";
    /// Seats still AVAILABLE (the periodic sync; for "your chance").
    pub const SEATS_LEFT: &str = "seatsLeft";
    /// Seats per reservation so far (`maxSeatsPerUser` before the first sale).
    pub const SEATS_PER_BUYER: &str = "seatsPerBuyer";
    /// `1` for every performance core-api knows, waiting room or not.
    pub const KNOWN: &str = "known";
}

/// `queue:{perf:ID}:<name>`.
pub fn queue(performance: Uuid, key: Queue) -> String {
    format!("queue:{}:{}", perf_tag(performance), key.as_str())
}

/// `queue:{perf:ID}:<name>:<id>`: one marker under a prefix key ([`Queue::Pow`],
/// [`Queue::Dpop`], [`Queue::DpopCore`]).
pub fn queue_marker(performance: Uuid, key: Queue, id: &str) -> String {
    format!("{}:{id}", queue(performance, key))
}

/// `queue:performances`: the set of performances with a waiting room, kept by core-api.
pub const QUEUE_INDEX: &str = "queue:performances";

/// `{perf:ID}:seat:<seat id>`: the claim on one seat while it is held (core-api's hold
/// scripts; the load driver's invariant check reads them).
pub fn seat_claim(performance: Uuid, seat: Uuid) -> String {
    format!("{}:seat:{seat}", perf_tag(performance))
}

/// A `SCAN MATCH` pattern for every [`seat_claim`] of a performance.
pub fn seat_claims_pattern(performance: Uuid) -> String {
    format!("{}:seat:*", perf_tag(performance))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0191c2a4-6f35-7c1e-9d6a-3b8f5e2a1c00";

    #[test]
    fn keys_keep_their_published_form() {
        let perf: Uuid = ID.parse().expect("uuid");
        assert_eq!(
            queue(perf, Queue::Config),
            format!("queue:{{perf:{ID}}}:config")
        );
        assert_eq!(
            queue(perf, Queue::SoldOut),
            format!("queue:{{perf:{ID}}}:soldout")
        );
        assert_eq!(seat_claim(perf, perf), format!("{{perf:{ID}}}:seat:{ID}"));
        assert_eq!(seat_claims_pattern(perf), format!("{{perf:{ID}}}:seat:*"));
        assert_eq!(QUEUE_INDEX, "queue:performances");
    }
}
