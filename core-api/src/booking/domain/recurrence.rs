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

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};

/// The largest `COUNT` accepted; callers bound real series further with the
/// `max` argument of [`expand`].
pub const MAX_COUNT: u32 = 1000;

/// The largest `INTERVAL` accepted: beyond a year between occurrences a
/// recurring booking is not a useful notion.
pub const MAX_INTERVAL: u32 = 366;

/// How long the gap probe in [`to_instant`] looks back for the offset in force
/// before a spring-forward gap; real gaps are at most a day long.
const GAP_PROBE_HOURS: i64 = 48;

/// Step of the gap probe; every real offset transition is aligned to it.
const GAP_PROBE_STEP_MINUTES: i64 = 15;

/// One occurrence of a series: its (start, end) instants.
pub type Occurrence = (DateTime<Utc>, DateTime<Utc>);

/// How often a rule repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Freq {
    Daily,
    Weekly,
}

/// A parsed, validated recurrence rule (see the module documentation for the
/// accepted subset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Until>,
    /// Kept in Monday-first order by the parser so that equal rules compare
    /// equal and print the same.
    pub by_day: Vec<Weekday>,
}

/// The inclusive end of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// `UNTIL=20261231T235959Z`: occurrences starting at or before this instant.
    Instant(DateTime<Utc>),
    /// `UNTIL=20261231`: occurrences on or before this date in the series' zone.
    Date(NaiveDate),
}

/// Why a rule (or zone) was refused, naming the part so an API can point the
/// user at it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {reason}")]
pub struct RuleError {
    /// The offending RRULE part (`FREQ`, `BYDAY`, ...), `rule` for the rule as
    /// a whole, or `zone` for a time zone.
    pub part: String,
    pub reason: String,
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
pub enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Zone {
    /// Accepts an IANA name like `America/New_York`, `UTC`, or an offset like
    /// `+09:00` / `-0530`. Names are matched exactly, as the IANA database
    /// spells them, so a stored zone always prints back identically.
    pub fn parse(name: &str) -> Result<Zone, RuleError> {
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

/// Parses a non-empty run of ASCII digits; unlike `u32::from_str` it refuses a
/// leading `+`, which RFC 5545 numbers never have.
fn parse_digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl FromStr for Rule {
    type Err = RuleError;

    fn from_str(text: &str) -> Result<Rule, RuleError> {
        let body = strip_rrule_prefix(text.trim());
        if body.is_empty() {
            return Err(RuleError::new("rule", "is empty"));
        }
        let mut parts = Parts::default();
        for raw in body.split(';') {
            parts.add(raw)?;
        }
        parts.into_rule()
    }
}

/// Drops an optional, case-insensitive `RRULE:` so both a bare rule and a
/// content line copied from a calendar are accepted.
fn strip_rrule_prefix(text: &str) -> &str {
    const PREFIX: &str = "RRULE:";
    match text.get(..PREFIX.len()) {
        Some(head) if head.eq_ignore_ascii_case(PREFIX) => &text[PREFIX.len()..],
        _ => text,
    }
}

/// The parts seen so far while parsing, each at most once.
#[derive(Default)]
struct Parts {
    seen: Vec<String>,
    freq: Option<Freq>,
    interval: Option<u32>,
    count: Option<u32>,
    until: Option<Until>,
    by_day: Vec<Weekday>,
}

impl Parts {
    fn add(&mut self, raw: &str) -> Result<(), RuleError> {
        let (key, value) = split_part(raw)?;
        if self.seen.contains(&key) {
            return Err(RuleError::new(key, "appears more than once"));
        }
        match key.as_str() {
            "FREQ" => self.freq = Some(parse_freq(&value)?),
            "INTERVAL" => self.interval = Some(parse_bounded("INTERVAL", &value, MAX_INTERVAL)?),
            "COUNT" => self.count = Some(parse_bounded("COUNT", &value, MAX_COUNT)?),
            "UNTIL" => self.until = Some(parse_until(&value)?),
            "BYDAY" => self.by_day = parse_by_day(&value)?,
            "WKST" => check_wkst(&value)?,
            _ => {
                return Err(RuleError::new(
                    key,
                    "is not supported (only FREQ, INTERVAL, COUNT, UNTIL, BYDAY and WKST are)",
                ));
            }
        }
        self.seen.push(key);
        Ok(())
    }

    fn into_rule(self) -> Result<Rule, RuleError> {
        let freq = self
            .freq
            .ok_or_else(|| RuleError::new("FREQ", "is required"))?;
        let rule = Rule {
            freq,
            interval: self.interval.unwrap_or(1),
            count: self.count,
            until: self.until,
            by_day: self.by_day,
        };
        rule.validate()?;
        Ok(rule)
    }
}

/// Splits `KEY=VALUE`, upper-casing both because RFC 5545 names and
/// enumerated values are case-insensitive.
fn split_part(raw: &str) -> Result<(String, String), RuleError> {
    let garbage = || RuleError::new("rule", format!("`{raw}` is not a KEY=VALUE part"));
    let (key, value) = raw.split_once('=').ok_or_else(garbage)?;
    let key = key.trim();
    if key.is_empty() {
        return Err(garbage());
    }
    Ok((key.to_ascii_uppercase(), value.trim().to_ascii_uppercase()))
}

fn parse_freq(value: &str) -> Result<Freq, RuleError> {
    match value {
        "DAILY" => Ok(Freq::Daily),
        "WEEKLY" => Ok(Freq::Weekly),
        _ => Err(RuleError::new(
            "FREQ",
            format!("`{value}` is not supported: only DAILY and WEEKLY are supported"),
        )),
    }
}

fn parse_bounded(part: &str, value: &str, max: u32) -> Result<u32, RuleError> {
    let out_of_range = || RuleError::new(part, format!("must be a whole number from 1 to {max}"));
    match parse_digits(value) {
        Some(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(out_of_range()),
    }
}

fn parse_until(value: &str) -> Result<Until, RuleError> {
    let invalid = || {
        RuleError::new(
            "UNTIL",
            format!("`{value}` is not a UTC time like 20261231T235959Z or a date like 20261231"),
        )
    };
    let date = value.get(..8).and_then(parse_date).ok_or_else(invalid)?;
    match &value[8..] {
        "" => Ok(Until::Date(date)),
        rest => {
            let time = rest
                .strip_prefix('T')
                .and_then(|t| t.strip_suffix('Z'))
                .and_then(parse_time)
                .ok_or_else(invalid)?;
            Ok(Until::Instant(date.and_time(time).and_utc()))
        }
    }
}

/// Parses `YYYYMMDD`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = i32::try_from(parse_digits(&text[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, parse_digits(&text[4..6])?, parse_digits(&text[6..])?)
}

/// Parses `HHMMSS`.
fn parse_time(text: &str) -> Option<NaiveTime> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveTime::from_hms_opt(
        parse_digits(&text[..2])?,
        parse_digits(&text[2..4])?,
        parse_digits(&text[4..])?,
    )
}

fn parse_by_day(value: &str) -> Result<Vec<Weekday>, RuleError> {
    let mut days = Vec::new();
    for item in value.split(',') {
        let day = parse_weekday(item.trim())?;
        if days.contains(&day) {
            return Err(RuleError::new(
                "BYDAY",
                format!("{} appears more than once", weekday_code(day)),
            ));
        }
        days.push(day);
    }
    days.sort_by_key(Weekday::num_days_from_monday);
    Ok(days)
}

fn parse_weekday(code: &str) -> Result<Weekday, RuleError> {
    let day = match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ if code.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') => {
            return Err(RuleError::new(
                "BYDAY",
                format!("`{code}`: numeric prefixes (like 1MO) are not supported"),
            ));
        }
        _ => {
            return Err(RuleError::new(
                "BYDAY",
                format!("`{code}` is not one of MO, TU, WE, TH, FR, SA, SU"),
            ));
        }
    };
    Ok(day)
}

/// Weeks always start on Monday here, so only the default is accepted.
fn check_wkst(value: &str) -> Result<(), RuleError> {
    if value == "MO" {
        Ok(())
    } else {
        Err(RuleError::new("WKST", "only MO is supported"))
    }
}

fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

impl Rule {
    /// Checks the invariants the parser guarantees. The fields are public, so
    /// [`expand`] re-checks them: a zero interval or an open-ended rule built
    /// by hand would otherwise never terminate.
    pub fn validate(&self) -> Result<(), RuleError> {
        if !(1..=MAX_INTERVAL).contains(&self.interval) {
            return Err(RuleError::new(
                "INTERVAL",
                format!("must be a whole number from 1 to {MAX_INTERVAL}"),
            ));
        }
        if let Some(count) = self.count
            && !(1..=MAX_COUNT).contains(&count)
        {
            return Err(RuleError::new(
                "COUNT",
                format!("must be a whole number from 1 to {MAX_COUNT}"),
            ));
        }
        match (self.count, self.until) {
            (Some(_), Some(_)) => Err(RuleError::new("rule", "COUNT and UNTIL cannot both be set")),
            (None, None) => Err(RuleError::new(
                "rule",
                "COUNT or UNTIL is required (open-ended series are not supported)",
            )),
            _ => self.check_by_day_unique(),
        }
    }

    fn check_by_day_unique(&self) -> Result<(), RuleError> {
        for (index, day) in self.by_day.iter().enumerate() {
            if self.by_day[..index].contains(day) {
                return Err(RuleError::new(
                    "BYDAY",
                    format!("{} appears more than once", weekday_code(*day)),
                ));
            }
        }
        Ok(())
    }

    /// The weekdays in Monday-first order, for printing and weekly expansion.
    fn sorted_days(&self) -> Vec<Weekday> {
        let mut days = self.by_day.clone();
        days.sort_by_key(Weekday::num_days_from_monday);
        days
    }
}

impl fmt::Display for Freq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
        })
    }
}

impl fmt::Display for Until {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Until::Instant(at) => write!(f, "{}", at.format("%Y%m%dT%H%M%SZ")),
            Until::Date(date) => write!(f, "{}", date.format("%Y%m%d")),
        }
    }
}

impl fmt::Display for Rule {
    /// Canonical text: upper case, parts in the order FREQ, INTERVAL (only when
    /// not 1), BYDAY (Monday first), COUNT, UNTIL; no `RRULE:` prefix and no
    /// WKST (MO is the default). Parsing it gives back an equal rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.freq)?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        let days = self.sorted_days();
        if !days.is_empty() {
            let codes: Vec<&str> = days.into_iter().map(weekday_code).collect();
            write!(f, ";BYDAY={}", codes.join(","))?;
        }
        if let Some(count) = self.count {
            write!(f, ";COUNT={count}")?;
        }
        if let Some(until) = self.until {
            write!(f, ";UNTIL={until}")?;
        }
        Ok(())
    }
}

/// Converts a local wall-clock time in `zone` to an instant: a time inside a
/// spring-forward gap is moved forward by the gap's length, and a time inside a
/// fall-back overlap resolves to the earlier instant.
pub fn to_instant(zone: Zone, local: NaiveDateTime) -> DateTime<Utc> {
    match zone {
        Zone::Named(tz) => resolve_local(&tz, local),
        Zone::Fixed(offset) => resolve_local(&offset, local),
    }
}

/// The local wall-clock time of an instant in `zone`.
pub fn to_local(zone: Zone, at: DateTime<Utc>) -> NaiveDateTime {
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

/// Every occurrence as (start, end) instants, in order. See the module
/// documentation for the semantics and the errors.
pub fn expand(
    rule: &Rule,
    first_start: DateTime<Utc>,
    duration: Duration,
    zone: Zone,
    max: usize,
) -> Result<Vec<Occurrence>, RuleError> {
    rule.validate()?;
    let local_start = to_local(zone, first_start);
    let mut series = Series {
        rule,
        zone,
        first_start,
        first_date: local_start.date(),
        time: local_start.time(),
        duration,
        max,
        occurrences: Vec::new(),
    };
    series.run()?;
    if series.occurrences.is_empty() {
        return Err(RuleError::new("rule", "the series has no occurrences"));
    }
    Ok(series.occurrences)
}

/// Whether expansion should go on after a date was offered.
enum Step {
    More,
    Done,
}

/// The state of one expansion.
struct Series<'a> {
    rule: &'a Rule,
    zone: Zone,
    first_start: DateTime<Utc>,
    first_date: NaiveDate,
    time: NaiveTime,
    duration: Duration,
    max: usize,
    occurrences: Vec<Occurrence>,
}

impl Series<'_> {
    /// Walks the periods (a day for DAILY, a Monday-based week for WEEKLY),
    /// `INTERVAL` periods apart, offering each matching date in order.
    fn run(&mut self) -> Result<(), RuleError> {
        let (mut period_start, period_days) = match self.rule.freq {
            Freq::Daily => (self.first_date, 1),
            Freq::Weekly => (monday_of(self.first_date), 7),
        };
        let step = Days::new(u64::from(self.rule.interval) * period_days);
        let mut empty_periods = 0;
        loop {
            let dates = self.dates_in_period(period_start);
            // DAILY periods cycle through the weekdays with a period of at most
            // 7, and a WEEKLY rule has a matching day in every week after the
            // first, so 7 empty periods in a row means BYDAY can never match.
            empty_periods = if dates.is_empty() {
                empty_periods + 1
            } else {
                0
            };
            if empty_periods >= 7 {
                return Ok(());
            }
            for date in dates {
                if let Step::Done = self.offer(date)? {
                    return Ok(());
                }
            }
            match period_start.checked_add_days(step) {
                Some(next) => period_start = next,
                None => return Ok(()),
            }
        }
    }

    /// The dates of one period that match the rule, in order.
    fn dates_in_period(&self, period_start: NaiveDate) -> Vec<NaiveDate> {
        match self.rule.freq {
            Freq::Daily => {
                let matches = self.rule.by_day.is_empty()
                    || self.rule.by_day.contains(&period_start.weekday());
                if matches {
                    vec![period_start]
                } else {
                    Vec::new()
                }
            }
            Freq::Weekly => self
                .week_days()
                .into_iter()
                .filter_map(|day| {
                    period_start.checked_add_days(Days::new(u64::from(day.num_days_from_monday())))
                })
                .filter(|date| *date >= self.first_date)
                .collect(),
        }
    }

    /// The weekdays a WEEKLY rule occurs on, Monday first.
    fn week_days(&self) -> Vec<Weekday> {
        if self.rule.by_day.is_empty() {
            vec![self.first_date.weekday()]
        } else {
            self.rule.sorted_days()
        }
    }

    /// Adds the occurrence on `date` unless the series has ended.
    fn offer(&mut self, date: NaiveDate) -> Result<Step, RuleError> {
        if matches!(self.rule.until, Some(Until::Date(until)) if date > until) {
            return Ok(Step::Done);
        }
        let start = self.start_on(date);
        if matches!(self.rule.until, Some(Until::Instant(until)) if start > until) {
            return Ok(Step::Done);
        }
        if self.occurrences.len() >= self.max {
            return Err(self.too_many());
        }
        let end = start.checked_add_signed(self.duration).ok_or_else(|| {
            RuleError::new("rule", "an occurrence ends outside the supported range")
        })?;
        self.occurrences.push((start, end));
        let reached_count = self
            .rule
            .count
            .is_some_and(|count| self.occurrences.len() >= count as usize);
        Ok(if reached_count {
            Step::Done
        } else {
            Step::More
        })
    }

    /// The start instant on `date`: `first_start` itself on the first date, so
    /// the booking the user asked for is never shifted, otherwise the kept
    /// wall-clock time resolved in the zone.
    fn start_on(&self, date: NaiveDate) -> DateTime<Utc> {
        if date == self.first_date {
            self.first_start
        } else {
            to_instant(self.zone, date.and_time(self.time))
        }
    }

    fn too_many(&self) -> RuleError {
        let part = if self.rule.count.is_some() {
            "COUNT"
        } else {
            "UNTIL"
        };
        RuleError::new(
            part,
            format!("the series would have more than {} occurrences", self.max),
        )
    }
}

/// The Monday starting `date`'s week; only chrono's very first week has no
/// Monday to go back to, and there the date itself starts the week.
fn monday_of(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> Rule {
        text.parse().expect("rule should parse")
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("valid RFC 3339 time")
            .with_timezone(&Utc)
    }

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("valid local time")
    }

    fn zone(name: &str) -> Zone {
        Zone::parse(name).expect("known zone")
    }

    fn starts(
        text: &str,
        first_start: &str,
        zone_name: &str,
        max: usize,
    ) -> Result<Vec<String>, RuleError> {
        let occurrences = expand(
            &rule(text),
            utc(first_start),
            Duration::hours(1),
            zone(zone_name),
            max,
        )?;
        Ok(occurrences
            .iter()
            .map(|(start, _)| start.format("%Y-%m-%dT%H:%MZ").to_string())
            .collect())
    }

    fn expect_starts(text: &str, first_start: &str, zone_name: &str) -> Vec<String> {
        starts(text, first_start, zone_name, 100).expect("rule should expand")
    }

    fn parse_error(text: &str) -> RuleError {
        text.parse::<Rule>().expect_err("rule should be refused")
    }

    #[test]
    fn display_is_canonical_and_parses_back_to_the_same_rule() {
        let cases = [
            (
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
            ),
            (
                "rrule:count=10;byday=we,mo;interval=2;freq=weekly;wkst=mo",
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
            ),
            (
                "RRULE:FREQ=DAILY;INTERVAL=1;UNTIL=20261231",
                "FREQ=DAILY;UNTIL=20261231",
            ),
            (
                "FREQ=DAILY;UNTIL=20261231t235959z;BYDAY=SU,SA",
                "FREQ=DAILY;BYDAY=SA,SU;UNTIL=20261231T235959Z",
            ),
            (
                "FREQ=WEEKLY;INTERVAL=366;COUNT=1000",
                "FREQ=WEEKLY;INTERVAL=366;COUNT=1000",
            ),
        ];
        for (input, canonical) in cases {
            let parsed = rule(input);
            assert_eq!(parsed.to_string(), canonical, "display of {input}");
            assert_eq!(rule(&parsed.to_string()), parsed, "round trip of {input}");
        }
    }

    #[test]
    fn parsed_fields_match_the_text() {
        let parsed = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR,MO,WE;UNTIL=20261231T235959Z");
        assert_eq!(
            parsed,
            Rule {
                freq: Freq::Weekly,
                interval: 2,
                count: None,
                until: Some(Until::Instant(utc("2026-12-31T23:59:59Z"))),
                by_day: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri],
            }
        );
        assert_eq!(
            rule("FREQ=DAILY;UNTIL=20261231").until,
            Some(Until::Date(
                NaiveDate::from_ymd_opt(2026, 12, 31).expect("valid date")
            ))
        );
    }

    #[test]
    fn malformed_rules_are_refused_naming_the_part() {
        let cases = [
            ("", "rule"),
            ("   ", "rule"),
            ("RRULE:", "rule"),
            ("garbage", "rule"),
            ("=DAILY;COUNT=3", "rule"),
            ("FREQ=DAILY;;COUNT=3", "rule"),
            ("FREQ=DAILY;COUNT=3;", "rule"),
            ("COUNT=3", "FREQ"),
            ("FREQ=MONTHLY;COUNT=3", "FREQ"),
            ("FREQ=YEARLY;COUNT=3", "FREQ"),
            ("FREQ=HOURLY;COUNT=3", "FREQ"),
            ("FREQ=;COUNT=3", "FREQ"),
            ("FREQ=DAILY;FREQ=DAILY;COUNT=3", "FREQ"),
            ("FREQ=DAILY", "rule"),
            ("FREQ=WEEKLY;BYDAY=MO", "rule"),
            ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "rule"),
            ("FREQ=DAILY;INTERVAL=0;COUNT=3", "INTERVAL"),
            ("FREQ=DAILY;INTERVAL=367;COUNT=3", "INTERVAL"),
            ("FREQ=DAILY;INTERVAL=+2;COUNT=3", "INTERVAL"),
            ("FREQ=DAILY;INTERVAL=two;COUNT=3", "INTERVAL"),
            ("FREQ=DAILY;INTERVAL=99999999999;COUNT=3", "INTERVAL"),
            ("FREQ=DAILY;INTERVAL=2;INTERVAL=2;COUNT=3", "INTERVAL"),
            ("FREQ=DAILY;COUNT=0", "COUNT"),
            ("FREQ=DAILY;COUNT=-1", "COUNT"),
            ("FREQ=DAILY;COUNT=1001", "COUNT"),
            ("FREQ=DAILY;COUNT=", "COUNT"),
            ("FREQ=DAILY;COUNT=3;COUNT=3", "COUNT"),
            ("FREQ=DAILY;UNTIL=2026-12-31", "UNTIL"),
            ("FREQ=DAILY;UNTIL=20261231T235959", "UNTIL"),
            ("FREQ=DAILY;UNTIL=20261231T2359Z", "UNTIL"),
            ("FREQ=DAILY;UNTIL=20261332", "UNTIL"),
            ("FREQ=DAILY;UNTIL=20260230", "UNTIL"),
            ("FREQ=DAILY;UNTIL=20261231T245959Z", "UNTIL"),
            ("FREQ=DAILY;UNTIL=2026é231", "UNTIL"),
            ("FREQ=DAILY;UNTIL=20261231;UNTIL=20261231", "UNTIL"),
            ("FREQ=WEEKLY;BYDAY=1MO;COUNT=3", "BYDAY"),
            ("FREQ=WEEKLY;BYDAY=-1FR;COUNT=3", "BYDAY"),
            ("FREQ=WEEKLY;BYDAY=+2TU;COUNT=3", "BYDAY"),
            ("FREQ=WEEKLY;BYDAY=MO,MO;COUNT=3", "BYDAY"),
            ("FREQ=WEEKLY;BYDAY=MON;COUNT=3", "BYDAY"),
            ("FREQ=WEEKLY;BYDAY=;COUNT=3", "BYDAY"),
            ("FREQ=WEEKLY;BYDAY=MO,,WE;COUNT=3", "BYDAY"),
            ("FREQ=WEEKLY;WKST=SU;COUNT=3", "WKST"),
            ("FREQ=WEEKLY;BYMONTH=1;COUNT=3", "BYMONTH"),
            ("FREQ=DAILY;BYHOUR=9;COUNT=3", "BYHOUR"),
            ("FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=1;COUNT=3", "BYSETPOS"),
            ("FREQ=DAILY;BYMONTHDAY=1;COUNT=3", "BYMONTHDAY"),
            ("FREQ=DAILY;X-NAME=1;COUNT=3", "X-NAME"),
        ];
        for (input, part) in cases {
            let error = parse_error(input);
            assert_eq!(error.part, part, "part for `{input}`: {error}");
            assert!(!error.reason.is_empty(), "reason for `{input}`");
        }
    }

    #[test]
    fn error_messages_explain_the_problem() {
        let freq = parse_error("FREQ=MONTHLY;COUNT=3");
        assert!(
            freq.reason.contains("only DAILY and WEEKLY are supported"),
            "{freq}"
        );
        assert!(freq.to_string().starts_with("FREQ: "), "{freq}");
        assert!(
            parse_error("FREQ=WEEKLY;BYDAY=1MO;COUNT=3")
                .reason
                .contains("numeric prefix")
        );
        assert!(
            parse_error("FREQ=WEEKLY;BYDAY=MO,MO;COUNT=3")
                .reason
                .contains("MO appears more than once")
        );
        assert!(parse_error("FREQ=DAILY").reason.contains("open-ended"));
        assert!(
            parse_error("FREQ=DAILY;FREQ=DAILY;COUNT=1")
                .reason
                .contains("more than once")
        );
    }

    #[test]
    fn hand_built_rules_are_validated_before_expanding() {
        let base = Rule {
            freq: Freq::Daily,
            interval: 1,
            count: Some(3),
            until: None,
            by_day: Vec::new(),
        };
        let broken = [
            (
                Rule {
                    interval: 0,
                    ..base.clone()
                },
                "INTERVAL",
            ),
            (
                Rule {
                    count: Some(0),
                    ..base.clone()
                },
                "COUNT",
            ),
            (
                Rule {
                    count: None,
                    ..base.clone()
                },
                "rule",
            ),
            (
                Rule {
                    until: Some(Until::Date(NaiveDate::MAX)),
                    ..base.clone()
                },
                "rule",
            ),
            (
                Rule {
                    by_day: vec![Weekday::Mon, Weekday::Mon],
                    ..base.clone()
                },
                "BYDAY",
            ),
        ];
        for (rule, part) in broken {
            let error = expand(
                &rule,
                utc("2026-01-05T09:00:00Z"),
                Duration::hours(1),
                Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset")),
                10,
            )
            .expect_err("invalid rule");
            assert_eq!(error.part, part, "{rule:?}");
        }
    }

    #[test]
    fn daily_with_interval() {
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;INTERVAL=3;COUNT=4",
                "2026-01-05T10:00:00Z",
                "UTC"
            ),
            [
                "2026-01-05T10:00Z",
                "2026-01-08T10:00Z",
                "2026-01-11T10:00Z",
                "2026-01-14T10:00Z"
            ]
        );
    }

    #[test]
    fn daily_with_by_day_skips_a_first_date_that_does_not_match() {
        // 2026-01-06 is a Tuesday.
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;BYDAY=MO,WE;COUNT=4",
                "2026-01-06T10:00:00Z",
                "UTC"
            ),
            [
                "2026-01-07T10:00Z",
                "2026-01-12T10:00Z",
                "2026-01-14T10:00Z",
                "2026-01-19T10:00Z"
            ]
        );
    }

    #[test]
    fn daily_by_day_that_can_never_match_has_no_occurrences() {
        // Every 7th day from a Monday is always a Monday.
        let error = starts(
            "FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=3",
            "2026-01-05T10:00:00Z",
            "UTC",
            100,
        )
        .expect_err("no occurrences");
        assert_eq!(error.part, "rule");
    }

    #[test]
    fn weekly_every_other_week_on_three_days_with_count() {
        // 2026-01-07 is a Wednesday; the week of 2026-01-12 is skipped.
        assert_eq!(
            expect_starts(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;COUNT=7",
                "2026-01-07T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-07T09:00Z",
                "2026-01-09T09:00Z",
                "2026-01-19T09:00Z",
                "2026-01-21T09:00Z",
                "2026-01-23T09:00Z",
                "2026-02-02T09:00Z",
                "2026-02-04T09:00Z",
            ]
        );
    }

    #[test]
    fn weekly_without_by_day_uses_the_weekday_of_the_first_date() {
        assert_eq!(
            expect_starts("FREQ=WEEKLY;COUNT=3", "2026-01-08T09:00:00Z", "UTC"),
            [
                "2026-01-08T09:00Z",
                "2026-01-15T09:00Z",
                "2026-01-22T09:00Z"
            ]
        );
    }

    #[test]
    fn weekly_never_goes_before_the_first_date_nor_includes_a_non_matching_one() {
        // 2026-01-06 is a Tuesday: the Monday before it is not an occurrence.
        assert_eq!(
            expect_starts(
                "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3",
                "2026-01-06T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-07T09:00Z",
                "2026-01-12T09:00Z",
                "2026-01-14T09:00Z"
            ]
        );
    }

    #[test]
    fn weekly_interval_counts_weeks_from_the_first_date_even_if_it_is_empty() {
        // 2026-01-09 is a Friday: its week has no Monday left, the next week is
        // skipped, so the first Monday is 2026-01-19.
        assert_eq!(
            expect_starts(
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=2",
                "2026-01-09T09:00:00Z",
                "UTC"
            ),
            ["2026-01-19T09:00Z", "2026-02-02T09:00Z"]
        );
    }

    #[test]
    fn occurrences_end_after_the_duration() {
        let occurrences = expand(
            &rule("FREQ=DAILY;COUNT=2"),
            utc("2026-01-05T09:00:00Z"),
            Duration::minutes(90),
            zone("UTC"),
            10,
        )
        .expect("expands");
        assert_eq!(
            occurrences,
            [
                (utc("2026-01-05T09:00:00Z"), utc("2026-01-05T10:30:00Z")),
                (utc("2026-01-06T09:00:00Z"), utc("2026-01-06T10:30:00Z")),
            ]
        );
    }

    #[test]
    fn until_date_is_inclusive() {
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;INTERVAL=2;UNTIL=20260109",
                "2026-01-05T09:00:00Z",
                "UTC"
            ),
            [
                "2026-01-05T09:00Z",
                "2026-01-07T09:00Z",
                "2026-01-09T09:00Z"
            ]
        );
    }

    #[test]
    fn until_date_is_a_local_date_in_the_zone() {
        // 23:30 in Seoul is 14:30 UTC on the same date; the last local date is
        // 2026-01-07 even though a UTC reading would allow 2026-01-08 too.
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;UNTIL=20260107",
                "2026-01-05T14:30:00Z",
                "Asia/Seoul"
            ),
            [
                "2026-01-05T14:30Z",
                "2026-01-06T14:30Z",
                "2026-01-07T14:30Z"
            ]
        );
        // 00:30 in Seoul on 2026-01-06 is still 2026-01-05 in UTC.
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;UNTIL=20260107",
                "2026-01-05T15:30:00Z",
                "Asia/Seoul"
            ),
            ["2026-01-05T15:30Z", "2026-01-06T15:30Z"]
        );
    }

    #[test]
    fn until_instant_is_inclusive() {
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;UNTIL=20260108T090000Z",
                "2026-01-05T09:00:00Z",
                "UTC"
            )
            .len(),
            4
        );
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;UNTIL=20260108T085959Z",
                "2026-01-05T09:00:00Z",
                "UTC"
            )
            .len(),
            3
        );
    }

    #[test]
    fn until_before_the_first_start_has_no_occurrences() {
        for text in [
            "FREQ=DAILY;UNTIL=20260104",
            "FREQ=DAILY;UNTIL=20260105T085959Z",
        ] {
            let error = starts(text, "2026-01-05T09:00:00Z", "UTC", 10).expect_err("empty series");
            assert_eq!(error.part, "rule", "{text}");
        }
    }

    #[test]
    fn new_york_keeps_nine_local_across_dst_start() {
        // US daylight saving time starts on Sunday 2026-03-08.
        assert_eq!(
            expect_starts(
                "FREQ=WEEKLY;COUNT=3",
                "2026-03-02T14:00:00Z",
                "America/New_York"
            ),
            [
                "2026-03-02T14:00Z",
                "2026-03-09T13:00Z",
                "2026-03-16T13:00Z"
            ]
        );
    }

    #[test]
    fn new_york_keeps_nine_local_across_dst_end() {
        // US daylight saving time ends on Sunday 2026-11-01.
        let occurrences = expand(
            &rule("FREQ=WEEKLY;BYDAY=MO;COUNT=3"),
            utc("2026-10-26T13:00:00Z"),
            Duration::hours(1),
            zone("America/New_York"),
            10,
        )
        .expect("expands");
        let starts: Vec<DateTime<Utc>> = occurrences.iter().map(|(start, _)| *start).collect();
        assert_eq!(
            starts,
            [
                utc("2026-10-26T13:00:00Z"),
                utc("2026-11-02T14:00:00Z"),
                utc("2026-11-09T14:00:00Z"),
            ]
        );
        for start in starts {
            assert_eq!(
                to_local(zone("America/New_York"), start).time(),
                local("2026-01-01T09:00").time()
            );
        }
    }

    #[test]
    fn berlin_keeps_local_time_across_dst_start() {
        // Central European Summer Time starts on Sunday 2026-03-29.
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;COUNT=3",
                "2026-03-28T09:00:00Z",
                "Europe/Berlin"
            ),
            [
                "2026-03-28T09:00Z",
                "2026-03-29T08:00Z",
                "2026-03-30T08:00Z"
            ]
        );
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_moves_forward_by_the_gap() {
        let new_york = zone("America/New_York");
        let at = to_instant(new_york, local("2026-03-08T02:30"));
        assert_eq!(at, utc("2026-03-08T07:30:00Z"));
        assert_eq!(to_local(new_york, at), local("2026-03-08T03:30"));
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;COUNT=3",
                "2026-03-07T07:30:00Z",
                "America/New_York"
            ),
            [
                "2026-03-07T07:30Z",
                "2026-03-08T07:30Z",
                "2026-03-09T06:30Z"
            ]
        );
    }

    #[test]
    fn the_gap_is_bridged_in_other_zones_too() {
        let berlin = zone("Europe/Berlin");
        assert_eq!(
            to_instant(berlin, local("2026-03-29T02:15")),
            utc("2026-03-29T01:15:00Z")
        );
        // Lord Howe Island moves its clocks by only 30 minutes.
        let lord_howe = zone("Australia/Lord_Howe");
        let at = to_instant(lord_howe, local("2026-10-04T02:10"));
        assert_eq!(to_local(lord_howe, at), local("2026-10-04T02:40"));
    }

    #[test]
    fn an_ambiguous_fall_back_time_takes_the_earlier_instant() {
        let new_york = zone("America/New_York");
        // 01:30 happens twice on 2026-11-01: first at EDT (-4), then at EST (-5).
        assert_eq!(
            to_instant(new_york, local("2026-11-01T01:30")),
            utc("2026-11-01T05:30:00Z")
        );
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;COUNT=3",
                "2026-10-31T05:30:00Z",
                "America/New_York"
            ),
            [
                "2026-10-31T05:30Z",
                "2026-11-01T05:30Z",
                "2026-11-02T06:30Z"
            ]
        );
    }

    #[test]
    fn a_first_start_in_the_later_overlap_hour_is_kept_exactly() {
        // 06:30Z is the second 01:30 (EST) on 2026-11-01.
        assert_eq!(
            expect_starts(
                "FREQ=DAILY;COUNT=2",
                "2026-11-01T06:30:00Z",
                "America/New_York"
            ),
            ["2026-11-01T06:30Z", "2026-11-02T06:30Z"]
        );
    }

    #[test]
    fn seoul_by_name_and_by_offset_agree() {
        let named = zone("Asia/Seoul");
        let fixed = zone("+09:00");
        assert!(matches!(named, Zone::Named(chrono_tz::Tz::Asia__Seoul)));
        assert_eq!(
            fixed,
            Zone::Fixed(FixedOffset::east_opt(9 * 3600).expect("valid offset"))
        );
        let text = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4";
        let expected = [
            "2026-03-03T00:00Z",
            "2026-03-05T00:00Z",
            "2026-03-10T00:00Z",
            "2026-03-12T00:00Z",
        ];
        // 09:00 in Seoul, across the US and European DST dates for good measure.
        assert_eq!(
            expect_starts(text, "2026-03-03T00:00:00Z", "Asia/Seoul"),
            expected
        );
        assert_eq!(
            expect_starts(text, "2026-03-03T00:00:00Z", "+09:00"),
            expected
        );
        assert_eq!(
            to_instant(fixed, local("2026-03-03T09:00")),
            utc("2026-03-03T00:00:00Z")
        );
    }

    #[test]
    fn zones_parse_and_print_back() {
        for name in [
            "America/New_York",
            "UTC",
            "Europe/Berlin",
            "+09:00",
            "-05:30",
            "+00:00",
        ] {
            assert_eq!(zone(name).to_string(), name);
        }
        assert_eq!(zone("-0530").to_string(), "-05:30");
    }

    #[test]
    fn unknown_zones_and_bad_offsets_are_refused() {
        for name in [
            "",
            "Mars/Olympus_Mons",
            "america/new_york",
            "09:00",
            "+9:00",
            "+24:00",
            "+09:60",
            "+09-00",
            "+0900:",
            "+é9:00",
        ] {
            let error = Zone::parse(name).expect_err("invalid zone");
            assert_eq!(error.part, "zone", "{name}");
        }
    }

    #[test]
    fn exceeding_max_is_an_error_naming_the_bound() {
        let error =
            starts("FREQ=DAILY;COUNT=10", "2026-01-05T09:00:00Z", "UTC", 5).expect_err("too many");
        assert_eq!(error.part, "COUNT");
        assert_eq!(
            error.reason,
            "the series would have more than 5 occurrences"
        );
        assert_eq!(
            starts("FREQ=DAILY;COUNT=5", "2026-01-05T09:00:00Z", "UTC", 5)
                .expect("exactly max")
                .len(),
            5
        );
    }

    #[test]
    fn a_far_away_until_stops_as_soon_as_max_is_exceeded() {
        let error = starts(
            "FREQ=DAILY;UNTIL=99991231",
            "2026-01-05T09:00:00Z",
            "UTC",
            100,
        )
        .expect_err("too many");
        assert_eq!(error.part, "UNTIL");
        assert_eq!(
            error.reason,
            "the series would have more than 100 occurrences"
        );
    }
}
