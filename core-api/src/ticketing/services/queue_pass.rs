//! Waiting-room passes, checked again by core-api: a hold on a performance with its waiting
//! room on needs a `Queue-Token` pass, signed by the gateway with the shared secret
//! (`CORE_QUEUE_PASS_SECRET`), bound to the caller and that performance, unexpired.
//! Without it: 403 `QUEUE_PASS_REQUIRED` — also for requests sent straight to core-api.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
};
use crate::{shared::services::auth::Caller, ticketing::services::rules::RulesCache};

pub(crate) const HEADER: &str = "queue-token";
const ISSUER: &str = "holdfast-gateway";
const AUDIENCE: &str = "holdfast-queue-pass";

#[derive(Deserialize)]
struct PassClaims {
    sub: Uuid,
    perf: Uuid,
}

#[derive(Clone)]
pub struct QueuePassCheck {
    key: Option<DecodingKey>,
    validation: Validation,
    /// "Is this performance queued?" comes from the per-instance rules cache: a flash crowd
    /// of holds costs one lookup per performance per second, not one per hold.
    rules: RulesCache,
}

impl QueuePassCheck {
    pub(crate) fn new(config: &Config, rules: RulesCache) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 2;
        if config.queue_pass_secret.is_none() {
            tracing::warn!(
                "CORE_QUEUE_PASS_SECRET is unset: holds on queued performances will be refused"
            );
        }
        QueuePassCheck {
            key: config
                .queue_pass_secret
                .as_ref()
                .map(|s| DecodingKey::from_secret(s.as_bytes())),
            validation,
            rules,
        }
    }

    fn valid(&self, token: &str, caller: Caller, performance_id: Uuid) -> bool {
        let Some(key) = &self.key else { return false };
        decode::<PassClaims>(token, key, &self.validation)
            .is_ok_and(|d| d.claims.sub == caller.user_id && d.claims.perf == performance_id)
    }

    /// Ok when the performance has no waiting room (or is unknown: the hold path answers 404),
    /// or when `token` is a live pass of the caller for it.
    pub(crate) async fn check(
        &self,
        caller: Caller,
        performance_id: Uuid,
        token: Option<&str>,
    ) -> Result<()> {
        if let Some(token) = token
            && self.valid(token, caller, performance_id)
        {
            return Ok(());
        }
        match self.rules.get(performance_id).await? {
            Some(rules) if rules.queue_enabled => Err(Error::QueuePassRequired),
            _ => Ok(()),
        }
    }
}
