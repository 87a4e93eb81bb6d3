//! A circuit breaker for Redis on the hold path: after N consecutive connection failures it
//! opens and holds go to Postgres without waiting for Redis; after a cool-down one trial
//! request probes Redis again (half-open) and closes the breaker when it succeeds.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Closed,
    Open,
    HalfOpen,
}

impl State {
    /// Exported as `circuit_breaker_state`: 0 closed, 1 open, 2 half-open.
    pub(crate) fn as_gauge(self) -> f64 {
        match self {
            State::Closed => 0.0,
            State::Open => 1.0,
            State::HalfOpen => 2.0,
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: State,
    failures: u32,
    open_until: Instant,
}

#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    inner: Mutex<Inner>,
}

impl Breaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Self {
        let inner = Inner {
            state: State::Closed,
            failures: 0,
            open_until: Instant::now(),
        };
        // Export "closed" from the start, so dashboards and alerts see the series at once.
        publish(State::Closed);
        Breaker {
            threshold,
            cooldown,
            inner: Mutex::new(inner),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn state(&self) -> State {
        self.lock().state
    }

    /// Whether this request should try Redis. While open, only the first request after the
    /// cool-down does (as the half-open trial).
    pub(crate) fn allow(&self, now: Instant) -> bool {
        let mut inner = self.lock();
        match inner.state {
            State::Closed => true,
            State::Open if now >= inner.open_until => {
                inner.state = State::HalfOpen;
                publish(State::HalfOpen);
                true
            }
            State::Open | State::HalfOpen => false,
        }
    }

    pub(crate) fn on_success(&self) {
        let mut inner = self.lock();
        if inner.state != State::Closed {
            tracing::info!("redis answers again; hold path back on redis");
            publish(State::Closed);
        }
        inner.state = State::Closed;
        inner.failures = 0;
    }

    pub(crate) fn on_failure(&self, now: Instant) {
        let mut inner = self.lock();
        inner.failures += 1;
        if inner.state == State::HalfOpen || inner.failures >= self.threshold {
            if inner.state != State::Open {
                tracing::warn!(
                    failures = inner.failures,
                    "redis unreachable; hold path on postgres"
                );
            }
            inner.state = State::Open;
            inner.open_until = now + self.cooldown;
            publish(State::Open);
        }
    }
}

fn publish(state: State) {
    metrics::gauge!("circuit_breaker_state", "dependency" => "redis").set(state.as_gauge());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_closes_after_a_good_trial() {
        let breaker = Breaker::new(3, Duration::from_secs(2));
        let t0 = Instant::now();
        for _ in 0..2 {
            breaker.on_failure(t0);
        }
        assert!(breaker.allow(t0), "still closed below the threshold");
        breaker.on_failure(t0);
        assert_eq!(breaker.state(), State::Open);
        assert!(
            !breaker.allow(t0 + Duration::from_secs(1)),
            "open during the cool-down"
        );
        assert!(
            breaker.allow(t0 + Duration::from_secs(2)),
            "one trial after the cool-down"
        );
        assert!(
            !breaker.allow(t0 + Duration::from_secs(2)),
            "only one trial at a time"
        );
        breaker.on_success();
        assert_eq!(breaker.state(), State::Closed);
    }

    #[test]
    fn a_failed_trial_opens_it_again() {
        let breaker = Breaker::new(1, Duration::from_secs(2));
        let t0 = Instant::now();
        breaker.on_failure(t0);
        assert!(breaker.allow(t0 + Duration::from_secs(3)));
        breaker.on_failure(t0 + Duration::from_secs(3));
        assert_eq!(breaker.state(), State::Open);
        assert!(!breaker.allow(t0 + Duration::from_secs(4)));
    }
}
