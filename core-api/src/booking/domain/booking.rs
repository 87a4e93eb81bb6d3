//! A booking of a shared server as the rules see it: its window, its status and who holds
//! it, plus the checks every booking's text and span must pass.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Whether a booking still holds its time. Stored and sent as `active` / `cancelled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BookingStatus {
    Active,
    Cancelled,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Active => "active",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    /// The status a stored or asked-for word names, if any.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(BookingStatus::Active),
            "cancelled" => Some(BookingStatus::Cancelled),
            _ => None,
        }
    }
}

/// A booking with the names of its resource and owner. Serialised in the API's camelCase:
/// it is the audit log's snapshot.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub series_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub status: BookingStatus,
    /// iCalendar SEQUENCE: bumped on every change.
    pub sequence: i32,
    pub google_event_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// A calendar push for this booking is still waiting in the outbox.
    #[serde(skip)]
    pub sync_pending: bool,
}

impl Booking {
    pub fn is_active(&self) -> bool {
        self.status == BookingStatus::Active
    }
}

/// An active booking that stands in the way of another (409 details).
#[derive(Clone, Debug)]
pub struct Busy {
    pub id: Uuid,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

/// A title of 1 to 200 characters and a description of at most 2000, no control characters
/// but line breaks and tabs.
pub(crate) fn check_text(title: &str, description: &str) -> Result<()> {
    let n = title.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(Error::validation("title", "must be 1 to 200 characters"));
    }
    if description.chars().count() > 2000 {
        return Err(Error::validation(
            "description",
            "must be at most 2000 characters",
        ));
    }
    if title
        .chars()
        .chain(description.chars())
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::validation(
            "title",
            "must not contain control characters",
        ));
    }
    Ok(())
}

pub(crate) fn check_span(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<()> {
    if end <= start {
        return Err(Error::validation("endAt", "must be after startAt"));
    }
    Ok(())
}

/// A booking and whether its Google Calendar event is in step with it.
#[derive(Clone, Debug)]
pub struct SyncedBooking {
    pub booking: Booking,
    pub calendar_synced: bool,
}

/// A recurrence asked for with a booking: the parsed rule and the zone whose wall-clock
/// time the series keeps, with the name it was given by.
#[derive(Clone, Debug)]
pub struct Recurrence {
    pub rule: super::recurrence::Rule,
    pub zone: super::recurrence::Zone,
    pub zone_name: String,
}

/// A booking (or the first occurrence of a series) to make; its text and span are checked.
#[derive(Clone, Debug)]
pub struct BookingRequest {
    pub resource_id: Uuid,
    pub title: String,
    pub description: String,
    pub start: DateTime<chrono::FixedOffset>,
    pub end: DateTime<Utc>,
    pub recurrence: Option<Recurrence>,
    /// With `recurrence`: book the free occurrences and report the others.
    pub skip_conflicts: bool,
}

/// Fields to change; absent ones keep their value.
#[derive(Clone, Debug, Default)]
pub struct BookingChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// An occurrence not booked because other bookings hold its time. Serialised in the API's
/// camelCase: the 409 of a series names them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedOccurrence {
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub conflicting_booking_ids: Vec<Uuid>,
}

/// What a recurring request booked.
#[derive(Clone, Debug)]
pub struct Series {
    pub series_id: Uuid,
    pub rule: String,
    pub time_zone: String,
    pub bookings: Vec<SyncedBooking>,
    pub skipped: Vec<SkippedOccurrence>,
}

/// What cancelling a series cancelled.
#[derive(Clone, Debug)]
pub struct SeriesCancelled {
    pub series_id: Uuid,
    pub cancelled: Vec<SyncedBooking>,
}

/// What a booking request made: one booking, or a series.
#[derive(Clone, Debug)]
pub enum Created {
    One(SyncedBooking),
    Series(Series),
}
