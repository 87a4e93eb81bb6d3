//! Local rate limits (governor, GCRA): one budget per client IP and one per user. No Redis:
//! they keep working when Redis is down, and each gateway instance counts on its own.

use std::{net::IpAddr, num::NonZeroU32};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::keyed::DefaultKeyedStateStore,
};
use uuid::Uuid;

use crate::{config::Config, error::Error};

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// What is left of the tighter of the budgets that applied, for the `RateLimit-*` headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
}

pub struct RateLimits {
    per_ip: Keyed<IpAddr>,
    per_user: Keyed<Uuid>,
    ip_burst: u32,
    user_burst: u32,
    clock: DefaultClock,
}

fn quota(per_sec: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(per_sec).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(burst)
}

impl RateLimits {
    pub fn new(config: &Config) -> Self {
        RateLimits {
            per_ip: RateLimiter::keyed(quota(config.rate_per_ip_per_sec, config.rate_per_ip_burst))
                .with_middleware::<StateInformationMiddleware>(),
            per_user: RateLimiter::keyed(quota(
                config.rate_per_user_per_sec,
                config.rate_per_user_burst,
            ))
            .with_middleware::<StateInformationMiddleware>(),
            ip_burst: config.rate_per_ip_burst,
            user_burst: config.rate_per_user_burst,
            clock: DefaultClock::default(),
        }
    }

    /// Spends one request from the IP's budget and, for a signed-in caller, the user's.
    pub fn check(&self, ip: IpAddr, user: Option<Uuid>) -> Result<Allowance, Error> {
        let ip_left = self.spend(&self.per_ip, &ip, "ip")?;
        let mut allowance = Allowance {
            limit: self.ip_burst,
            remaining: ip_left,
        };
        if let Some(user) = user {
            let user_left = self.spend(&self.per_user, &user, "user")?;
            if user_left < allowance.remaining {
                allowance = Allowance {
                    limit: self.user_burst,
                    remaining: user_left,
                };
            }
        }
        Ok(allowance)
    }

    fn spend<K: Clone + std::hash::Hash + Eq>(
        &self,
        limiter: &Keyed<K>,
        key: &K,
        scope: &'static str,
    ) -> Result<u32, Error> {
        match limiter.check_key(key) {
            Ok(snapshot) => Ok(snapshot.remaining_burst_capacity()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Err(Error::RateLimited {
                    retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                    scope,
                })
            }
        }
    }

    /// Forgets keys whose budget is full again, so memory follows the active clients.
    pub fn housekeeping(&self) {
        self.per_ip.retain_recent();
        self.per_user.retain_recent();
        self.per_ip.shrink_to_fit();
        self.per_user.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn limits(per_sec: &str, burst: &str) -> RateLimits {
        let secret = holdfast_contract::testing::random_secret();
        let vars: HashMap<String, String> = [
            ("GATEWAY_JWT_SECRET", secret.as_str()),
            ("GATEWAY_QUEUE_PASS_SECRET", secret.as_str()),
            ("GATEWAY_RATE_PER_USER_PER_SEC", per_sec),
            ("GATEWAY_RATE_PER_USER_BURST", burst),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        RateLimits::new(&Config::from_vars(vars).expect("config"))
    }

    #[test]
    fn a_user_over_the_burst_is_told_when_to_retry_and_others_are_not() {
        let limits = limits("1", "3");
        let ip: IpAddr = [10, 0, 0, 1].into();
        let (greedy, other) = (Uuid::new_v4(), Uuid::new_v4());
        for _ in 0..3 {
            limits.check(ip, Some(greedy)).expect("within burst");
        }
        let err = limits.check(ip, Some(greedy)).expect_err("over burst");
        assert!(
            matches!(
                err,
                Error::RateLimited {
                    retry_after_secs: 1,
                    scope: "user"
                }
            ),
            "{err:?}"
        );
        assert!(limits.check(ip, Some(other)).is_ok());
    }
}
