//! A booking of a shared server as the rules see it: its window, its status and who holds
//! it, plus the checks every booking's text and span must pass.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Whether a booking still holds its time. Stored and sent as `active` / `cancelled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BookingStatus {
    Active,
    Cancelled,
}

impl BookingStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Active => "active",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    /// The status a stored or asked-for word names, if any.
    pub(crate) fn parse(value: &str) -> Option<Self> {
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
pub(crate) struct Booking {
    pub(crate) id: Uuid,
    pub(crate) resource_id: Uuid,
    pub(crate) resource_name: String,
    /// The team that owns the resource.
    pub(crate) team_id: Uuid,
    pub(crate) user_id: Uuid,
    pub(crate) user_name: String,
    pub(crate) series_id: Option<Uuid>,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
    pub(crate) status: BookingStatus,
    /// iCalendar SEQUENCE: bumped on every change.
    pub(crate) sequence: i32,
    pub(crate) google_event_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
    /// A calendar push for this booking is still waiting in the outbox.
    #[serde(skip)]
    pub(crate) sync_pending: bool,
}

impl Booking {
    pub(crate) fn is_active(&self) -> bool {
        self.status == BookingStatus::Active
    }
}

/// An active booking that stands in the way of another (409 details).
#[derive(Clone, Debug)]
pub(crate) struct Busy {
    pub(crate) id: Uuid,
    pub(crate) resource_id: Uuid,
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
    /// The name of whoever holds it.
    pub(crate) holder_name: String,
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
pub(crate) struct SyncedBooking {
    pub(crate) booking: Booking,
    pub(crate) calendar_synced: bool,
}

/// A recurrence asked for with a booking: the parsed rule and the zone whose wall-clock
/// time the series keeps, with the name it was given by.
#[derive(Clone, Debug)]
pub(crate) struct Recurrence {
    pub(crate) rule: super::recurrence::Rule,
    pub(crate) zone: super::recurrence::Zone,
    pub(crate) zone_name: String,
}

/// A booking (or the first occurrence of a series) to make; its text and span are checked.
#[derive(Clone, Debug)]
pub(crate) struct BookingRequest {
    pub(crate) resource_id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) start: DateTime<chrono::FixedOffset>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) recurrence: Option<Recurrence>,
    /// With `recurrence`: book the free occurrences and report the others.
    pub(crate) skip_conflicts: bool,
}

/// Which bookings a list wants; every field narrows.
#[derive(Clone, Debug, Default)]
pub(crate) struct BookingFilter {
    /// Only bookings of servers whose team this user is in (all, for an admin).
    pub(crate) viewer: Option<Uuid>,
    pub(crate) resource_id: Option<Uuid>,
    pub(crate) user_id: Option<Uuid>,
    pub(crate) series_id: Option<Uuid>,
    /// Bookings that end after this instant.
    pub(crate) from: Option<DateTime<Utc>>,
    /// Bookings that start before this instant.
    pub(crate) to: Option<DateTime<Utc>>,
    pub(crate) status: Option<BookingStatus>,
    pub(crate) limit: u64,
}

/// Fields to change; absent ones keep their value.
#[derive(Clone, Debug, Default)]
pub(crate) struct BookingChanges {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
}

/// An occurrence not booked because other bookings hold its time. Serialised in the API's
/// camelCase: the 409 of a series names them.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SkippedOccurrence {
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
    pub(crate) conflicting_booking_ids: Vec<Uuid>,
}

/// What a recurring request booked.
#[derive(Clone, Debug)]
pub(crate) struct Series {
    pub(crate) series_id: Uuid,
    pub(crate) rule: String,
    pub(crate) time_zone: String,
    pub(crate) bookings: Vec<SyncedBooking>,
    pub(crate) skipped: Vec<SkippedOccurrence>,
}

/// What cancelling a series cancelled.
#[derive(Clone, Debug)]
pub(crate) struct SeriesCancelled {
    pub(crate) series_id: Uuid,
    pub(crate) cancelled: Vec<SyncedBooking>,
}

/// What a booking request made: one booking, or a series.
#[derive(Clone, Debug)]
pub(crate) enum Created {
    One(SyncedBooking),
    Series(Series),
}
