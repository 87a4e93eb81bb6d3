//! Where a user stands in a waiting room, and the numbers the status answer gives them: the
//! place (never moving backwards), a wait range from the configured and the measured admission
//! rates, and a suggested poll interval with jitter so a crowd does not poll on one beat.

use rand::Rng;

/// Longest suggested poll interval before jitter (ms).
pub const POLL_MAX_MS: i64 = 15_000;
/// Jitter on the suggested poll interval: ±20 %.
pub const POLL_JITTER: f64 = 0.2;
/// The longest interval a client may be told to wait between two polls (ms); abandonment is
/// counted in these, so jitter never makes a diligent client look absent.
pub const POLL_LONGEST_MS: i64 = POLL_MAX_MS + (POLL_MAX_MS as f64 * POLL_JITTER) as i64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Waiting,
    /// Joined before the sale opened; the place is drawn at the open.
    Prequeue,
    Admitted,
    SoldOut,
    Closed,
    /// The line is not open yet (before the pre-queue opens).
    NotOpen,
    /// The line is at `maxQueueLength`.
    Full,
    /// Admitted earlier, but the pass window is over (shown to clients as CLOSED).
    Expired,
    /// Admitted, but the pass was not used in time and the slot was given to someone else.
    Unused,
    /// Stopped polling and lost the place.
    Abandoned,
    /// Not in this line (never joined, or left it long ago).
    Gone,
}

impl Status {
    pub fn parse(s: &str) -> Status {
        match s {
            "WAITING" => Status::Waiting,
            "PREQUEUE" => Status::Prequeue,
            "ADMITTED" => Status::Admitted,
            "SOLD_OUT" => Status::SoldOut,
            "NOT_OPEN" => Status::NotOpen,
            "FULL" => Status::Full,
            "EXPIRED" => Status::Expired,
            "UNUSED" => Status::Unused,
            "ABANDONED" => Status::Abandoned,
            "GONE" => Status::Gone,
            _ => Status::Closed,
        }
    }

    /// The `status` and `reason` a client sees.
    pub fn wire(self) -> (&'static str, Option<&'static str>) {
        match self {
            Status::Waiting => ("WAITING", None),
            Status::Prequeue => ("PREQUEUE", None),
            Status::Admitted => ("ADMITTED", None),
            Status::SoldOut => ("SOLD_OUT", Some("SOLD_OUT")),
            Status::Closed => ("CLOSED", Some("QUEUE_DISABLED")),
            Status::NotOpen => ("NOT_OPEN", Some("QUEUE_NOT_OPEN")),
            Status::Full => ("QUEUE_FULL", Some("QUEUE_FULL")),
            Status::Expired => ("CLOSED", Some("PASS_EXPIRED")),
            Status::Unused => ("EXPIRED", Some("PASS_UNUSED")),
            Status::Abandoned => ("EXPIRED", Some("ABANDONED")),
            Status::Gone => ("EXPIRED", Some("NOT_IN_LINE")),
        }
    }
}

/// Where a user stands, as Redis says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    pub status: Status,
    pub seq: i64,
    pub admitted: i64,
    pub pass_expires_at_ms: i64,
    /// The pre-queue join token (empty unless the user joined before the open).
    pub join_token: String,
    /// People in line (or in the pre-queue, before the open).
    pub waiting: i64,
}

impl Standing {
    /// 1 for the next user to be admitted; 0 once admitted (or not waiting).
    pub fn position(&self) -> i64 {
        if matches!(self.status, Status::Waiting | Status::SoldOut) {
            (self.seq - self.admitted).max(0)
        } else {
            0
        }
    }

    /// The wait at the configured rate (the shortest it can be).
    pub fn estimated_wait_seconds(&self, admit_per_minute: i64) -> i64 {
        let position = self.position();
        if position == 0 || self.status != Status::Waiting {
            return 0;
        }
        let rate = admit_per_minute.max(1);
        (position * 60 + rate - 1) / rate
    }

    /// The wait as a range: at the configured rate, and at the measured rate when admission
    /// has been slower (abandoned people ahead make it faster, `maxActive` slower). `None`
    /// for the upper end while nothing has been measured.
    pub fn wait_range_seconds(&self, admit_per_minute: i64, measured: f64) -> (i64, Option<i64>) {
        let low = self.estimated_wait_seconds(admit_per_minute);
        if self.position() == 0 || self.status != Status::Waiting {
            return (0, Some(0));
        }
        let high = (measured >= 0.1)
            .then(|| (self.position() as f64 * 60.0 / measured).ceil() as i64)
            .map(|h| h.max(low));
        (low, high)
    }

    /// The chance the seats last until this user's turn: the seats left after everyone ahead
    /// took the average, as a share of one buyer's average (0..=1). `None` when not waiting or
    /// the supply is unknown.
    pub fn chance(&self, seats_left: Option<i64>, seats_per_buyer: Option<f64>) -> Option<f64> {
        let (left, per_buyer) = (seats_left?, seats_per_buyer?.max(1.0));
        if self.status != Status::Waiting {
            return None;
        }
        let ahead = (self.position() - 1).max(0) as f64;
        Some(((left as f64 - ahead * per_buyer) / per_buyer).clamp(0.0, 1.0))
    }

    /// How long a client should wait before asking again: often near the front, rarely far
    /// back, never more often than once a second (before jitter, see [`jittered`]).
    pub fn poll_after_ms(&self, admit_per_minute: i64) -> i64 {
        match self.status {
            Status::Waiting => {
                (self.estimated_wait_seconds(admit_per_minute) * 100).clamp(1_000, POLL_MAX_MS)
            }
            Status::Prequeue | Status::SoldOut => POLL_MAX_MS,
            _ => 0,
        }
    }
}

/// `ms` moved by a uniform ±20 %.
pub fn jittered(ms: i64) -> i64 {
    if ms <= 0 {
        return ms;
    }
    let spread = (ms as f64 * POLL_JITTER) as i64;
    ms + rand::rng().random_range(-spread..=spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(seq: i64, admitted: i64) -> Standing {
        Standing {
            status: Status::Waiting,
            seq,
            admitted,
            pass_expires_at_ms: 0,
            join_token: String::new(),
            waiting: 0,
        }
    }

    #[test]
    fn position_and_eta_are_arithmetic_on_sequences() {
        let s = waiting(1_250, 1_000);
        assert_eq!(s.position(), 250);
        assert_eq!(s.estimated_wait_seconds(600), 25);
        assert_eq!(s.poll_after_ms(600), 2_500);
        assert_eq!(waiting(1_001, 1_000).poll_after_ms(600), 1_000);
        assert_eq!(waiting(100_000, 0).poll_after_ms(60), 15_000);
    }

    #[test]
    fn the_wait_range_widens_when_admission_is_slower_than_configured() {
        let s = waiting(1_250, 1_000);
        assert_eq!(s.wait_range_seconds(600, 0.0), (25, None));
        assert_eq!(s.wait_range_seconds(600, 300.0), (25, Some(50)));
        assert_eq!(s.wait_range_seconds(600, 1_200.0), (25, Some(25)));
    }

    #[test]
    fn the_chance_compares_seats_left_with_the_people_ahead() {
        let first = waiting(1_001, 1_000);
        assert_eq!(first.chance(Some(4), Some(2.0)), Some(1.0));
        assert_eq!(waiting(1_002, 1_000).chance(Some(4), Some(2.0)), Some(1.0));
        assert_eq!(waiting(1_003, 1_000).chance(Some(5), Some(2.0)), Some(0.5));
        assert_eq!(waiting(1_010, 1_000).chance(Some(4), Some(2.0)), Some(0.0));
        assert_eq!(first.chance(None, Some(2.0)), None);
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        for _ in 0..1_000 {
            let ms = jittered(10_000);
            assert!((8_000..=12_000).contains(&ms), "{ms}");
        }
        assert!(jittered(POLL_MAX_MS) <= POLL_LONGEST_MS);
        assert_eq!(jittered(0), 0);
    }

    #[test]
    fn admitted_users_have_no_position() {
        let s = Standing {
            status: Status::Admitted,
            ..waiting(5, 10)
        };
        assert_eq!(s.position(), 0);
        assert_eq!(s.poll_after_ms(60), 0);
    }
}
