//! How both services connect to Redis: a small pool that starts while Redis is down, fails
//! commands fast instead of queueing them, never sends a command twice, and reconnects by
//! itself every 250 ms. The URL names a single server (`redis://`, `rediss://`) or a Redis
//! Cluster (`redis-cluster://host:port?node=host:port&...`, fred's form).

use std::time::Duration;

use fred::{prelude::*, types::config::ClusterDiscoveryPolicy};

/// Builds the pool and starts connecting in the background. Commands time out after
/// `timeout`; a script whose reply was lost is not re-sent, so the caller sees an error
/// (a 503, or the gateway's fail mode) instead of a second, ambiguous attempt.
///
/// On a cluster each client keeps a connection to every primary and routes each command by
/// its key's slot (keys of one performance share a slot, so each script runs on one node).
/// When a primary dies, commands for its slots fail until its replica has taken over and the
/// client has read the new slot table; a reconnect asks the nodes it last saw as well as
/// those in the URL, so a URL naming a node that has since died still finds the cluster.
pub fn pool(url: &str, timeout: Duration) -> Result<Pool, Error> {
    let mut config = Config {
        fail_fast: true,
        ..Config::from_url(url)?
    };
    if let ServerConfig::Clustered { policy, .. } = &mut config.server {
        *policy = ClusterDiscoveryPolicy::UseCache;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cluster_url_makes_a_clustered_pool() {
        let pool = pool(
            "redis-cluster://127.0.0.1:7000?node=127.0.0.1:7001&node=127.0.0.1:7002",
            Duration::from_millis(100),
        )
        .expect("a cluster URL");
        assert!(pool.next().is_clustered());
        let plain = super::pool("redis://127.0.0.1:6379", Duration::from_millis(100)).expect("url");
        assert!(!plain.next().is_clustered());
    }
}
