//! Time zones of a series (IANA names or fixed offsets) and the mapping between local
//! wall-clock times and instants, across daylight-saving gaps and overlaps.

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};

use super::{RuleError, Zone, parse_digits};

/// How long the gap probe in [`to_instant`] looks back for the offset in force
/// before a spring-forward gap; real gaps are at most a day long.
const GAP_PROBE_HOURS: i64 = 48;

/// Step of the gap probe; every real offset transition is aligned to it.
const GAP_PROBE_STEP_MINUTES: i64 = 15;

impl Zone {
    /// Accepts an IANA name like `America/New_York`, `UTC`, or an offset like
    /// `+09:00` / `-0530`. Names are matched exactly, as the IANA database
    /// spells them, so a stored zone always prints back identically.
    pub(crate) fn parse(name: &str) -> Result<Zone, RuleError> {
        if name.starts_with(['+', '-']) {
            return parse_offset(name).map(Zone::Fixed);
        }
        name.parse::<chrono_tz::Tz>()
            .map(Zone::Named)
            .map_err(|_| RuleError::new("zone", format!("`{name}` is not a known time zone")))
    }
}

impl fmt::Display for Zone {
    /// Prints the form [`Zone::parse`] accepts, so a zone can be stored as text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Named(tz) => f.write_str(tz.name()),
            Zone::Fixed(offset) => write!(f, "{offset}"),
        }
    }
}

/// Parses `±HH:MM` or `±HHMM`.
fn parse_offset(text: &str) -> Result<FixedOffset, RuleError> {
    let invalid = || {
        RuleError::new(
            "zone",
            format!("`{text}` is not a UTC offset like +09:00 or -05:30"),
        )
    };
    let (sign, digits) = match text.split_at_checked(1) {
        Some(("+", rest)) => (1, rest),
        Some(("-", rest)) => (-1, rest),
        _ => return Err(invalid()),
    };
    let (hours, minutes) = match (digits.len(), digits.split_at_checked(2)) {
        (5, Some((hours, rest))) => (hours, rest.strip_prefix(':').ok_or_else(invalid)?),
        (4, Some(split)) => split,
        _ => return Err(invalid()),
    };
    let hours = parse_digits(hours).ok_or_else(invalid)?;
    let minutes = parse_digits(minutes).ok_or_else(invalid)?;
    if hours > 23 || minutes > 59 {
        return Err(invalid());
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).map_err(|_| invalid())?;
    FixedOffset::east_opt(sign * seconds).ok_or_else(invalid)
}

/// Converts a local wall-clock time in `zone` to an instant: a time inside a
/// spring-forward gap is moved forward by the gap's length, and a time inside a
/// fall-back overlap resolves to the earlier instant.
pub(crate) fn to_instant(zone: Zone, local: NaiveDateTime) -> DateTime<Utc> {
    match zone {
        Zone::Named(tz) => resolve_local(&tz, local),
        Zone::Fixed(offset) => resolve_local(&offset, local),
    }
}

/// The local wall-clock time of an instant in `zone`.
pub(crate) fn to_local(zone: Zone, at: DateTime<Utc>) -> NaiveDateTime {
    match zone {
        Zone::Named(tz) => at.with_timezone(&tz).naive_local(),
        Zone::Fixed(offset) => at.with_timezone(&offset).naive_local(),
    }
}

fn resolve_local<Z: TimeZone>(zone: &Z, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local).earliest() {
        Some(at) => at.with_timezone(&Utc),
        None => across_gap(zone, local),
    }
}

/// Resolves a local time that does not exist by reading it with the offset in
/// force just before the gap, which is the same as moving it forward by the
/// gap's length (RFC 5545, 3.3.5).
fn across_gap<Z: TimeZone>(zone: &Z, local: NaiveDateTime) -> DateTime<Utc> {
    let steps = GAP_PROBE_HOURS * 60 / GAP_PROBE_STEP_MINUTES;
    let offset_before = (1..=steps).find_map(|step| {
        let probe = local.checked_sub_signed(Duration::minutes(step * GAP_PROBE_STEP_MINUTES))?;
        zone.offset_from_local_datetime(&probe).latest()
    });
    // Without a usable offset (only at the very ends of chrono's range) the
    // time is read as UTC rather than failing a function that cannot fail.
    offset_before
        .and_then(|offset| local.checked_sub_offset(offset.fix()))
        .unwrap_or(local)
        .and_utc()
}
