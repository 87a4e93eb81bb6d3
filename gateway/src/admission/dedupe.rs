//! Duplicate-entry blocking for writes, with the request's sequence number, in one Redis
//! round trip (`redis/gateway_dedupe_seq.lua`).
//!
//! The in-flight key is per user, route, performance and body digest, with a short TTL: the
//! same write fired again (double click, impatient retry, a script firing 20 at once) while
//! the first is in flight gets 409 `DUPLICATE_REQUEST` with `Retry-After`; a different write
//! (other seats) is not blocked. The sequence (`X-Fcfs-Seq`) counts per performance, in the
//! same hash slot; writes without a performance are counted per user. Sequence counters
//! expire a day after their last use.
//!
//! A write naming a performance core-api does not know (no `queue:{perf:ID}:config` hash,
//! checked inside the same script) writes nothing: it is proxied without a sequence and
//! core-api answers its 404. Made-up ids therefore cannot fill Redis.

use fred::prelude::*;
use holdfast_contract::keys::{Queue, perf_tag};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::redis::{DEDUPE_SEQ, Redis, STATE_TTL_MS};

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The first of its kind: its sequence number and the in-flight key it now holds.
    First {
        seq: i64,
        inflight: String,
    },
    Duplicate {
        retry_after_ms: u64,
    },
    /// The performance is unknown to core-api: nothing was written, no sequence given.
    UnknownPerformance,
}

#[derive(Clone)]
pub struct Dedupe {
    redis: Redis,
    ttl_ms: u64,
}

/// A short digest of what makes two writes "the same": method, path and body.
pub fn digest(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(body);
    hasher.finalize()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Dedupe {
    pub fn new(redis: Redis, ttl_ms: u64) -> Self {
        Dedupe { redis, ttl_ms }
    }

    /// In-flight key, sequence key and, for a performance, its `config` hash written by
    /// core-api: all in one hash slot.
    fn keys(
        &self,
        user: Uuid,
        route: &str,
        performance: Option<Uuid>,
        digest: &str,
    ) -> (String, Vec<String>) {
        let tag = match performance {
            Some(p) => perf_tag(p),
            None => format!("{{user:{user}}}"),
        };
        let inflight = self
            .redis
            .key(&format!("gw:{tag}:inflight:{user}:{route}:{digest}"));
        let mut keys = Vec::with_capacity(3);
        keys.push(inflight.clone());
        keys.push(self.redis.key(&format!("gw:{tag}:seq")));
        if let Some(p) = performance {
            keys.push(self.redis.queue_key(p, Queue::Config));
        }
        (inflight, keys)
    }

    pub async fn check(
        &self,
        user: Uuid,
        route: &str,
        performance: Option<Uuid>,
        digest: &str,
        request_id: &str,
    ) -> Result<Outcome, Error> {
        let (inflight, keys) = self.keys(user, route, performance, digest);
        let result: Result<Vec<i64>, Error> = DEDUPE_SEQ
            .evalsha_with_reload(
                self.redis.client(),
                keys,
                vec![
                    request_id.to_owned(),
                    self.ttl_ms.to_string(),
                    STATE_TTL_MS.to_string(),
                ],
            )
            .await;
        self.redis.observe(&result);
        match result?.as_slice() {
            [1, seq] => Ok(Outcome::First {
                seq: *seq,
                inflight,
            }),
            [2, _] => Ok(Outcome::UnknownPerformance),
            [0, ttl] => Ok(Outcome::Duplicate {
                retry_after_ms: (*ttl).max(1) as u64,
            }),
            other => Err(Error::new(
                ErrorKind::Unknown,
                format!("unexpected dedupe reply {other:?}"),
            )),
        }
    }
}

impl Dedupe {
    /// Frees an in-flight key once its request failed upstream (any non-2xx answer): retrying a
    /// write that failed is legitimate and must not be refused as a duplicate. Only failed
    /// writes pay this second round trip; a successful write keeps the key for its TTL, so a
    /// double click right after success is still refused cheaply.
    pub async fn release(&self, inflight: &str) {
        let result: Result<i64, Error> = self.redis.client().del(inflight).await;
        if let Err(e) = result {
            tracing::debug!(error = %e, "could not free an in-flight key; it expires on its own");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_differ_by_body_and_path() {
        let a = digest("POST", "/api/v1/holds", b"{\"seatIds\":[1]}");
        assert_eq!(a, digest("POST", "/api/v1/holds", b"{\"seatIds\":[1]}"));
        assert_ne!(a, digest("POST", "/api/v1/holds", b"{\"seatIds\":[2]}"));
        assert_ne!(
            a,
            digest("POST", "/api/v1/reservations", b"{\"seatIds\":[1]}")
        );
        assert_eq!(a.len(), 24);
    }
}
