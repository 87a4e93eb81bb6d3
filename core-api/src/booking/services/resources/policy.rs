//! A resource's booking rules (longest booking, notice, how far ahead, allowed hours),
//! checked for every booking and every occurrence of a series.

use crate::error::ErrorCode;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde_json::json;

use crate::{
    booking::domain::{
        recurrence::{self, Zone},
        resource::{MAX_BOOKING_DAYS, Resource},
    },
    error::{Error, Result},
};

/// A resource's booking rules, checked for every booking and every occurrence of a series.
pub(crate) struct Policy<'a>(pub &'a Resource);

impl Policy<'_> {
    fn refuse(&self, rule: &str, message: String, limit: serde_json::Value) -> Error {
        Error::rule(
            ErrorCode::BookingPolicyViolated,
            message,
            json!({ "rule": rule, "limit": limit, "resourceId": self.0.id }),
        )
    }

    /// Checks `[start, end)` as of `now`. `new_start` is false when an update keeps the
    /// start it had (a running booking may still be extended or renamed).
    pub(crate) fn check(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
        new_start: bool,
    ) -> Result<()> {
        let r = self.0;
        let minutes = (end - start).num_minutes();
        let max = r
            .max_duration_minutes
            .map_or(MAX_BOOKING_DAYS * 24 * 60, i64::from);
        if (end - start) > Duration::minutes(max) {
            return Err(self.refuse(
                "maxDuration",
                format!(
                    "a booking of this resource may last at most {max} minutes (asked {minutes})"
                ),
                json!(max),
            ));
        }
        let notice = r.min_notice_minutes.unwrap_or(0);
        if new_start && start < now + Duration::minutes(notice.into()) {
            let message = if notice == 0 {
                "a booking cannot start in the past".to_owned()
            } else {
                format!("bookings of this resource must be made at least {notice} minutes ahead")
            };
            return Err(self.refuse("minNotice", message, json!(notice)));
        }
        if let Some(days) = r.max_advance_days
            && start > now + Duration::days(days.into())
        {
            return Err(self.refuse(
                "maxAdvance",
                format!("bookings of this resource may start at most {days} days ahead"),
                json!(days),
            ));
        }
        if let Some((from, to)) = self.allowed_window_of(start)
            && (start < from || end > to)
        {
            let hours = r
                .allowed_hours()
                .map(|h| json!({ "start": h.start, "end": h.end, "timeZone": h.time_zone }));
            return Err(self.refuse(
                "allowedHours",
                "this resource can only be booked inside its allowed hours, within one day"
                    .to_owned(),
                json!(hours),
            ));
        }
        Ok(())
    }

    /// The allowed-hours window of the local day `at` falls on, as instants.
    fn allowed_window_of(&self, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let zone = self.zone()?;
        let day = recurrence::to_local(zone, at).date();
        self.allowed_window_on(zone, day)
    }

    /// The allowed-hours window on one local date.
    pub(crate) fn allowed_window_on(
        &self,
        zone: Zone,
        day: chrono::NaiveDate,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (start, end) = (self.0.allowed_start_minute?, self.0.allowed_end_minute?);
        let midnight = day.and_time(NaiveTime::MIN);
        let at = |m: i32| recurrence::to_instant(zone, midnight + Duration::minutes(m.into()));
        Some((at(start), at(end)))
    }

    /// The policy's zone when it has allowed hours.
    pub(crate) fn zone(&self) -> Option<Zone> {
        self.0.allowed_start_minute?;
        Zone::parse(&self.0.policy_time_zone).ok()
    }
}
