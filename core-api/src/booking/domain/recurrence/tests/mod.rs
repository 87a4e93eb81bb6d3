//! Unit tests of the RRULE subset: parsing, expansion, and time zones across DST.

mod expansion;
mod rules;
mod zones;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, Utc, Weekday};

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
