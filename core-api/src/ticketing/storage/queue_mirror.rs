//! The waiting room's view of Postgres, mirrored into Redis for the gateway:
//! `queue:{perf:ID}:config` (hash: enabled, admitPerMinute, maxActive, maxQueueLength,
//! saleOpensAtMs, prequeueMinutes, abandonAfterPolls, passUnusedSeconds, powBits, bindPasses),
//! `queue:{perf:ID}:soldout` (present when no seat is AVAILABLE) and the index set
//! `queue:performances` of performances with a waiting room.
//!
//! The key names are `holdfast_contract::keys`, which the gateway reads them by. Every
//! performance core-api knows has a `config` hash (at least `known = 1`): the gateway
//! checks for it inside its dedupe script and keeps no state for performances without one.

use fred::prelude::*;
use holdfast_contract::keys::{self, config_field};
use uuid::Uuid;

use crate::storage::redis::Redis;
use crate::ticketing::storage::queue_settings::QueueSettingsRow;

#[derive(Clone)]
pub(crate) struct QueueMirror {
    redis: Redis,
}

impl QueueMirror {
    pub(crate) fn new(redis: Redis) -> Self {
        QueueMirror { redis }
    }

    fn key(&self, performance_id: Uuid, key: keys::Queue) -> String {
        self.redis.key(&keys::queue(performance_id, key))
    }

    fn index(&self) -> String {
        self.redis.key(keys::QUEUE_INDEX)
    }

    /// Writes one performance's settings and sold-out flag.
    pub(crate) async fn publish(&self, row: &QueueSettingsRow) -> Result<(), Error> {
        let client = self.redis.client();
        let config: Vec<(&str, String)> = vec![
            (
                config_field::ENABLED,
                if row.queue_enabled { "1" } else { "0" }.to_owned(),
            ),
            (
                config_field::ADMIT_PER_MINUTE,
                row.queue_admit_per_minute.to_string(),
            ),
            (config_field::MAX_ACTIVE, row.queue_max_active.to_string()),
            (
                config_field::MAX_QUEUE_LENGTH,
                row.queue_max_length.to_string(),
            ),
            (
                config_field::SALE_OPENS_AT_MS,
                row.sale_opens_at_ms.to_string(),
            ),
            (
                config_field::PREQUEUE_MINUTES,
                row.queue_prequeue_minutes.to_string(),
            ),
            (
                config_field::ABANDON_AFTER_POLLS,
                row.queue_abandon_after_polls.to_string(),
            ),
            (
                config_field::PASS_UNUSED_SECONDS,
                row.queue_pass_unused_seconds.to_string(),
            ),
            (config_field::POW_BITS, row.queue_pow_bits.to_string()),
            (
                config_field::BIND_PASSES,
                if row.queue_bind_passes { "1" } else { "0" }.to_owned(),
            ),
        ];
        let () = client
            .hset(self.key(row.id, keys::Queue::Config), config)
            .await?;
        self.set_sold_out(row.id, row.sold_out).await?;
        if row.queue_enabled {
            let _: i64 = client.sadd(self.index(), row.id.to_string()).await?;
        } else {
            let _: i64 = client.srem(self.index(), row.id.to_string()).await?;
        }
        Ok(())
    }

    /// Writes how many seats are left and how many a buyer takes on average.
    pub(crate) async fn publish_supply(
        &self,
        performance_id: Uuid,
        seats_left: i64,
        seats_per_buyer: f64,
    ) -> Result<(), Error> {
        let fields: Vec<(&str, String)> = vec![
            (config_field::SEATS_LEFT, seats_left.to_string()),
            (
                config_field::SEATS_PER_BUYER,
                format!("{seats_per_buyer:.3}"),
            ),
        ];
        self.redis
            .client()
            .hset(self.key(performance_id, keys::Queue::Config), fields)
            .await
    }

    /// Marks performances as known to the gateway (`known = 1` in their `config` hash), in
    /// pipelined batches; other fields of the hash are left as they are.
    pub(crate) async fn mark_known(&self, performance_ids: &[Uuid]) -> Result<(), Error> {
        for batch in performance_ids.chunks(1_000) {
            let pipeline = self.redis.client().pipeline();
            for id in batch {
                let () = pipeline
                    .hset(
                        self.key(*id, keys::Queue::Config),
                        (config_field::KNOWN, "1"),
                    )
                    .await?;
            }
            let _: Vec<Value> = pipeline.all().await?;
        }
        Ok(())
    }

    pub(crate) async fn set_sold_out(
        &self,
        performance_id: Uuid,
        sold_out: bool,
    ) -> Result<(), Error> {
        let key = self.key(performance_id, keys::Queue::SoldOut);
        if sold_out {
            let () = self.redis.client().set(key, 1, None, None, false).await?;
        } else {
            let _: i64 = self.redis.client().del(key).await?;
        }
        Ok(())
    }

    /// Drops index entries of performances that no longer have a waiting room.
    pub(crate) async fn retain(&self, queued: &[Uuid]) -> Result<(), Error> {
        let client = self.redis.client();
        let members: Vec<String> = client.smembers(self.index()).await?;
        for member in members {
            let keep = member.parse::<Uuid>().is_ok_and(|id| queued.contains(&id));
            if !keep {
                let _: i64 = client.srem(self.index(), member.clone()).await?;
                if let Ok(id) = member.parse::<Uuid>() {
                    let () = client
                        .hset(
                            self.key(id, keys::Queue::Config),
                            (config_field::ENABLED, "0"),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }
}
