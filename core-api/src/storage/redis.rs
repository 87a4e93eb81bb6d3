//! The Redis connection pool, the key prefix every key starts with, and health checks.

use std::{sync::Arc, time::Duration};

use fred::prelude::*;

#[derive(Clone)]
pub struct Redis {
    pool: Pool,
    prefix: Arc<str>,
}

impl Redis {
    /// Builds the pool and starts connecting in the background: the service starts even while
    /// Redis is down, commands fail fast with an error (→ 503) and the pool reconnects by itself.
    pub(crate) fn connect(url: &str, prefix: &str, timeout: Duration) -> Result<Self, Error> {
        Ok(Redis {
            pool: holdfast_contract::redis::pool(url, timeout)?,
            prefix: prefix.into(),
        })
    }

    pub(crate) fn client(&self) -> &Client {
        self.pool.next()
    }

    /// Prefixes a key; tests give every app its own prefix so they can share one Redis.
    pub(crate) fn key(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    pub(crate) async fn ping(&self) -> Result<(), Error> {
        self.client().ping::<()>(None).await
    }
}
