//! The pre-queue at the sale's open: the admission leader draws its order from the committed
//! seed (`fairness::order`) and writes every place, and the published fairness data anyone can
//! recompute that order from.

use std::collections::HashMap;

use fred::{prelude::*, types::sorted_sets::Ordering as ZOrdering};
use holdfast_contract::keys::Queue as Key;
use serde_json::{Value as Json, json};
use uuid::Uuid;

use super::{fairness, queue::Queue, standing::POLL_LONGEST_MS};

/// Commands per pipelined batch while writing the order.
const BATCH: usize = 1_000;
/// Most token hashes one page of the fairness data carries.
pub const PAGE_MAX: i64 = 100_000;

impl Queue {
    /// Writes the sealed pre-queue's order: place `i` (1-based) is the `i`-th token hash
    /// under the seed. Idempotent (the same writes each time), so a change of leader half way
    /// simply writes it again. Every pre-queue member gets a fresh abandonment deadline from
    /// now: nobody is dropped for not polling while the order was being drawn.
    /// Returns how many places were written.
    pub async fn order_prequeue(
        &self,
        perf: Uuid,
        now_ms: i64,
        abandon_after_polls: i64,
    ) -> Result<usize, Error> {
        let result = self.write_order(perf, now_ms, abandon_after_polls).await;
        self.redis.observe(&result);
        result
    }

    async fn write_order(
        &self,
        perf: Uuid,
        now_ms: i64,
        abandon_after_polls: i64,
    ) -> Result<usize, Error> {
        let client = self.redis.client();
        let fairness_key = self.k(perf, Key::Fairness);
        let seed: Option<String> = client.hget(&fairness_key, "seed").await?;
        let seed = seed.ok_or_else(|| {
            Error::new(ErrorKind::NotFound, "the pre-queue has members but no seed")
        })?;
        let tokens: HashMap<String, String> = client.hgetall(self.k(perf, Key::Prequeue)).await?;
        let (users, hashes): (Vec<&String>, Vec<String>) = tokens
            .iter()
            .map(|(user, token)| (user, fairness::sha256_hex(token)))
            .unzip();
        let order = fairness::order(&seed, &hashes);
        let deadline = (now_ms + abandon_after_polls.max(1) * POLL_LONGEST_MS) as f64;
        let (members, by_seq, seen) = (
            self.k(perf, Key::Members),
            self.k(perf, Key::Order),
            self.k(perf, Key::Seen),
        );
        for (chunk_no, chunk) in order.chunks(BATCH).enumerate() {
            let pipeline = client.pipeline();
            for (i, index) in chunk.iter().enumerate() {
                let place = (chunk_no * BATCH + i + 1) as i64;
                let user = users[*index].as_str();
                let () = pipeline.hset(&members, (user, place)).await?;
                let () = pipeline.hset(&by_seq, (place, user)).await?;
                let () = pipeline
                    .zadd(
                        &seen,
                        None,
                        Some(ZOrdering::GreaterThan),
                        false,
                        false,
                        (deadline, user),
                    )
                    .await?;
            }
            let _: Vec<Value> = pipeline.all().await?;
        }
        let () = client.hset(&fairness_key, ("ordered", "1")).await?;
        Ok(order.len())
    }

    /// The published fairness data: the seed's hash (from the pre-queue's open), the seed
    /// (from the sale's open), and one page of the pre-queue's token hashes in join order.
    pub async fn fairness_view(&self, perf: Uuid, offset: i64, limit: i64) -> Result<Json, Error> {
        let result = self.read_fairness(perf, offset, limit).await;
        self.redis.observe(&result);
        result
    }

    async fn read_fairness(&self, perf: Uuid, offset: i64, limit: i64) -> Result<Json, Error> {
        let client = self.redis.client();
        let fields: (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = client
            .hmget(
                self.k(perf, Key::Fairness),
                vec!["seed", "seedHash", "sealed", "ordered"],
            )
            .await?;
        let (seed, seed_hash, sealed, ordered) = fields;
        let sealed = sealed.as_deref() == Some("1");
        let list = self.k(perf, Key::PrequeueHashes);
        let total: i64 = client.llen(&list).await?;
        let limit = limit.clamp(0, PAGE_MAX);
        let hashes: Vec<String> = if limit == 0 {
            Vec::new()
        } else {
            client.lrange(&list, offset, offset + limit - 1).await?
        };
        let settings = self.settings(perf).unwrap_or_default();
        Ok(json!({
            "performanceId": perf,
            "prequeueOpensAt": settings.prequeue_opens_at_ms() / 1000,
            "saleOpensAt": settings.sale_opens_at_ms / 1000,
            "seedHash": seed_hash,
            "seed": if sealed { seed } else { None },
            "sealed": sealed,
            "ordered": ordered.as_deref() == Some("1"),
            "joinTokenHashesTotal": total,
            "offset": offset,
            "joinTokenHashes": hashes,
            "algorithm": fairness::ALGORITHM,
        }))
    }
}
