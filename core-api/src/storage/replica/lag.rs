//! The lag arithmetic: from the primary's WAL position and what the replica has replayed to
//! a lag in bytes and time.

use std::time::{Duration, Instant};

use sea_orm::FromQueryResult;

/// What the replica said in one measurement.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct ReplicaSample {
    pub(crate) in_recovery: bool,
    /// WAL replayed so far, in bytes from the start.
    pub(crate) replay_lsn: Option<i64>,
    /// How long ago the last replayed transaction committed on the primary.
    pub(crate) replay_age_ms: Option<f64>,
}

/// How far behind the primary the replica is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lag {
    pub(crate) bytes: u64,
    pub(crate) behind: Duration,
}

/// Turns LSNs and replay times into a lag, remembering when the replica was last caught up.
///
/// Either of two upper bounds gives the time lag, and the smaller one is used:
/// - the age of the last replayed commit (`now() - pg_last_xact_replay_timestamp()`): exact
///   under a steady stream of writes, but after a quiet hour it is an hour old while the
///   replica may be missing only the one write made a moment ago;
/// - the time since a measurement last found the replica caught up (replayed at least the
///   primary's position sampled just before): everything committed before that instant is on
///   the replica, so it is at most that far behind, to within one check.
///
/// With nothing to replay the lag is zero however old the last replayed commit is (the idle
/// case).
#[derive(Default)]
pub(crate) struct LagTracker {
    caught_up_at: Option<Instant>,
}

impl LagTracker {
    /// `primary_lsn` was read at `primary_at`, just before the replica was asked; `None`
    /// when the lag cannot be known.
    pub(crate) fn measure(
        &mut self,
        primary_lsn: Option<i64>,
        primary_at: Instant,
        replica: &ReplicaSample,
        now: Instant,
    ) -> Option<Lag> {
        let (primary, replayed) = (primary_lsn?, replica.replay_lsn?);
        if replayed >= primary {
            self.caught_up_at = Some(primary_at);
            return Some(Lag {
                bytes: 0,
                behind: Duration::ZERO,
            });
        }
        let by_commit = replica
            .replay_age_ms
            .map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0));
        let by_catch_up = self.caught_up_at.map(|t| now.saturating_duration_since(t));
        let behind = match (by_commit, by_catch_up) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(Lag {
            bytes: u64::try_from(primary - replayed).unwrap_or(0),
            behind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(replay_lsn: i64, replay_age_ms: Option<f64>) -> ReplicaSample {
        ReplicaSample {
            in_recovery: true,
            replay_lsn: Some(replay_lsn),
            replay_age_ms,
        }
    }

    #[test]
    fn a_caught_up_replica_has_no_lag_however_old_its_last_replayed_commit() {
        let mut tracker = LagTracker::default();
        let now = Instant::now();
        let idle_for_an_hour = replica(500, Some(3_600_000.0));
        let lag = tracker.measure(Some(500), now, &idle_for_an_hour, now);
        assert_eq!(
            lag,
            Some(Lag {
                bytes: 0,
                behind: Duration::ZERO
            })
        );
    }

    #[test]
    fn after_a_quiet_spell_the_lag_counts_from_the_last_catch_up_not_the_last_commit() {
        let mut tracker = LagTracker::default();
        let start = Instant::now();
        tracker.measure(Some(500), start, &replica(500, Some(3_600_000.0)), start);
        // One write on the primary that the replica has not replayed yet.
        let later = start + Duration::from_secs(2);
        let lag = tracker
            .measure(Some(900), later, &replica(500, Some(3_602_000.0)), later)
            .expect("known");
        assert_eq!(lag.bytes, 400);
        assert_eq!(lag.behind, Duration::from_secs(2));
    }

    #[test]
    fn under_steady_writes_the_age_of_the_last_replayed_commit_bounds_the_lag() {
        let mut tracker = LagTracker::default();
        let start = Instant::now();
        tracker.measure(Some(500), start, &replica(500, None), start);
        // Never caught up again for a minute, but replaying commits 300 ms old.
        let later = start + Duration::from_secs(60);
        let lag = tracker
            .measure(Some(90_000), later, &replica(89_000, Some(300.0)), later)
            .expect("known");
        assert_eq!(lag.behind, Duration::from_millis(300));
    }

    #[test]
    fn without_the_primary_or_any_bound_the_lag_is_unknown() {
        let mut tracker = LagTracker::default();
        let now = Instant::now();
        assert_eq!(
            tracker.measure(None, now, &replica(500, Some(1.0)), now),
            None
        );
        // Behind, never seen caught up, no replayed commit yet.
        assert_eq!(
            tracker.measure(Some(900), now, &replica(500, None), now),
            None
        );
    }
}
