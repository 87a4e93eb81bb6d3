//! The edge cache: public reads everyone makes (the catalog, seat maps and seat status),
//! answered by the gateway for a short time (`GATEWAY_EDGE_CACHE_TTL_MS`) instead of by
//! core-api, with one upstream request per key at a time.
//!
//! A small sharded map of complete responses plus, per key being fetched, a watch channel
//! the other requests for that key wait on (request coalescing). Pingora's cache crate was
//! the other candidate; its storage, eviction manager and cache-lock are built for long-lived
//! objects and streaming partial bodies, while here entries live a quarter of a second, are
//! small and are always complete, so a map and a channel are all it takes and the request path
//! stays ours (see docs/architecture.md).

mod entry;

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use pingora::http::ResponseHeader;
use tokio::sync::watch;

pub use self::entry::{Entry, etag_matches, storable};
use crate::config::EdgeConfig;

const SHARDS: usize = 16;
/// What an entry costs besides its body (header map, key, bookkeeping), roughly.
const ENTRY_OVERHEAD: usize = 512;

type Waiting = watch::Receiver<Option<Arc<Entry>>>;

pub struct EdgeCache {
    ttl: Duration,
    wait: Duration,
    max_bytes: usize,
    max_entry_bytes: usize,
    entries_per_shard: usize,
    bytes: AtomicUsize,
    next_fill: AtomicU64,
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

#[derive(Default)]
struct Shard {
    entries: HashMap<String, Arc<Entry>>,
    /// Keys being fetched: the fill's id and the channel its result is sent on.
    inflight: HashMap<String, (u64, Waiting)>,
}

/// What a request for a cacheable key does.
pub enum Lookup {
    /// A fresh answer.
    Hit(Arc<Entry>),
    /// Nobody is fetching it: this request goes upstream and fills the entry.
    Lead(Box<Fill>),
    /// Another request is fetching it: wait for its answer ([`EdgeCache::wait`]).
    Wait(Waiting),
}

impl EdgeCache {
    /// `None` when the cache is off (`GATEWAY_EDGE_CACHE_TTL_MS=0`).
    pub fn new(config: &EdgeConfig) -> Option<Arc<Self>> {
        (config.cache_ttl_ms > 0).then(|| {
            Arc::new(EdgeCache {
                ttl: Duration::from_millis(config.cache_ttl_ms),
                wait: Duration::from_millis(config.cache_wait_ms),
                max_bytes: config.cache_max_bytes,
                max_entry_bytes: config.cache_max_bytes / 4,
                entries_per_shard: (config.cache_max_entries / SHARDS).max(1),
                bytes: AtomicUsize::new(0),
                next_fill: AtomicU64::new(0),
                hasher: RandomState::new(),
                shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            })
        })
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard> {
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn lookup(self: &Arc<Self>, key: &str) -> Lookup {
        let mut shard = self.shard(key);
        if let Some(entry) = shard.entries.get(key) {
            if entry.stored.elapsed() < self.ttl {
                return Lookup::Hit(entry.clone());
            }
            if let Some(old) = shard.entries.remove(key) {
                self.bytes.fetch_sub(old.size(), Ordering::Relaxed);
            }
        }
        if let Some((_, waiting)) = shard.inflight.get(key) {
            return Lookup::Wait(waiting.clone());
        }
        let id = self.next_fill.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = watch::channel(None);
        shard.inflight.insert(key.to_owned(), (id, rx));
        Lookup::Lead(Box::new(Fill {
            cache: self.clone(),
            key: key.to_owned(),
            id,
            tx,
            header: None,
            body: BytesMut::new(),
        }))
    }

    /// The leader's answer, or `None` when it failed, was not storable or took longer than
    /// `GATEWAY_EDGE_CACHE_WAIT_MS` (the waiter then goes upstream itself).
    pub async fn wait(&self, mut waiting: Waiting) -> Option<Arc<Entry>> {
        let answer = tokio::time::timeout(self.wait, waiting.wait_for(Option::is_some)).await;
        match answer {
            Ok(Ok(entry)) => entry.clone(),
            _ => None,
        }
    }

    /// Drops expired entries everywhere (entries are otherwise dropped when their key is
    /// looked up again or their shard needs room).
    pub fn purge_expired(&self) {
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            self.evict(&mut shard, |e| e.stored.elapsed() >= self.ttl);
        }
    }

    /// Cached bytes (bodies plus overhead) of every entry.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    fn evict(&self, shard: &mut Shard, expired: impl Fn(&Entry) -> bool) {
        let bytes = &self.bytes;
        shard.entries.retain(|_, e| {
            let keep = !expired(e);
            if !keep {
                bytes.fetch_sub(e.size(), Ordering::Relaxed);
            }
            keep
        });
    }

    fn store(&self, key: &str, id: u64, entry: Option<Arc<Entry>>) {
        let mut shard = self.shard(key);
        if shard
            .inflight
            .get(key)
            .is_some_and(|(owner, _)| *owner == id)
        {
            shard.inflight.remove(key);
        }
        let Some(entry) = entry else {
            return;
        };
        self.evict(&mut shard, |e| e.stored.elapsed() >= self.ttl);
        // Oldest first out of this shard while it is over its share of entries or the cache
        // over its bytes.
        while !shard.entries.is_empty()
            && (shard.entries.len() >= self.entries_per_shard
                || self.bytes() + entry.size() > self.max_bytes)
        {
            let oldest = shard
                .entries
                .iter()
                .min_by_key(|(_, e)| e.stored)
                .map(|(k, _)| k.clone());
            if let Some(old) = oldest.and_then(|k| shard.entries.remove(&k)) {
                self.bytes.fetch_sub(old.size(), Ordering::Relaxed);
            }
        }
        if self.bytes() + entry.size() > self.max_bytes {
            return;
        }
        self.bytes.fetch_add(entry.size(), Ordering::Relaxed);
        if let Some(old) = shard.entries.insert(key.to_owned(), entry) {
            self.bytes.fetch_sub(old.size(), Ordering::Relaxed);
        }
    }
}

/// The request fetching a key: collects the upstream answer and, if it may be kept, stores it
/// and hands it to the waiting requests. Dropped unfinished (upstream failure, answer not
/// storable), it lets the waiters go upstream themselves.
pub struct Fill {
    cache: Arc<EdgeCache>,
    key: String,
    id: u64,
    tx: watch::Sender<Option<Arc<Entry>>>,
    header: Option<ResponseHeader>,
    body: BytesMut,
}

impl Fill {
    /// Keeps the upstream's response header if the answer may be stored; `false` (and the
    /// fill should be dropped) when it may not.
    pub fn header(&mut self, resp: &ResponseHeader) -> bool {
        if !storable(resp) {
            return false;
        }
        self.header = Some(entry::replayable(resp));
        true
    }

    /// Adds a body chunk; `false` when the body outgrew what one entry may hold.
    pub fn body(&mut self, chunk: &Bytes) -> bool {
        if self.body.len() + chunk.len() + ENTRY_OVERHEAD > self.cache.max_entry_bytes {
            return false;
        }
        self.body.extend_from_slice(chunk);
        true
    }

    /// The whole answer is in: store it and wake the waiters.
    pub fn finish(mut self: Box<Self>) {
        let Some(header) = self.header.take() else {
            return;
        };
        let entry = Arc::new(Entry::new(header, std::mem::take(&mut self.body).freeze()));
        self.cache.store(&self.key, self.id, Some(entry.clone()));
        let _ = self.tx.send(Some(entry));
    }
}

impl Drop for Fill {
    fn drop(&mut self) {
        // Finished or not, the key is no longer being fetched by this request; waiters of an
        // unfinished fill see the channel close.
        self.cache.store(&self.key, self.id, None);
    }
}

#[cfg(test)]
mod tests;
