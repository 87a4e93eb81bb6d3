//! Bot friction in the waiting room, when the performance asks for it:
//!
//! - `POST /api/v1/queue/{performanceId}/challenge` hands out a signed proof-of-work challenge
//!   (no Redis write; one read of the line's length sets the difficulty), and a join must
//!   send its solution (`{"pow": {"challenge", "nonce"}}`), redeemed once (`powBits` > 0);
//! - a join sends the client's public key (`{"jwk": {...}}`, ECDSA P-256) and the passes it
//!   gets name the key's thumbprint (`bindPasses`); every hold with such a pass carries a
//!   `DPoP` proof signed with the key, checked here and refused when replayed.
//!
//! Every check that needs no Redis runs first, so a bad request writes nothing.

use holdfast_contract::dpop;
use http::StatusCode;
use jsonwebtoken::jwk::Jwk;
use pingora::proxy::Session;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Gateway, ctx::Ctx, pipeline::read_small_body, respond};
use crate::{
    admission::{pow, queue::Settings},
    error::{Error, Result, data_body},
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Solution {
    challenge: String,
    nonce: String,
}

/// The optional body of a join.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JoinBody {
    pow: Option<Solution>,
    jwk: Option<serde_json::Value>,
}

fn challenge_url(perf: Uuid) -> String {
    format!("/api/v1/queue/{perf}/challenge")
}

impl Gateway {
    /// A challenge for the caller, at the difficulty the line asks for now.
    pub(super) async fn queue_challenge(
        &self,
        session: &mut Session,
        ctx: &Ctx,
        perf: Uuid,
    ) -> Result<()> {
        let user = ctx
            .identity
            .ok_or(Error::Unauthenticated("an access token is required"))?
            .user_id;
        let settings = self.queue.settings(perf).unwrap_or_default();
        let required = settings.enabled && settings.pow_bits > 0;
        let in_line = if required {
            self.queue.in_line(perf).await.map_err(|e| {
                tracing::warn!(error = %e, "waiting room unavailable: Redis call failed");
                self.metrics.redis_fallback("queue", "closed");
                Error::Dependency {
                    dependency: "redis",
                }
            })?
        } else {
            0
        };
        let bits = pow::difficulty(settings.pow_bits, in_line, settings.max_queue_length);
        let challenge = self.pow.issue(perf, user, bits, self.clock.now_ms());
        let data = json!({
            "performanceId": perf,
            "required": required,
            "challenge": challenge.text,
            "difficulty": challenge.bits,
            "algorithm": "SHA-256",
            "expiresAt": challenge.expires_at_ms / 1000,
            "peopleInLine": in_line,
        });
        respond::json(session, ctx, StatusCode::OK, data_body(data), None)
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing response: {e}")))
    }

    /// Checks what a join must bring on this performance: the proof-of-work solution (then
    /// redeemed) and the client's key. Returns the key's thumbprint when passes are bound.
    pub(super) async fn join_friction(
        &self,
        session: &mut Session,
        user: Uuid,
        perf: Uuid,
        settings: &Settings,
    ) -> Result<Option<String>> {
        let body = read_small_body(session, self.config.max_body_bytes).await?;
        let body: JoinBody = match body.as_deref() {
            None => JoinBody::default(),
            Some(bytes) => serde_json::from_slice(bytes).map_err(|e| Error::Validation {
                field: "body",
                message: format!("expected {{pow?: {{challenge, nonce}}, jwk?}}: {e}"),
            })?,
        };
        let jkt = match (&body.jwk, settings.bind_passes) {
            (Some(jwk), true) => Some(thumbprint(jwk)?),
            (None, true) => {
                return Err(Error::Validation {
                    field: "jwk",
                    message: "this waiting room binds passes to a key: send your ECDSA P-256 public key as jwk".to_owned(),
                });
            }
            // A key sent to a line that does not bind passes is ignored.
            (_, false) => None,
        };
        if settings.pow_bits > 0 {
            let Some(solution) = body.pow else {
                return Err(Error::PowRequired {
                    challenge_url: challenge_url(perf),
                });
            };
            let now = self.clock.now_ms();
            let solved = self
                .pow
                .check(&solution.challenge, &solution.nonce, perf, user, now)
                .map_err(Error::PowInvalid)?;
            let first = self
                .queue
                .redeem_pow(perf, &solved.id, solved.expires_at_ms, now)
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "waiting room unavailable: Redis call failed");
                    self.metrics.redis_fallback("queue", "closed");
                    Error::Dependency {
                        dependency: "redis",
                    }
                })?;
            if !first {
                return Err(Error::PowInvalid(pow::Refusal::Used));
            }
        }
        Ok(jkt)
    }

    /// A request gated by a pass bound to `jkt` must carry a fresh proof signed with that key,
    /// made for this method and path, and not seen before.
    pub(super) async fn proof_of_possession(
        &self,
        session: &Session,
        perf: Uuid,
        jkt: &str,
        method: &str,
        path: &str,
    ) -> Result<()> {
        let proof = session
            .req_header()
            .headers
            .get(dpop::HEADER)
            .and_then(|v| v.to_str().ok());
        let now_secs = self.clock.now_ms() / 1000;
        let proof = dpop::verify_bound(proof, jkt, method, path, now_secs)
            .map_err(Error::DpopProofInvalid)?;
        match self.queue.first_proof_use(perf, &proof.replay_id()).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::DpopProofInvalid(dpop::Refusal::Replayed)),
            // The duplicate check that follows needs Redis too and applies the configured
            // fail mode; core-api checks the proof again.
            Err(e) => {
                tracing::debug!(error = %e, "DPoP replay check skipped: Redis call failed");
                Ok(())
            }
        }
    }
}

/// The RFC 7638 thumbprint of the client's public key, or a validation error.
fn thumbprint(jwk: &serde_json::Value) -> Result<String> {
    serde_json::from_value::<Jwk>(jwk.clone())
        .ok()
        .as_ref()
        .and_then(dpop::thumbprint)
        .ok_or_else(|| Error::Validation {
            field: "jwk",
            message: "must be an ECDSA P-256 public key in JWK form ({kty: EC, crv: P-256, x, y})"
                .to_owned(),
        })
}
