//! A per-instance cache of each performance's sale rules: sale window, event status, the
//! per-user seat limit and whether its waiting room is on.
//!
//! Every hold and every reservation needs them, and in a flash crowd that is thousands of
//! identical reads a second of rows that change a few times a day. Here they are read at
//! most once per performance per `CORE_RULES_CACHE_MS` (1 s) per instance. An admin change
//! made through this instance drops the entry at once; other instances see it within the
//! TTL. Unknown performances are not remembered, so a performance created elsewhere is found
//! at once.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::{
    FutureExt,
    future::{BoxFuture, Shared},
};
use uuid::Uuid;

use crate::storage::StoreError;
use crate::{
    error::{Error, Result},
    ticketing::storage::catalog::{CatalogRepo, PerformanceRow},
};

/// One read of a performance's rules, shared by every request that missed meanwhile. The
/// error is a message (errors do not clone); a request that shares a failed read fails at
/// once with it, rather than queueing to try again behind the others.
type Load = Shared<BoxFuture<'static, std::result::Result<Option<PerformanceRow>, (bool, String)>>>;

#[derive(Clone)]
pub struct RulesCache {
    catalog: CatalogRepo,
    ttl: Duration,
    entries: Arc<Mutex<HashMap<Uuid, (PerformanceRow, Instant)>>>,
    /// Reads in flight, with when each started. When a sale opens, the first thousand requests
    /// for a performance miss together: they share one read instead of queueing a thousand for
    /// the pool.
    loading: Arc<Mutex<HashMap<Uuid, (Load, Instant)>>>,
}

impl RulesCache {
    pub(crate) fn new(catalog: CatalogRepo, ttl: Duration) -> Self {
        RulesCache {
            catalog,
            ttl,
            entries: Arc::default(),
            loading: Arc::default(),
        }
    }

    /// The performance's rules, at most `ttl` old; `None` for an unknown performance.
    pub(crate) async fn get(&self, performance_id: Uuid) -> Result<Option<PerformanceRow>> {
        if let Some((row, _)) = lock(&self.entries)
            .get(&performance_id)
            .filter(|(_, at)| at.elapsed() < self.ttl)
        {
            return Ok(Some(row.clone()));
        }
        let (load, started) = lock(&self.loading)
            .entry(performance_id)
            .or_insert_with(|| {
                let catalog = self.catalog.clone();
                let load = async move {
                    catalog
                        .performance_rules(performance_id)
                        .await
                        .map_err(|e| (matches!(e, StoreError::Unavailable { .. }), e.to_string()))
                }
                .boxed()
                .shared();
                (load, Instant::now())
            })
            .clone();
        let outcome = load.clone().await;
        // The first sharer back takes the read out of `loading` and caches it, aged from when
        // it started. If `forget` or `clear` took it out first, the rules changed while it ran:
        // its answer still goes to its sharers but is not cached.
        let ours = {
            let mut loading = lock(&self.loading);
            let ours = loading
                .get(&performance_id)
                .is_some_and(|(l, _)| l.ptr_eq(&load));
            if ours {
                loading.remove(&performance_id);
            }
            ours
        };
        match outcome {
            Ok(row) => {
                if let (true, Some(row)) = (ours, &row) {
                    let mut entries = lock(&self.entries);
                    entries.retain(|_, (_, at)| at.elapsed() < self.ttl);
                    entries.insert(performance_id, (row.clone(), started));
                }
                Ok(row)
            }
            Err((true, message)) => Err(Error::postgres(anyhow::anyhow!(message))),
            Err((false, message)) => Err(Error::Internal(anyhow::anyhow!(message))),
        }
    }

    /// Forgets one performance (its rules just changed through this instance).
    pub(crate) fn forget(&self, performance_id: Uuid) {
        lock(&self.entries).remove(&performance_id);
        lock(&self.loading).remove(&performance_id);
    }

    /// Forgets everything (an event's status changed: all its performances).
    pub(crate) fn clear(&self) {
        lock(&self.entries).clear();
        lock(&self.loading).clear();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
