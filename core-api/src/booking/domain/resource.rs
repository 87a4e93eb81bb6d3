//! A shared server (resource) and the booking policy it carries, as stored and as an admin
//! sets it.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Longest booking any policy may allow, and the default when a resource sets none.
pub(crate) const MAX_BOOKING_DAYS: i64 = 31;

/// A resource. Serialised as stored (snake_case): it is the audit log's snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct Resource {
    pub id: Uuid,
    /// The team that owns the server: only its members see it.
    pub team_id: Uuid,
    pub name: String,
    pub description: String,
    pub capacity: Option<i32>,
    pub is_active: bool,
    pub max_duration_minutes: Option<i32>,
    pub max_advance_days: Option<i32>,
    pub min_notice_minutes: Option<i32>,
    pub allowed_start_minute: Option<i32>,
    pub allowed_end_minute: Option<i32>,
    pub policy_time_zone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The daily window bookings must fit in, as written in the API ("HH:MM" and a zone name).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AllowedHours {
    pub(crate) start: String,
    pub(crate) end: String,
    pub(crate) time_zone: String,
}

impl Resource {
    /// The allowed hours, when the policy has them.
    pub(crate) fn allowed_hours(&self) -> Option<AllowedHours> {
        match (self.allowed_start_minute, self.allowed_end_minute) {
            (Some(start), Some(end)) => Some(AllowedHours {
                start: hhmm(start),
                end: hhmm(end),
                time_zone: self.policy_time_zone.clone(),
            }),
            _ => None,
        }
    }
}

/// What an admin sets on a resource (create and full update), validated.
#[derive(Clone, Debug)]
pub struct ResourceFields {
    pub name: String,
    pub description: String,
    pub capacity: Option<i32>,
    pub is_active: bool,
    pub max_duration_minutes: Option<i32>,
    pub max_advance_days: Option<i32>,
    pub min_notice_minutes: Option<i32>,
    pub allowed_start_minute: Option<i32>,
    pub allowed_end_minute: Option<i32>,
    pub policy_time_zone: String,
}

/// Minutes after midnight as "HH:MM" (1440 is "24:00").
fn hhmm(minute: i32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// "HH:MM" (or "24:00", the end of the day) as minutes after midnight.
pub(crate) fn parse_hhmm(field: &str, value: &str) -> Result<i32> {
    if value == "24:00" {
        return Ok(1440);
    }
    NaiveTime::parse_from_str(value, "%H:%M")
        .map(|t| (t.hour() * 60 + t.minute()) as i32)
        .map_err(|_| Error::validation(field, "must be HH:MM (00:00 to 24:00)"))
}
