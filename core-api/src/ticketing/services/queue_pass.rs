//! Waiting-room passes, checked again by core-api: a hold on a performance with its waiting
//! room on needs a `Queue-Token` pass, signed by the gateway with the shared secret
//! (`CORE_QUEUE_PASS_SECRET`), bound to the caller and that performance, unexpired.
//! Without it: 403 `QUEUE_PASS_REQUIRED` — also for requests sent straight to core-api.
//!
//! A pass bound to the client's key (`cnf.jkt`, the performance's `bindPasses`) also needs a
//! `DPoP` proof signed with that key, made for this request, fresh and not seen before
//! (`holdfast_contract::dpop`); otherwise 403 `DPOP_PROOF_INVALID`.

use std::sync::Arc;

use holdfast_contract::{clock::Clock, dpop, queue_pass::PassKeys};
pub(crate) use holdfast_contract::{dpop::HEADER as DPOP_HEADER, queue_pass::HEADER};
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
    ticketing::storage::proof_ids::ProofIds,
};
use crate::{shared::services::auth::Caller, ticketing::services::rules::RulesCache};

/// What a request the pass gates carries: the pass, the proof, and what the proof must match.
pub(crate) struct Presented<'a> {
    pub(crate) pass: Option<&'a str>,
    pub(crate) proof: Option<&'a str>,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
}

#[derive(Clone)]
pub(crate) struct QueuePassCheck {
    /// The same keys the gateway signs passes with (`holdfast_contract::queue_pass`); `None`
    /// while no secret is configured.
    keys: Option<PassKeys>,
    /// "Is this performance queued?" comes from the per-instance rules cache: a flash crowd
    /// of holds costs one lookup per performance per second, not one per hold.
    rules: RulesCache,
    proof_ids: ProofIds,
    clock: Arc<dyn Clock>,
}

impl QueuePassCheck {
    pub(crate) fn new(
        config: &Config,
        rules: RulesCache,
        proof_ids: ProofIds,
        clock: Arc<dyn Clock>,
    ) -> Self {
        if config.queue_pass_secret.is_none() {
            tracing::warn!(
                "CORE_QUEUE_PASS_SECRET is unset: holds on queued performances will be refused"
            );
        }
        QueuePassCheck {
            keys: config.queue_pass_secret.as_deref().map(PassKeys::new),
            rules,
            proof_ids,
            clock,
        }
    }

    /// The key the caller's pass is bound to (`Some(None)`: unbound), if the pass is valid.
    fn binding(&self, token: &str, caller: Caller, performance_id: Uuid) -> Option<Option<String>> {
        self.keys
            .as_ref()
            .and_then(|keys| keys.pass_binding(token, caller.user_id, performance_id))
    }

    /// Ok when the performance has no waiting room (or is unknown: the hold path answers 404),
    /// or when the request carries a live pass of the caller for it — with, for a bound pass,
    /// a fresh proof signed by the pass's key.
    pub(crate) async fn check(
        &self,
        caller: Caller,
        performance_id: Uuid,
        presented: Presented<'_>,
    ) -> Result<()> {
        let binding = presented
            .pass
            .and_then(|token| self.binding(token, caller, performance_id));
        match binding {
            Some(None) => return Ok(()),
            Some(Some(jkt)) => return self.proven(performance_id, &jkt, &presented).await,
            None => {}
        }
        match self.rules.get(performance_id).await? {
            Some(rules) if rules.queue_enabled => Err(Error::QueuePassRequired),
            _ => Ok(()),
        }
    }

    async fn proven(&self, performance_id: Uuid, jkt: &str, p: &Presented<'_>) -> Result<()> {
        let now_secs = self.clock.now_ms() / 1000;
        let proof = dpop::verify_bound(p.proof, jkt, p.method, p.path, now_secs)
            .map_err(Error::DpopProofInvalid)?;
        match self.proof_ids.first_use(performance_id, &proof).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::DpopProofInvalid(dpop::Refusal::Replayed)),
            // The proof is signed by the pass's key and made for this request; the gateway
            // refused replays already. Without Redis the hold falls back to Postgres anyway.
            Err(e) => {
                tracing::warn!(error = %e, "DPoP replay check skipped: Redis call failed");
                Ok(())
            }
        }
    }
}
