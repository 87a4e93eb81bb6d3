//! A booking as a Google Calendar event: its id and the body the Calendar API takes.

use serde_json::json;
use uuid::Uuid;

use crate::booking::domain::booking::Booking;

/// The Google Calendar event id of a booking: its uuid in hex (a valid base32hex id).
pub(crate) fn event_id(booking_id: Uuid) -> String {
    booking_id.simple().to_string()
}

/// The event as the Calendar API takes it.
pub(super) fn event_body(b: &Booking, id: &str) -> serde_json::Value {
    let mut description = b.description.clone();
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str(&format!(
        "Booked by {} on {}.",
        b.user_name, b.resource_name
    ));
    json!({
        "id": id,
        "summary": format!("{}: {}", b.resource_name, b.title),
        "description": description,
        "location": b.resource_name,
        "start": { "dateTime": b.start_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) },
        "end": { "dateTime": b.end_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) },
        "status": "confirmed",
        "extendedProperties": { "private": {
            "holdfastBookingId": b.id.to_string(),
            "holdfastSequence": b.sequence.to_string(),
        } },
    })
}
