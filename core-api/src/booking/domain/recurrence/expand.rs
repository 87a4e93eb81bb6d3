//! Expanding a rule into the (start, end) instants of its occurrences, keeping the
//! wall-clock time of the first start in the series' zone.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, Utc, Weekday};

use super::{Freq, Occurrence, Rule, RuleError, Until, Zone, to_instant, to_local};

/// Every occurrence as (start, end) instants, in order. See the module
/// documentation for the semantics and the errors.
pub(crate) fn expand(
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
