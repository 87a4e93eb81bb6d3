//! The waiting room's state in Redis: join, status, admission ticks, and a local directory of
//! which performances have a waiting room (refreshed by the ticker, read on every request
//! without I/O).
//!
//! Every user gets a join sequence; admission moves a watermark over the sequences, so a
//! position is `seq - admitted` (O(1), no scan). Admitted users are kept in a sorted set by the
//! end of their pass window: its size is the number of active passes that `maxActive` caps.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use fred::prelude::*;
use holdfast_contract::keys::{Queue as Key, config_field};
use uuid::Uuid;

use crate::redis::{QUEUE_JOIN, QUEUE_STATUS, QUEUE_TICK, Redis, STATE_TTL_MS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Admitted,
    SoldOut,
    Closed,
    /// Admitted earlier, but the pass window is over (shown to clients as CLOSED).
    Expired,
}

impl Status {
    fn parse(s: &str) -> Status {
        match s {
            "WAITING" => Status::Waiting,
            "ADMITTED" => Status::Admitted,
            "SOLD_OUT" => Status::SoldOut,
            "EXPIRED" => Status::Expired,
            _ => Status::Closed,
        }
    }
}

/// Where a user stands, as Redis says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub status: Status,
    pub seq: i64,
    pub admitted: i64,
    pub pass_expires_at_ms: i64,
    pub admit_per_minute: i64,
}

impl Standing {
    /// 1 for the next user to be admitted; 0 once admitted (or not waiting).
    pub fn position(&self) -> i64 {
        if matches!(self.status, Status::Waiting | Status::SoldOut) {
            (self.seq - self.admitted).max(0)
        } else {
            0
        }
    }

    pub fn estimated_wait_seconds(&self) -> i64 {
        let position = self.position();
        if position == 0 || self.status != Status::Waiting {
            return 0;
        }
        let rate = self.admit_per_minute.max(1);
        (position * 60 + rate - 1) / rate
    }

    /// How long a client should wait before asking again: often near the front, rarely far
    /// back, never more often than once a second.
    pub fn poll_after_ms(&self) -> i64 {
        match self.status {
            Status::Waiting => (self.estimated_wait_seconds() * 100).clamp(1_000, 15_000),
            _ => 0,
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
}

pub struct Queue {
    redis: Redis,
    pass_ttl_ms: i64,
    directory: RwLock<Arc<HashMap<Uuid, bool>>>,
}

fn int(v: Option<&Value>) -> i64 {
    v.and_then(|v| v.as_i64()).unwrap_or(0)
}

fn text(v: Option<&Value>) -> String {
    v.and_then(|v| v.as_string()).unwrap_or_default()
}

impl Queue {
    pub fn new(redis: Redis, pass_ttl_secs: u64) -> Self {
        Queue {
            redis,
            pass_ttl_ms: (pass_ttl_secs * 1000) as i64,
            directory: RwLock::new(Arc::new(HashMap::new())),
        }
    }

    fn k(&self, perf: Uuid, key: Key) -> String {
        self.redis.queue_key(perf, key)
    }

    /// Whether the performance is behind a waiting room, as of the last directory refresh.
    pub fn is_queued(&self, performance: Uuid) -> bool {
        self.directory
            .read()
            .map(|d| d.get(&performance).copied().unwrap_or(false))
            .unwrap_or(false)
    }

    pub fn queued_performances(&self) -> Vec<Uuid> {
        self.directory
            .read()
            .map(|d| d.iter().filter(|(_, on)| **on).map(|(id, _)| *id).collect())
            .unwrap_or_default()
    }

    /// Reloads which performances have a waiting room (core-api keeps the index and configs).
    /// On error the last known directory stays, so Redis trouble never opens a queue.
    pub async fn refresh_directory(&self) -> Result<(), Error> {
        let result = self.load_directory().await;
        self.redis.observe(&result);
        let directory = result?;
        if let Ok(mut d) = self.directory.write() {
            *d = Arc::new(directory);
        }
        Ok(())
    }

    async fn load_directory(&self) -> Result<HashMap<Uuid, bool>, Error> {
        let client = self.redis.client();
        let ids: Vec<String> = client.smembers(self.redis.queue_index_key()).await?;
        let mut directory = HashMap::with_capacity(ids.len());
        for id in ids.iter().filter_map(|s| s.parse::<Uuid>().ok()) {
            let enabled: Option<String> = client
                .hget(self.k(id, Key::Config), config_field::ENABLED)
                .await?;
            directory.insert(id, enabled.as_deref() == Some("1"));
        }
        Ok(directory)
    }

    /// Joins (or finds) the user's place. Idempotent per user while waiting or admitted.
    pub async fn join(&self, user: Uuid, perf: Uuid, now_ms: i64) -> Result<Standing, Error> {
        let keys = [
            Key::Config,
            Key::SoldOut,
            Key::Members,
            Key::Line,
            Key::Seq,
            Key::Admitted,
            Key::Active,
        ]
        .map(|n| self.k(perf, n))
        .to_vec();
        let result: Result<Vec<Value>, Error> = QUEUE_JOIN
            .evalsha_with_reload(
                self.redis.client(),
                keys,
                vec![
                    user.to_string(),
                    now_ms.to_string(),
                    STATE_TTL_MS.to_string(),
                ],
            )
            .await;
        self.redis.observe(&result);
        let r = result?;
        Ok(Standing {
            status: Status::parse(&text(r.first())),
            seq: int(r.get(1)),
            admitted: int(r.get(2)),
            pass_expires_at_ms: int(r.get(3)),
            admit_per_minute: int(r.get(4)),
        })
    }

    /// Where the holder of ticket `seq` stands now.
    pub async fn status(
        &self,
        user: Uuid,
        perf: Uuid,
        seq: i64,
        now_ms: i64,
    ) -> Result<Standing, Error> {
        let keys = [Key::Config, Key::SoldOut, Key::Admitted, Key::Active]
            .map(|n| self.k(perf, n))
            .to_vec();
        let args = vec![user.to_string(), seq.to_string(), now_ms.to_string()];
        let result: Result<Vec<Value>, Error> = QUEUE_STATUS
            .evalsha_with_reload(self.redis.client(), keys, args)
            .await;
        self.redis.observe(&result);
        let r = result?;
        Ok(Standing {
            status: Status::parse(&text(r.first())),
            seq,
            admitted: int(r.get(1)),
            pass_expires_at_ms: int(r.get(2)),
            admit_per_minute: int(r.get(3)),
        })
    }

    /// One admission tick for one performance (see `redis/queue_tick.lua`).
    pub async fn tick(
        &self,
        perf: Uuid,
        now_ms: i64,
        instance: &str,
        lease_ms: u64,
    ) -> Result<Tick, Error> {
        let keys = [
            Key::Config,
            Key::SoldOut,
            Key::Line,
            Key::Admitted,
            Key::Active,
            Key::Tick,
            Key::Lease,
            Key::Members,
            Key::Seq,
        ]
        .map(|n| self.k(perf, n))
        .to_vec();
        let args = vec![
            now_ms.to_string(),
            instance.to_owned(),
            lease_ms.to_string(),
            self.pass_ttl_ms.to_string(),
            STATE_TTL_MS.to_string(),
        ];
        let result: Result<Vec<i64>, Error> = QUEUE_TICK
            .evalsha_with_reload(self.redis.client(), keys, args)
            .await;
        self.redis.observe(&result);
        let r = result?;
        let admitted = r.first().copied().unwrap_or(0);
        Ok(Tick {
            admitted: (admitted >= 0).then_some(admitted),
            active: r.get(1).copied().unwrap_or(0),
            waiting: r.get(2).copied().unwrap_or(0),
        })
    }

    /// Live numbers for the admin view: (waiting, admitted so far, active passes, sold out).
    pub async fn stats(&self, perf: Uuid, now_ms: i64) -> Result<(i64, i64, i64, bool), Error> {
        let client = self.redis.client();
        let result: Result<(i64, Option<i64>, i64, i64), Error> = async {
            Ok((
                client.llen(self.k(perf, Key::Line)).await?,
                client.get(self.k(perf, Key::Admitted)).await?,
                client
                    .zcount(self.k(perf, Key::Active), now_ms as f64, f64::INFINITY)
                    .await?,
                client.exists(self.k(perf, Key::SoldOut)).await?,
            ))
        }
        .await;
        self.redis.observe(&result);
        let (waiting, admitted, active, soldout) = result?;
        Ok((waiting, admitted.unwrap_or(0), active, soldout > 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(seq: i64, admitted: i64, apm: i64) -> Standing {
        Standing {
            status: Status::Waiting,
            seq,
            admitted,
            pass_expires_at_ms: 0,
            admit_per_minute: apm,
        }
    }

    #[test]
    fn position_and_eta_are_arithmetic_on_sequences() {
        let s = waiting(1_250, 1_000, 600);
        assert_eq!(s.position(), 250);
        assert_eq!(s.estimated_wait_seconds(), 25);
        assert_eq!(s.poll_after_ms(), 2_500);
        assert_eq!(waiting(1_001, 1_000, 600).poll_after_ms(), 1_000);
        assert_eq!(waiting(100_000, 0, 60).poll_after_ms(), 15_000);
    }

    #[test]
    fn admitted_users_have_no_position() {
        let s = Standing {
            status: Status::Admitted,
            ..waiting(5, 10, 60)
        };
        assert_eq!(s.position(), 0);
        assert_eq!(s.poll_after_ms(), 0);
    }
}
