//! iCalendar (RFC 5545) feed of bookings, for users who subscribe to their
//! bookings from a calendar application.
//!
//! Decisions, and why:
//!
//! - Every time is written in UTC (`20261121T090000Z`), so the feed needs no
//!   `VTIMEZONE` components and each client shows the booking in its own zone.
//!   Sub-second precision is dropped, as the format has none.
//! - `METHOD:PUBLISH` and a stable `UID` with a `SEQUENCE` that grows on every
//!   change let clients update an event in place instead of duplicating it.
//!   A cancelled booking stays in the feed with `STATUS:CANCELLED` so that
//!   subscribers remove it rather than keep a stale copy.
//! - `REFRESH-INTERVAL` (RFC 7986) and its older spelling `X-PUBLISHED-TTL` ask
//!   clients to poll every 15 minutes; most ignore anything shorter anyway.
//! - The booker's name is appended to `DESCRIPTION` as `Booked by: <name>`
//!   instead of being emitted as `ORGANIZER`, because `ORGANIZER` must be a
//!   `mailto:` address and the feed should not publish e-mail addresses.
//! - `SEQUENCE` must be a non-negative integer, so a negative value is written
//!   as 0.
//! - Empty optional texts (description, location, booker's name) are left out
//!   rather than written as empty properties.
//! - TEXT values are escaped per RFC 5545 3.3.11 (backslash, `;`, `,`, and any
//!   line break as `\n`); other control characters, which the format cannot
//!   carry, are removed (a tab is kept, as the format allows it).
//! - Content lines are folded at 75 octets with CRLF and a single space, never
//!   inside a UTF-8 character; every line, the last one included, ends in CRLF.
//! - A calendar without events is still written as an empty `VCALENDAR`:
//!   RFC 5545 asks for at least one component, but subscribers handle an empty
//!   feed better than an error when a user simply has no bookings.

#[cfg(test)]
mod tests;
mod text;

use chrono::{DateTime, Utc};

use self::text::Writer;

/// The media type to serve a rendered calendar with.
pub(crate) const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

const PRODID: &str = "-//Holdfast//Resource bookings//EN";

/// How often subscribers are asked to refresh the feed.
const REFRESH_INTERVAL: &str = "PT15M";

/// Whether a booking still takes place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventStatus {
    Confirmed,
    Cancelled,
}

impl EventStatus {
    fn as_ical(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// One booking as a calendar event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    /// Stable across changes, e.g. `"<uuid>@holdfast"`, so clients update the
    /// event in place.
    pub(crate) uid: String,
    /// Bumped on every change so clients know which copy is newer.
    pub(crate) sequence: i32,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) summary: String,
    pub(crate) description: Option<String>,
    pub(crate) location: Option<String>,
    /// Written into `DESCRIPTION` (see the module documentation).
    pub(crate) organizer_name: Option<String>,
    pub(crate) status: EventStatus,
    pub(crate) created: DateTime<Utc>,
    pub(crate) last_modified: DateTime<Utc>,
}

/// A subscribable calendar of bookings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Calendar {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) events: Vec<Event>,
}

impl Calendar {
    /// Renders the whole feed. `dtstamp` is when the feed was generated: for a
    /// published feed RFC 5545 defines `DTSTAMP` as the creation time of the
    /// calendar object, so every event carries the same one.
    pub(crate) fn render(&self, dtstamp: DateTime<Utc>) -> String {
        let mut out = Writer::default();
        out.raw("BEGIN", "VCALENDAR");
        out.raw("VERSION", "2.0");
        out.raw("PRODID", PRODID);
        out.raw("CALSCALE", "GREGORIAN");
        out.raw("METHOD", "PUBLISH");
        out.text("X-WR-CALNAME", &self.name);
        if let Some(description) = non_empty(self.description.as_deref()) {
            out.text("X-WR-CALDESC", description);
        }
        out.raw("REFRESH-INTERVAL;VALUE=DURATION", REFRESH_INTERVAL);
        out.raw("X-PUBLISHED-TTL", REFRESH_INTERVAL);
        for event in &self.events {
            event.write(&mut out, dtstamp);
        }
        out.raw("END", "VCALENDAR");
        out.finish()
    }
}

impl Event {
    fn write(&self, out: &mut Writer, dtstamp: DateTime<Utc>) {
        out.raw("BEGIN", "VEVENT");
        out.text("UID", &self.uid);
        out.time("DTSTAMP", dtstamp);
        out.time("DTSTART", self.start);
        out.time("DTEND", self.end);
        out.text("SUMMARY", &self.summary);
        if let Some(description) = self.full_description() {
            out.text("DESCRIPTION", &description);
        }
        if let Some(location) = non_empty(self.location.as_deref()) {
            out.text("LOCATION", location);
        }
        out.raw("SEQUENCE", &self.sequence.max(0).to_string());
        out.raw("STATUS", self.status.as_ical());
        out.time("CREATED", self.created);
        out.time("LAST-MODIFIED", self.last_modified);
        out.raw("TRANSP", "OPAQUE");
        out.raw("END", "VEVENT");
    }

    /// The description with the booker's name appended on its own paragraph.
    fn full_description(&self) -> Option<String> {
        let booked_by =
            non_empty(self.organizer_name.as_deref()).map(|name| format!("Booked by: {name}"));
        match (non_empty(self.description.as_deref()), booked_by) {
            (Some(description), Some(booked_by)) => Some(format!("{description}\n\n{booked_by}")),
            (Some(description), None) => Some(description.to_owned()),
            (None, booked_by) => booked_by,
        }
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}
