//! The DPoP proof ids core-api has seen on holds with a bound pass, each kept a short while
//! (`queue:{perf:ID}:dpop-core:<hash>`, SET NX PX) so a proof replayed straight to core-api is
//! refused. The gateway keeps its own markers (`…:dpop:…`): each refuses a replay by itself.

use fred::prelude::*;
use holdfast_contract::{dpop, keys};
use uuid::Uuid;

use crate::storage::redis::Redis;

#[derive(Clone)]
pub(crate) struct ProofIds {
    redis: Redis,
}

impl ProofIds {
    pub(crate) fn new(redis: Redis) -> Self {
        ProofIds { redis }
    }

    /// True the first time this proof is seen (within [`dpop::JTI_TTL_MS`]).
    pub(crate) async fn first_use(
        &self,
        performance_id: Uuid,
        proof: &dpop::Proof,
    ) -> Result<bool, Error> {
        let key = self.redis.key(&keys::queue_marker(
            performance_id,
            keys::Queue::DpopCore,
            &proof.replay_id(),
        ));
        let set: Option<String> = self
            .redis
            .client()
            .set(
                key,
                1,
                Some(Expiration::PX(dpop::JTI_TTL_MS)),
                Some(SetOptions::NX),
                false,
            )
            .await?;
        Ok(set.is_some())
    }
}
