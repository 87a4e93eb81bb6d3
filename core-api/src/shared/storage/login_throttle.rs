//! Per-account login throttling: failures counted per e-mail (hashed, so no address sits in
//! Redis), and a lock with an exponentially growing TTL once they pass the threshold. Both
//! keys expire by themselves.

use std::{sync::LazyLock, time::Duration};

use fred::{prelude::*, types::scripts::Script};
use sha2::{Digest, Sha256};

use crate::storage::redis::Redis;

static FAILURE: LazyLock<Script> =
    LazyLock::new(|| Script::from_lua(include_str!("../../../../redis/login_failure.lua")));

#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    pub(crate) max_failures: u32,
    pub(crate) first_delay: Duration,
    pub(crate) max_delay: Duration,
    /// How long failures are remembered after the last one (plus any lock).
    pub(crate) window: Duration,
}

#[derive(Clone)]
pub(crate) struct LoginThrottle {
    redis: Redis,
    backoff: Backoff,
}

impl LoginThrottle {
    pub(crate) fn new(redis: Redis, backoff: Backoff) -> Self {
        LoginThrottle { redis, backoff }
    }

    fn keys(&self, email: &str) -> (String, String) {
        let digest = Sha256::digest(email.as_bytes());
        let tag: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        (
            self.redis.key(&format!("{{login:{tag}}}:fails")),
            self.redis.key(&format!("{{login:{tag}}}:lock")),
        )
    }

    /// A connected client, or an error at once: with Redis down the caller goes on without
    /// throttling instead of waiting out a command timeout on every login.
    fn client(&self) -> Result<&Client, Error> {
        let client = self.redis.client();
        if client.is_connected() {
            Ok(client)
        } else {
            Err(Error::new(ErrorKind::IO, "redis is not connected"))
        }
    }

    /// How long this e-mail must still wait before its next attempt, if it is locked.
    pub(crate) async fn locked_for(&self, email: &str) -> Result<Option<Duration>, Error> {
        let (_, lock) = self.keys(email);
        let ttl_ms: i64 = self.client()?.pttl(lock).await?;
        Ok((ttl_ms > 0).then(|| Duration::from_millis(ttl_ms as u64)))
    }

    /// Counts a failure; returns the lock it imposed, if any.
    pub(crate) async fn failed(&self, email: &str) -> Result<Option<Duration>, Error> {
        let (fails, lock) = self.keys(email);
        let b = self.backoff;
        let delay_ms: i64 = FAILURE
            .evalsha_with_reload(
                self.client()?,
                vec![fails, lock],
                vec![
                    i64::from(b.max_failures),
                    b.first_delay.as_millis() as i64,
                    b.max_delay.as_millis() as i64,
                    b.window.as_millis() as i64,
                ],
            )
            .await?;
        Ok((delay_ms > 0).then(|| Duration::from_millis(delay_ms as u64)))
    }

    /// A successful login forgets the failures.
    pub(crate) async fn succeeded(&self, email: &str) -> Result<(), Error> {
        let (fails, lock) = self.keys(email);
        self.client()?.del::<(), _>(vec![fails, lock]).await
    }
}
