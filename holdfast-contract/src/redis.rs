//! How both services connect to Redis: a small pool that starts while Redis is down, fails
//! commands fast instead of queueing them, never sends a command twice, and reconnects by
//! itself every 250 ms.

use std::time::Duration;

use fred::prelude::*;

/// Builds the pool and starts connecting in the background. Commands time out after
/// `timeout`; a script whose reply was lost is not re-sent, so the caller sees an error
/// (a 503, or the gateway's fail mode) instead of a second, ambiguous attempt.
pub fn pool(url: &str, timeout: Duration) -> Result<Pool, Error> {
    let config = Config {
        fail_fast: true,
        ..Config::from_url(url)?
    };
    let pool = Builder::from_config(config)
        .with_connection_config(|c| {
            c.connection_timeout = timeout;
            c.internal_command_timeout = timeout;
            c.max_command_attempts = 1;
        })
        .with_performance_config(|p| p.default_command_timeout = timeout)
        .set_policy(ReconnectPolicy::new_constant(0, 250))
        .build_pool(4)?;
    pool.connect_pool();
    Ok(pool)
}
