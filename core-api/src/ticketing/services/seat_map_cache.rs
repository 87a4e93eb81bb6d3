//! A short-lived, per-instance cache of serialised seat maps.
//!
//! In a flash crowd thousands of people open the same 10,000-seat map within seconds; each
//! build reads every seat row and the live holds and serialises ~1.5 MB of JSON. Here one
//! build serves every request for the same performance for `ttl` (concurrent misses wait for
//! the one build instead of each doing it), and any seat change this instance publishes
//! drops the entry at once. Changes made by other instances, and holds that lapse in Redis,
//! show within `ttl`; the seat stream (SSE) carries them live in the meantime. Holds and
//! commits never read this cache: they decide on Redis and Postgres as always.
//!
//! The same short-lived, single-flight snapshot serves best-available holds: the free seat
//! ids of a performance (`SnapshotCache<Arc<Vec<Uuid>>>`), where staleness costs at most a
//! retry, because the Redis claim decides who gets a seat.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::body::Bytes;
use tokio::{sync::OnceCell, time::Instant};
use uuid::Uuid;

use crate::error::Result;

struct Slot<T> {
    body: Arc<OnceCell<T>>,
    born: Instant,
}

/// Per-performance snapshots of `T`, each kept for `ttl`, built once however many ask.
pub(crate) struct SnapshotCache<T> {
    ttl: Duration,
    slots: Arc<Mutex<HashMap<Uuid, Slot<T>>>>,
}

impl<T> Clone for SnapshotCache<T> {
    fn clone(&self) -> Self {
        SnapshotCache {
            ttl: self.ttl,
            slots: self.slots.clone(),
        }
    }
}

/// Serialised seat maps.
pub(crate) type SeatMapCache = SnapshotCache<Bytes>;

impl<T: Clone> SnapshotCache<T> {
    /// `ttl` zero turns caching off.
    pub(crate) fn new(ttl: Duration) -> Self {
        SnapshotCache {
            ttl,
            slots: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The cached snapshot, or the one `build` makes (shared with concurrent callers).
    pub(crate) async fn get_or_build<F>(&self, performance_id: Uuid, build: F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        if self.ttl.is_zero() {
            return build.await;
        }
        let cell = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            // Expired entries of other performances go too, so the map stays small.
            slots.retain(|_, s| now.duration_since(s.born) < self.ttl);
            slots
                .entry(performance_id)
                .or_insert_with(|| Slot {
                    body: Arc::new(OnceCell::new()),
                    born: now,
                })
                .body
                .clone()
        };
        cell.get_or_try_init(|| build).await.cloned()
    }

    /// Forgets a performance's snapshot (a seat of it changed on this instance).
    pub(crate) fn invalidate(&self, performance_id: Uuid) {
        self.slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&performance_id);
    }

    /// Forgets a performance's snapshot if it is at least `age` old, so that however many
    /// callers want a fresher one, it is rebuilt at most once per `age`.
    pub(crate) fn invalidate_older_than(&self, performance_id: Uuid, age: Duration) {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots
            .get(&performance_id)
            .is_some_and(|s| s.born.elapsed() >= age)
        {
            slots.remove(&performance_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_misses_share_one_build_and_invalidation_forces_a_new_one() {
        let cache = SeatMapCache::new(Duration::from_secs(60));
        let builds = AtomicUsize::new(0);
        let perf = Uuid::now_v7();
        let build = || async {
            let n = builds.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(Bytes::from(format!("map {n}")))
        };
        let answers =
            futures::future::join_all((0..20).map(|_| cache.get_or_build(perf, build()))).await;
        assert!(
            answers
                .iter()
                .all(|a| a.as_ref().ok() == Some(&Bytes::from("map 0")))
        );
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        cache.invalidate_older_than(perf, Duration::from_secs(30));
        let kept = cache.get_or_build(perf, build()).await.expect("build");
        assert_eq!(kept, Bytes::from("map 0"), "younger than the age: kept");
        cache.invalidate(perf);
        let again = cache.get_or_build(perf, build()).await.expect("build");
        assert_eq!(again, Bytes::from("map 1"));
        cache.invalidate_older_than(perf, Duration::ZERO);
        let fresh = cache.get_or_build(perf, build()).await.expect("build");
        assert_eq!(fresh, Bytes::from("map 2"));
    }

    #[tokio::test]
    async fn a_zero_ttl_always_builds_and_a_failed_build_is_not_kept() {
        let off = SeatMapCache::new(Duration::ZERO);
        let perf = Uuid::now_v7();
        for n in 0..2 {
            let got = off
                .get_or_build(perf, async move { Ok(Bytes::from(format!("{n}"))) })
                .await;
            assert_eq!(got.expect("build"), Bytes::from(format!("{n}")));
        }
        let cache = SeatMapCache::new(Duration::from_secs(60));
        let failed = cache
            .get_or_build(perf, async {
                Err(crate::error::Error::postgres(anyhow::anyhow!("down")))
            })
            .await;
        assert!(failed.is_err());
        let got = cache
            .get_or_build(perf, async { Ok(Bytes::from("ok")) })
            .await;
        assert_eq!(got.expect("build"), Bytes::from("ok"));
    }
}
