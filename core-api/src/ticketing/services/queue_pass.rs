//! Waiting-room passes, checked again by core-api: a hold on a performance with its waiting
//! room on needs a `Queue-Token` pass, signed by the gateway with the shared secret
//! (`CORE_QUEUE_PASS_SECRET`), bound to the caller and that performance, unexpired.
//! Without it: 403 `QUEUE_PASS_REQUIRED` — also for requests sent straight to core-api.

pub(crate) use holdfast_contract::queue_pass::HEADER;
use holdfast_contract::queue_pass::PassKeys;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
};
use crate::{shared::services::auth::Caller, ticketing::services::rules::RulesCache};

#[derive(Clone)]
pub(crate) struct QueuePassCheck {
    /// The same keys the gateway signs passes with (`holdfast_contract::queue_pass`); `None`
    /// while no secret is configured.
    keys: Option<PassKeys>,
    /// "Is this performance queued?" comes from the per-instance rules cache: a flash crowd
    /// of holds costs one lookup per performance per second, not one per hold.
    rules: RulesCache,
}

impl QueuePassCheck {
    pub(crate) fn new(config: &Config, rules: RulesCache) -> Self {
        if config.queue_pass_secret.is_none() {
            tracing::warn!(
                "CORE_QUEUE_PASS_SECRET is unset: holds on queued performances will be refused"
            );
        }
        QueuePassCheck {
            keys: config.queue_pass_secret.as_deref().map(PassKeys::new),
            rules,
        }
    }

    fn valid(&self, token: &str, caller: Caller, performance_id: Uuid) -> bool {
        self.keys
            .as_ref()
            .is_some_and(|keys| keys.pass_is_valid(token, caller.user_id, performance_id))
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
