//! The waiting room's Redis side of bot friction: how many are in line (the proof-of-work
//! difficulty), and the single-use markers of redeemed puzzles and seen DPoP proofs
//! (`queue:{perf:ID}:pow:<mac>`, `queue:{perf:ID}:dpop:<hash>`, `SET NX PX`).

use fred::prelude::*;
use holdfast_contract::keys::Queue as Key;
use uuid::Uuid;

use super::queue::Queue;

impl Queue {
    /// People in line now, counting the pre-queue before the open (three reads, no write).
    pub async fn in_line(&self, perf: Uuid) -> Result<i64, Error> {
        let client = self.redis.client();
        type Counts = (Option<i64>, Option<i64>, Option<String>, i64);
        let result: Result<Counts, Error> = async {
            Ok((
                client.get(self.k(perf, Key::Seq)).await?,
                client.get(self.k(perf, Key::Admitted)).await?,
                client.hget(self.k(perf, Key::Fairness), "sealed").await?,
                client.hlen(self.k(perf, Key::Prequeue)).await?,
            ))
        }
        .await;
        self.redis.observe(&result);
        let (seq, admitted, sealed, prequeue) = result?;
        let waiting = (seq.unwrap_or(0) - admitted.unwrap_or(0)).max(0);
        // After the open the pre-queue is numbered into `seq` already.
        Ok(waiting
            + if sealed.as_deref() == Some("1") {
                0
            } else {
                prequeue
            })
    }

    /// Marks a solved challenge used; false when it was used already. The marker lives until
    /// the challenge expires (`SET NX PX`).
    pub async fn redeem_pow(
        &self,
        perf: Uuid,
        id: &str,
        expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<bool, Error> {
        self.first_marker(perf, Key::Pow, id, (expires_at_ms - now_ms).max(1))
            .await
    }

    /// Marks a DPoP proof seen; false when it was seen already.
    pub async fn first_proof_use(&self, perf: Uuid, replay_id: &str) -> Result<bool, Error> {
        self.first_marker(
            perf,
            Key::Dpop,
            replay_id,
            holdfast_contract::dpop::JTI_TTL_MS,
        )
        .await
    }

    async fn first_marker(
        &self,
        perf: Uuid,
        key: Key,
        id: &str,
        ttl_ms: i64,
    ) -> Result<bool, Error> {
        let marker = self
            .redis
            .key(&holdfast_contract::keys::queue_marker(perf, key, id));
        let result: Result<Option<String>, Error> = self
            .redis
            .client()
            .set(
                marker,
                1,
                Some(Expiration::PX(ttl_ms)),
                Some(SetOptions::NX),
                false,
            )
            .await;
        self.redis.observe(&result);
        Ok(result?.is_some())
    }
}
