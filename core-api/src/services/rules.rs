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

use uuid::Uuid;

use crate::{
    error::Result,
    storage::repo::catalog::{CatalogRepo, PerformanceRow},
};

#[derive(Clone)]
pub struct RulesCache {
    catalog: CatalogRepo,
    ttl: Duration,
    entries: Arc<Mutex<HashMap<Uuid, (PerformanceRow, Instant)>>>,
}

impl RulesCache {
    pub fn new(catalog: CatalogRepo, ttl: Duration) -> Self {
        RulesCache {
            catalog,
            ttl,
            entries: Arc::default(),
        }
    }

    /// The performance's rules, at most `ttl` old; `None` for an unknown performance.
    pub async fn get(&self, performance_id: Uuid) -> Result<Option<PerformanceRow>> {
        let now = Instant::now();
        if let Some((row, _)) = self
            .lock()
            .get(&performance_id)
            .filter(|(_, at)| now.duration_since(*at) < self.ttl)
        {
            return Ok(Some(row.clone()));
        }
        let row = self.catalog.performance_rules(performance_id).await?;
        if let Some(row) = &row {
            let mut entries = self.lock();
            entries.retain(|_, (_, at)| now.duration_since(*at) < self.ttl);
            entries.insert(performance_id, (row.clone(), now));
        }
        Ok(row)
    }

    /// Forgets one performance (its rules just changed through this instance).
    pub fn forget(&self, performance_id: Uuid) {
        self.lock().remove(&performance_id);
    }

    /// Forgets everything (an event's status changed: all its performances).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (PerformanceRow, Instant)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
