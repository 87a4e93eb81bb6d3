//! How many seat-stream connections may be open at once on this instance: per client, per
//! performance and in all. A connection holds a [`StreamPermit`] for as long as its response
//! body lives; dropping the body gives the slots back.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use serde_json::json;
use uuid::Uuid;

use crate::error::Error;

/// Seconds a refused client is told to wait: long enough not to spin, short enough that a
/// slot another tab gave back is taken up soon.
pub(crate) const RETRY_AFTER_SECS: u64 = 5;

/// Who a connection counts against: the signed-in user, or the address a client without a
/// (valid) token connects from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ClientKey {
    User(Uuid),
    Ip(IpAddr),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Caps {
    pub(crate) per_client: usize,
    pub(crate) per_performance: usize,
    pub(crate) total: usize,
}

#[derive(Default)]
struct Counts {
    per_client: HashMap<ClientKey, usize>,
    per_performance: HashMap<Uuid, usize>,
    total: usize,
}

#[derive(Clone)]
pub(crate) struct StreamLimits {
    caps: Caps,
    counts: Arc<Mutex<Counts>>,
}

impl StreamLimits {
    pub(crate) fn new(caps: Caps) -> Self {
        StreamLimits {
            caps,
            counts: Arc::default(),
        }
    }

    /// Takes one slot of each kind, or none and a 429 naming the limit that was reached.
    pub(crate) fn acquire(
        &self,
        client: ClientKey,
        performance_id: Uuid,
    ) -> Result<StreamPermit, Error> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let of_client = counts.per_client.get(&client).copied().unwrap_or(0);
        let of_performance = counts
            .per_performance
            .get(&performance_id)
            .copied()
            .unwrap_or(0);
        let refused = if of_client >= self.caps.per_client {
            Some((
                "perClient",
                self.caps.per_client,
                "you have too many seat streams open; close one and try again",
            ))
        } else if of_performance >= self.caps.per_performance {
            Some((
                "perPerformance",
                self.caps.per_performance,
                "too many people are watching this performance's seats live; try again shortly",
            ))
        } else if counts.total >= self.caps.total {
            Some((
                "perInstance",
                self.caps.total,
                "too many seat streams are open; try again shortly",
            ))
        } else {
            None
        };
        if let Some((limit, max, message)) = refused {
            metrics::counter!("seat_stream_refused_total", "limit" => limit).increment(1);
            return Err(Error::RateLimited {
                message: message.to_owned(),
                retry_after_secs: RETRY_AFTER_SECS,
                details: json!({ "limit": limit, "max": max }),
            });
        }
        *counts.per_client.entry(client).or_default() += 1;
        *counts.per_performance.entry(performance_id).or_default() += 1;
        counts.total += 1;
        metrics::gauge!("seat_stream_connections").increment(1.0);
        Ok(StreamPermit {
            counts: self.counts.clone(),
            client,
            performance_id,
        })
    }

    /// Open connections on this instance.
    pub(crate) fn open(&self) -> usize {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

/// One connection's slots; given back when dropped.
pub(crate) struct StreamPermit {
    counts: Arc<Mutex<Counts>>,
    client: ClientKey,
    performance_id: Uuid,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        release(&mut counts.per_client, &self.client);
        release(&mut counts.per_performance, &self.performance_id);
        counts.total = counts.total.saturating_sub(1);
        metrics::gauge!("seat_stream_connections").decrement(1.0);
    }
}

/// One fewer; the entry goes at zero so the maps hold only clients with open connections.
fn release<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: &K) {
    if let Some(n) = map.get_mut(key) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_client: usize, per_performance: usize, total: usize) -> StreamLimits {
        StreamLimits::new(Caps {
            per_client,
            per_performance,
            total,
        })
    }

    fn limit_of(refused: Result<StreamPermit, Error>) -> String {
        match refused {
            Err(Error::RateLimited { details, .. }) => details["limit"].to_string(),
            Err(other) => format!("unexpected {other}"),
            Ok(_) => "admitted".to_owned(),
        }
    }

    #[test]
    fn each_cap_refuses_the_connection_past_it_and_a_dropped_permit_frees_its_slots() {
        let limits = limits(2, 3, 4);
        let (perf, other) = (Uuid::now_v7(), Uuid::now_v7());
        let alice = ClientKey::User(Uuid::now_v7());
        let first = limits.acquire(alice, perf).expect("1st");
        let _second = limits.acquire(alice, other).expect("2nd");
        assert_eq!(limit_of(limits.acquire(alice, perf)), "\"perClient\"");

        let bob = ClientKey::Ip(IpAddr::from([10, 0, 0, 1]));
        let _b1 = limits.acquire(bob, perf).expect("bob 1st");
        let carol = ClientKey::Ip(IpAddr::from([10, 0, 0, 2]));
        let _c1 = limits.acquire(carol, perf).expect("carol 1st");
        assert_eq!(limit_of(limits.acquire(carol, perf)), "\"perPerformance\"");
        assert_eq!(
            limit_of(limits.acquire(carol, Uuid::now_v7())),
            "\"perInstance\""
        );
        assert_eq!(limits.open(), 4);

        drop(first);
        assert_eq!(limits.open(), 3);
        let _again = limits.acquire(carol, perf).expect("a slot was given back");
    }

    #[test]
    fn counts_go_back_to_nothing() {
        let limits = limits(4, 4, 4);
        let permits: Vec<_> = (0..4)
            .map(|i| limits.acquire(ClientKey::Ip(IpAddr::from([10, 0, 0, i])), Uuid::now_v7()))
            .collect();
        drop(permits);
        let counts = limits.counts.lock().expect("lock");
        assert!(counts.per_client.is_empty() && counts.per_performance.is_empty());
        assert_eq!(counts.total, 0);
    }
}
