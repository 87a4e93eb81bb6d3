//! Reading, checking and printing the RRULE subset: `FREQ`, `INTERVAL`, `COUNT` or
//! `UNTIL`, `BYDAY` and `WKST`, each part at most once.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::{Freq, MAX_COUNT, MAX_INTERVAL, Rule, RuleError, Until, parse_digits};

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
    pub(crate) fn validate(&self) -> Result<(), RuleError> {
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
    pub(super) fn sorted_days(&self) -> Vec<Weekday> {
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
