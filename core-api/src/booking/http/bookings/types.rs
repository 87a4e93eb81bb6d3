//! Request and response bodies of `/resource-bookings`, and their conversions from and to
//! the domain's bookings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    booking::domain::{
        booking::{
            Booking, BookingChanges, BookingRequest, Recurrence, Series, SeriesCancelled,
            SyncedBooking, check_span, check_text,
        },
        recurrence::{self, Rule, Zone},
        time::parse_instant,
    },
    error::{Error, Result},
};

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateBookingRequest {
    pub(crate) resource_id: Uuid,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
    /// RFC 3339 with an offset, e.g. "2026-12-01T09:00:00+09:00".
    pub(crate) start_at: String,
    pub(crate) end_at: String,
    /// Makes this the first occurrence of a series.
    pub(crate) recurrence: Option<RecurrenceInput>,
    /// With `recurrence`: book the free occurrences and report the others, instead of
    /// refusing the whole series when one occurrence conflicts.
    #[serde(default)]
    pub(crate) skip_conflicts: bool,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RecurrenceInput {
    /// RRULE subset: FREQ=DAILY|WEEKLY, INTERVAL, COUNT or UNTIL, BYDAY (e.g.
    /// "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8").
    pub(crate) rule: String,
    /// The zone whose wall-clock time the series keeps (IANA name). Default: the fixed
    /// offset `startAt` was given in.
    pub(crate) time_zone: Option<String>,
}

impl CreateBookingRequest {
    /// The booking asked for: text, times and recurrence checked, in that order.
    pub(crate) fn parse(self) -> Result<BookingRequest> {
        check_text(&self.title, &self.description)?;
        let start = parse_instant("startAt", &self.start_at)?;
        let end = parse_instant("endAt", &self.end_at)?.to_utc();
        check_span(start.to_utc(), end)?;
        let recurrence = match &self.recurrence {
            None => None,
            Some(r) => {
                let rule: Rule = r.rule.parse().map_err(|e: recurrence::RuleError| {
                    Error::validation("recurrence.rule", e.to_string())
                })?;
                let zone_name = match &r.time_zone {
                    Some(name) => name.trim().to_owned(),
                    None => start.offset().to_string(),
                };
                let zone = Zone::parse(&zone_name)
                    .map_err(|e| Error::validation("recurrence.timeZone", e.reason))?;
                Some(Recurrence {
                    rule,
                    zone,
                    zone_name,
                })
            }
        };
        Ok(BookingRequest {
            resource_id: self.resource_id,
            title: self.title,
            description: self.description,
            start,
            end,
            recurrence,
            skip_conflicts: self.skip_conflicts,
        })
    }
}

/// Fields to change; absent ones keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateBookingRequest {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) start_at: Option<String>,
    pub(crate) end_at: Option<String>,
}

impl UpdateBookingRequest {
    pub(crate) fn parse(self) -> Result<BookingChanges> {
        let at = |field: &str, v: Option<String>| {
            v.map(|v| parse_instant(field, &v).map(|t| t.to_utc()))
                .transpose()
        };
        Ok(BookingChanges {
            start: at("startAt", self.start_at)?,
            end: at("endAt", self.end_at)?,
            title: self.title,
            description: self.description,
        })
    }
}

/// A booking as stored, with the names of its resource and owner. Serialised in the API's
/// camelCase: it is the body of every booking answer and the audit log's snapshot.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(as = BookingRow)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BookingBody {
    pub(crate) id: Uuid,
    pub(crate) resource_id: Uuid,
    pub(crate) resource_name: String,
    pub(crate) user_id: Uuid,
    pub(crate) user_name: String,
    pub(crate) series_id: Option<Uuid>,
    pub(crate) title: String,
    pub(crate) description: String,
    /// UTC.
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
    /// "active" or "cancelled".
    pub(crate) status: String,
    /// iCalendar SEQUENCE: bumped on every change.
    pub(crate) sequence: i32,
    pub(crate) google_event_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
}

impl From<Booking> for BookingBody {
    fn from(b: Booking) -> Self {
        BookingBody {
            id: b.id,
            resource_id: b.resource_id,
            resource_name: b.resource_name,
            user_id: b.user_id,
            user_name: b.user_name,
            series_id: b.series_id,
            title: b.title,
            description: b.description,
            start_at: b.start_at,
            end_at: b.end_at,
            status: b.status.as_str().to_owned(),
            sequence: b.sequence,
            google_event_id: b.google_event_id,
            created_at: b.created_at,
            updated_at: b.updated_at,
            cancelled_at: b.cancelled_at,
        }
    }
}

/// A booking: its row plus whether its calendar event is in step.
#[derive(Debug, Serialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BookingView {
    #[serde(flatten)]
    pub(crate) booking: BookingBody,
    /// The Google Calendar event is in step with this booking. False while a push is
    /// pending (the outbox retries it) and whenever calendar push is not configured.
    pub(crate) calendar_synced: bool,
}

impl From<SyncedBooking> for BookingView {
    fn from(b: SyncedBooking) -> Self {
        BookingView {
            booking: b.booking.into(),
            calendar_synced: b.calendar_synced,
        }
    }
}

/// A recurring request's answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeriesView {
    pub(crate) series_id: Uuid,
    pub(crate) rule: String,
    pub(crate) time_zone: String,
    pub(crate) bookings: Vec<BookingView>,
    /// Occurrences not booked because another booking holds their time (skipConflicts).
    pub(crate) skipped: Vec<SkippedOccurrence>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SkippedOccurrence {
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
    pub(crate) conflicting_booking_ids: Vec<Uuid>,
}

impl From<Series> for SeriesView {
    fn from(s: Series) -> Self {
        SeriesView {
            series_id: s.series_id,
            rule: s.rule,
            time_zone: s.time_zone,
            bookings: s.bookings.into_iter().map(Into::into).collect(),
            skipped: s
                .skipped
                .into_iter()
                .map(|o| SkippedOccurrence {
                    start_at: o.start_at,
                    end_at: o.end_at,
                    conflicting_booking_ids: o.conflicting_booking_ids,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeriesCancelView {
    pub(crate) series_id: Uuid,
    /// The occurrences this call cancelled (ended ones stay as they were).
    pub(crate) cancelled: Vec<BookingView>,
}

impl From<SeriesCancelled> for SeriesCancelView {
    fn from(s: SeriesCancelled) -> Self {
        SeriesCancelView {
            series_id: s.series_id,
            cancelled: s.cancelled.into_iter().map(Into::into).collect(),
        }
    }
}
