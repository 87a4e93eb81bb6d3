//! Recurring bookings: a small, strict subset of RFC 5545 RRULE, and its
//! expansion into concrete (start, end) instants.
//!
//! The subset exists because every occurrence of a recurring booking must be
//! checked for conflicts up front, so a series has to be finite, cheap to
//! expand and unambiguous. Anything outside the subset is rejected with an
//! error naming the offending part instead of being silently ignored.
//!
//! # Accepted text
//!
//! An optional leading `RRULE:`, then `KEY=VALUE` parts separated by `;`.
//! Keys and values are case-insensitive; each key may appear once.
//!
//! - `FREQ` (required): `DAILY` or `WEEKLY`.
//! - `INTERVAL`: 1 to 366, default 1.
//! - `COUNT`: 1 to [`MAX_COUNT`].
//! - `UNTIL`: `YYYYMMDDTHHMMSSZ` (a UTC instant) or `YYYYMMDD` (a date).
//! - Exactly one of `COUNT` or `UNTIL`: open-ended series are refused.
//! - `BYDAY`: a comma list of `MO,TU,WE,TH,FR,SA,SU`, no numeric prefixes
//!   (`1MO`), no duplicates.
//! - `WKST`: only `MO`, which is also the default.
//!
//! # Expansion semantics
//!
//! - The wall-clock time of `first_start` in the series' [`Zone`] is kept for
//!   every occurrence: a 09:00 `America/New_York` booking stays at 09:00
//!   local across daylight-saving switches, so its UTC instant moves by an
//!   hour. Each occurrence ends at `start + duration` (an absolute duration,
//!   so a booking spanning a DST switch still lasts exactly `duration`).
//! - Candidate dates start at the local date of `first_start`.
//!   `DAILY`: every `INTERVAL` days; with `BYDAY`, only dates whose weekday is
//!   listed. `WEEKLY`: weeks start on Monday and are counted from the week
//!   containing the first date; in every `INTERVAL`-th week, the `BYDAY` days
//!   (without `BYDAY`, the weekday of the first date), never before the first
//!   date.
//! - Only dates matching the rule are occurrences: if the first date does not
//!   match `BYDAY` it is skipped. When it does match, the first occurrence
//!   starts exactly at `first_start` (it is an instant, so never ambiguous).
//! - `COUNT` counts the occurrences produced. `UNTIL` is inclusive: an
//!   [`Until::Instant`] keeps occurrences starting at or before it; an
//!   [`Until::Date`] keeps occurrences up to and including that local date.
//! - A local time that does not exist (spring-forward gap) is moved forward by
//!   the length of the gap, as RFC 5545 (3.3.5) prescribes: 02:30 on the US
//!   spring-forward day becomes 03:30 EDT. A local time that exists twice
//!   (fall-back overlap) resolves to the earlier instant, i.e. the
//!   daylight-time offset.
//! - More than `max` occurrences is an error (reported against `COUNT` or
//!   `UNTIL`), detected as soon as occurrence `max + 1` is found, so an
//!   `UNTIL` far in the future costs at most `max + 1` steps. A rule that
//!   yields no occurrence at all is an error too.

mod expand;
mod rule;
#[cfg(test)]
mod tests;
mod zone;

pub(crate) use expand::expand;
pub(crate) use zone::{to_instant, to_local};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc, Weekday};

/// The largest `COUNT` accepted; callers bound real series further with the
/// `max` argument of [`expand`].
pub(crate) const MAX_COUNT: u32 = 1000;

/// The largest `INTERVAL` accepted: beyond a year between occurrences a
/// recurring booking is not a useful notion.
pub(crate) const MAX_INTERVAL: u32 = 366;

/// One occurrence of a series: its (start, end) instants.
pub(crate) type Occurrence = (DateTime<Utc>, DateTime<Utc>);

/// How often a rule repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Freq {
    Daily,
    Weekly,
}

/// A parsed, validated recurrence rule (see the module documentation for the
/// accepted subset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rule {
    pub(crate) freq: Freq,
    pub(crate) interval: u32,
    pub(crate) count: Option<u32>,
    pub(crate) until: Option<Until>,
    /// Kept in Monday-first order by the parser so that equal rules compare
    /// equal and print the same.
    pub(crate) by_day: Vec<Weekday>,
}

/// The inclusive end of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Until {
    /// `UNTIL=20261231T235959Z`: occurrences starting at or before this instant.
    Instant(DateTime<Utc>),
    /// `UNTIL=20261231`: occurrences on or before this date in the series' zone.
    Date(NaiveDate),
}

/// Why a rule (or zone) was refused, naming the part so an API can point the
/// user at it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {reason}")]
pub(crate) struct RuleError {
    /// The offending RRULE part (`FREQ`, `BYDAY`, ...), `rule` for the rule as
    /// a whole, or `zone` for a time zone.
    pub(crate) part: String,
    pub(crate) reason: String,
}

impl RuleError {
    fn new(part: impl Into<String>, reason: impl Into<String>) -> Self {
        RuleError {
            part: part.into(),
            reason: reason.into(),
        }
    }
}

/// A time zone: a named IANA zone (keeps wall-clock time across DST) or a fixed
/// UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

/// Parses a non-empty run of ASCII digits; unlike `u32::from_str` it refuses a
/// leading `+`, which RFC 5545 numbers never have.
fn parse_digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
