//! Cross-instance notices that an account changed (deactivated, new role, signed out
//! everywhere), over Redis pub/sub: each core-api instance drops its cached copy of that
//! account when it hears of it.

use std::time::Duration;

use fred::prelude::*;
use tokio::sync::watch;
use uuid::Uuid;

use crate::storage::redis::Redis;

/// What the listener reports to the cache it keeps fresh.
pub(crate) trait AccountNotices: Send + Sync + 'static {
    /// Subscribed (again): notices may have been missed before, so forget everything.
    fn subscribed(&self);
    /// The subscription is gone (connection lost); notices are not arriving.
    fn lost(&self);
    /// This account changed.
    fn changed(&self, user_id: Uuid);
}

#[derive(Clone)]
pub(crate) struct AccountEvents {
    redis: Redis,
    channel: String,
}

impl AccountEvents {
    pub(crate) fn new(redis: Redis) -> Self {
        let channel = redis.key("accounts:changed");
        AccountEvents { redis, channel }
    }

    pub(crate) async fn publish(&self, user_id: Uuid) -> Result<(), Error> {
        self.redis
            .client()
            .publish::<i64, _, _>(&self.channel, user_id.to_string())
            .await
            .map(|_| ())
    }

    /// Listens on a connection of its own (a subscribed connection can run no other
    /// command) until `stop` turns true. Re-subscribes after every reconnect; checks the
    /// connection every `check_every`, so a silent loss is noticed within that time.
    pub(crate) async fn listen(
        self,
        notices: impl AccountNotices,
        check_every: Duration,
        mut stop: watch::Receiver<bool>,
    ) {
        let client = self.redis.client().clone_new();
        let mut reconnects = client.reconnect_rx();
        let mut errors = client.error_rx();
        let mut messages = client.message_rx();
        let _connection = client.connect();
        let mut subscribed = false;
        let mut tick = tokio::time::interval(check_every);
        loop {
            tokio::select! {
                _ = async { stop.wait_for(|s| *s).await.map(|_| ()) } => break,
                // Also fired on the first connect. A new connection has no subscription yet.
                _ = reconnects.recv() => {
                    notices.lost();
                    subscribed = self.subscribe(&client, &notices).await;
                }
                _ = errors.recv() => {
                    subscribed = false;
                    notices.lost();
                }
                message = messages.recv() => match message {
                    Ok(message) => {
                        let id = message.value.as_str().and_then(|v| v.parse::<Uuid>().ok());
                        if let Some(id) = id {
                            notices.changed(id);
                        }
                    }
                    // Fell behind: some notices are gone, so start over.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => notices.subscribed(),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    if !client.is_connected() {
                        if subscribed {
                            tracing::warn!("account notices lost; cached accounts expire fast");
                        }
                        subscribed = false;
                        notices.lost();
                    } else if !subscribed {
                        subscribed = self.subscribe(&client, &notices).await;
                    }
                }
            }
        }
        let _ = client.quit().await;
    }

    async fn subscribe(&self, client: &Client, notices: &impl AccountNotices) -> bool {
        match client.subscribe(&self.channel).await {
            Ok(()) => {
                notices.subscribed();
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "account notices: subscribe failed; retrying");
                false
            }
        }
    }
}
