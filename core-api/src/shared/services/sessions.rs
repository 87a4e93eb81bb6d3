//! Every authenticated request is checked against the account's *current* state: active,
//! role, and auth version (bumped by deactivation and sign-out everywhere).
//!
//! The state is kept in a small per-instance cache so the hot paths (holds) add no Postgres
//! round trip. An instance that changes an account drops its own entry at once and tells the
//! others over Redis pub/sub; while that subscription is down, entries live only
//! `fallback_ttl` (1 s by default), so a change is seen everywhere within that time.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::watch;
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    shared::{
        domain::Role,
        storage::{
            account_changes::{AccountEvents, AccountNotices},
            users::UserRepo,
        },
    },
};

/// How often the listener checks its connection: a silent loss is noticed within this.
const CONNECTION_CHECK: Duration = Duration::from_millis(250);

/// More cached accounts than this and the stale ones are dropped.
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AccountStatus {
    pub(crate) active: bool,
    pub(crate) role: Role,
    pub(crate) auth_version: i64,
}

#[derive(Clone, Copy)]
struct Entry {
    status: AccountStatus,
    fetched: Instant,
}

#[derive(Clone)]
pub struct Sessions {
    users: UserRepo,
    events: AccountEvents,
    cache: Arc<Cache>,
}

pub(crate) struct Cache {
    entries: RwLock<HashMap<Uuid, Entry>>,
    /// Bumped (under the write lock) by every invalidation: a Postgres read that started
    /// before one must not put what it read into the cache.
    epoch: AtomicU64,
    /// Whether invalidation notices are arriving (the subscription is up).
    live: AtomicBool,
    live_ttl: Duration,
    fallback_ttl: Duration,
    /// Notices heard from other instances (tests wait on it).
    heard: AtomicU64,
}

impl Sessions {
    pub(crate) fn new(
        users: UserRepo,
        events: AccountEvents,
        live_ttl: Duration,
        fallback_ttl: Duration,
    ) -> Self {
        Sessions {
            users,
            events,
            cache: Arc::new(Cache::new(live_ttl, fallback_ttl)),
        }
    }

    /// The caller's current role, if a token of `auth_version` still stands for this account.
    pub(crate) async fn check(&self, user_id: Uuid, auth_version: i64) -> Result<Role> {
        let status = match self.cache.get(user_id, Instant::now()) {
            Some(status) => status,
            None => self.load(user_id).await?,
        };
        if !status.active {
            return Err(Error::Unauthenticated("this account is deactivated"));
        }
        if status.auth_version != auth_version {
            return Err(Error::Unauthenticated(
                "this session has ended; sign in again",
            ));
        }
        Ok(status.role)
    }

    async fn load(&self, user_id: Uuid) -> Result<AccountStatus> {
        let epoch = self.cache.epoch.load(Ordering::Acquire);
        let row = self
            .users
            .account_state(user_id)
            .await?
            .ok_or(Error::Unauthenticated("the account no longer exists"))?;
        let status = AccountStatus {
            active: row.active,
            role: Role::from_db(&row.role),
            auth_version: row.auth_version,
        };
        self.cache.put(user_id, status, epoch, Instant::now());
        Ok(status)
    }

    /// After a committed change to an account: forget it here at once, and tell the other
    /// instances. If Redis cannot take the notice they see the change within their fallback
    /// TTL only once they notice the lost subscription; this is logged.
    pub(crate) async fn changed(&self, user_id: Uuid) {
        self.cache.forget(user_id);
        if let Err(e) = self.events.publish(user_id).await {
            metrics::counter!("account_notices_dropped_total").increment(1);
            tracing::warn!(error = %e, %user_id, "could not publish an account change");
        }
    }

    /// Keeps the cache in step with the other instances until `stop`.
    pub(crate) fn spawn_listener(
        &self,
        stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let events = self.events.clone();
        let cache = self.cache.clone();
        tokio::spawn(events.listen(cache, CONNECTION_CHECK, stop))
    }

    /// Whether change notices from other instances are arriving.
    pub fn is_live(&self) -> bool {
        self.cache.live.load(Ordering::Acquire)
    }

    /// How many change notices this instance has heard.
    pub fn notices_heard(&self) -> u64 {
        self.cache.heard.load(Ordering::Acquire)
    }
}

impl Cache {
    fn new(live_ttl: Duration, fallback_ttl: Duration) -> Self {
        Cache {
            entries: RwLock::default(),
            epoch: AtomicU64::new(0),
            live: AtomicBool::new(false),
            live_ttl,
            fallback_ttl,
            heard: AtomicU64::new(0),
        }
    }

    fn ttl(&self) -> Duration {
        if self.live.load(Ordering::Acquire) {
            self.live_ttl
        } else {
            self.fallback_ttl
        }
    }

    fn get(&self, user_id: Uuid, now: Instant) -> Option<AccountStatus> {
        let ttl = self.ttl();
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&user_id)
            .filter(|e| now.saturating_duration_since(e.fetched) < ttl)
            .map(|e| e.status)
    }

    fn put(&self, user_id: Uuid, status: AccountStatus, epoch: u64, now: Instant) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.epoch.load(Ordering::Acquire) != epoch {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl();
            entries.retain(|_, e| now.saturating_duration_since(e.fetched) < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            user_id,
            Entry {
                status,
                fetched: now,
            },
        );
    }

    fn forget(&self, user_id: Uuid) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.remove(&user_id);
    }

    fn forget_all(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.epoch.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

impl AccountNotices for Arc<Cache> {
    fn subscribed(&self) {
        // Changes made while no notices arrived may be cached: start over, then trust the TTL.
        self.forget_all();
        self.live.store(true, Ordering::Release);
    }

    fn lost(&self) {
        self.live.store(false, Ordering::Release);
    }

    fn changed(&self, user_id: Uuid) {
        self.forget(user_id);
        self.heard.fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: AccountStatus = AccountStatus {
        active: true,
        role: Role::User,
        auth_version: 0,
    };

    fn cache() -> Arc<Cache> {
        Arc::new(Cache::new(Duration::from_secs(60), Duration::from_secs(1)))
    }

    #[test]
    fn entries_live_long_while_notices_arrive_and_briefly_when_they_do_not() {
        let cache = cache();
        let id = Uuid::new_v4();
        let t0 = Instant::now();
        cache.subscribed();
        cache.put(id, USER, cache.epoch.load(Ordering::Acquire), t0);
        assert_eq!(cache.get(id, t0 + Duration::from_secs(30)), Some(USER));

        cache.lost();

        assert_eq!(cache.get(id, t0 + Duration::from_millis(500)), Some(USER));
        assert_eq!(cache.get(id, t0 + Duration::from_secs(2)), None);
    }

    #[test]
    fn a_read_that_started_before_an_invalidation_is_not_cached() {
        let cache = cache();
        let id = Uuid::new_v4();
        let now = Instant::now();
        let epoch = cache.epoch.load(Ordering::Acquire);

        cache.changed(id);
        cache.put(id, USER, epoch, now);

        assert_eq!(cache.get(id, now), None);
        assert_eq!(cache.heard.load(Ordering::Acquire), 1);
    }

    #[test]
    fn resubscribing_forgets_everything_cached_before() {
        let cache = cache();
        let id = Uuid::new_v4();
        let now = Instant::now();
        cache.put(id, USER, cache.epoch.load(Ordering::Acquire), now);

        cache.subscribed();

        assert_eq!(cache.get(id, now), None);
    }
}
