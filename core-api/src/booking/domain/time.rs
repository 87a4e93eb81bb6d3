//! Instants and windows as the API takes them: RFC 3339 with an offset, whole seconds, and
//! windows no wider than a list, timeline or availability query may span.

use chrono::{DateTime, Duration, FixedOffset, Utc};

use crate::error::{Error, Result};

/// Widest window a list, timeline or availability query may span.
pub(crate) const MAX_WINDOW_DAYS: i64 = 92;

/// An RFC 3339 instant with its offset; whole seconds only.
pub(crate) fn parse_instant(field: &str, value: &str) -> Result<DateTime<FixedOffset>> {
    let value = value.trim();
    // An unencoded "+09:00" in a query string arrives as " 09:00"; read it as meant.
    let parsed = DateTime::parse_from_rfc3339(value)
        .or_else(|e| DateTime::parse_from_rfc3339(&value.replace(' ', "+")).map_err(|_| e));
    let at = parsed.map_err(|_| {
        Error::validation(
            field,
            "must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T09:00:00+09:00",
        )
    })?;
    if at.timestamp_subsec_nanos() != 0 {
        return Err(Error::validation(field, "must be a whole second"));
    }
    Ok(at)
}

/// `[from, to)` from query strings, at most MAX_WINDOW_DAYS wide.
pub(crate) fn parse_window(from: &str, to: &str) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let from = parse_instant("from", from)?.to_utc();
    let to = parse_instant("to", to)?.to_utc();
    if to <= from {
        return Err(Error::validation("to", "must be after from"));
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(Error::validation(
            "to",
            format!("the window may span at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok((from, to))
}
