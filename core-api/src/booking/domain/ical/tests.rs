//! Unit tests of the feed: exact output, escaping, folding, and a parser reading it back.

use super::text::{escape_text, fold_into};
use super::*;
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike};

const KOREAN: &str = "서버 점검 예약";

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid RFC 3339 time")
        .with_timezone(&Utc)
}

fn event(uid: &str) -> Event {
    Event {
        uid: uid.to_owned(),
        sequence: 0,
        start: utc("2026-11-21T09:00:00Z"),
        end: utc("2026-11-21T11:30:00Z"),
        summary: "gpu-01 booking".to_owned(),
        description: None,
        location: None,
        organizer_name: None,
        status: EventStatus::Confirmed,
        created: utc("2026-11-01T08:00:00Z"),
        last_modified: utc("2026-11-02T08:00:00Z"),
    }
}

fn calendar(events: Vec<Event>) -> Calendar {
    Calendar {
        name: "My bookings".to_owned(),
        description: None,
        events,
    }
}

fn render(calendar: &Calendar) -> String {
    calendar.render(utc("2026-11-20T12:00:00Z"))
}

/// Undoes folding: a CRLF followed by one space joins two physical lines.
fn unfold(text: &str) -> String {
    text.replace("\r\n ", "")
}

/// Splits the raw octets at CRLF, so that a fold inside a character would
/// show up as a line that is not valid UTF-8.
fn physical_lines(text: &str) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut rest = text.as_bytes();
    while let Some(end) = rest.windows(2).position(|pair| pair == b"\r\n") {
        lines.push(&rest[..end]);
        rest = &rest[end + 2..];
    }
    assert!(rest.is_empty(), "output ends with CRLF");
    lines
}

#[test]
fn renders_a_small_calendar_exactly() {
    let mut booking = event("0b9d6c3e-0000-4000-8000-000000000001@holdfast");
    booking.sequence = 3;
    booking.description = Some("Training run".to_owned());
    booking.location = Some("Rack 4".to_owned());
    booking.organizer_name = Some("Kim Minji".to_owned());
    let mut cancelled = event("0b9d6c3e-0000-4000-8000-000000000002@holdfast");
    cancelled.sequence = 1;
    cancelled.status = EventStatus::Cancelled;
    let mut calendar = calendar(vec![booking, cancelled]);
    calendar.description = Some("Bookings of gpu-01".to_owned());
    let expected = "BEGIN:VCALENDAR\r\n\
        VERSION:2.0\r\n\
        PRODID:-//Holdfast//Resource bookings//EN\r\n\
        CALSCALE:GREGORIAN\r\n\
        METHOD:PUBLISH\r\n\
        X-WR-CALNAME:My bookings\r\n\
        X-WR-CALDESC:Bookings of gpu-01\r\n\
        REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n\
        X-PUBLISHED-TTL:PT15M\r\n\
        BEGIN:VEVENT\r\n\
        UID:0b9d6c3e-0000-4000-8000-000000000001@holdfast\r\n\
        DTSTAMP:20261120T120000Z\r\n\
        DTSTART:20261121T090000Z\r\n\
        DTEND:20261121T113000Z\r\n\
        SUMMARY:gpu-01 booking\r\n\
        DESCRIPTION:Training run\\n\\nBooked by: Kim Minji\r\n\
        LOCATION:Rack 4\r\n\
        SEQUENCE:3\r\n\
        STATUS:CONFIRMED\r\n\
        CREATED:20261101T080000Z\r\n\
        LAST-MODIFIED:20261102T080000Z\r\n\
        TRANSP:OPAQUE\r\n\
        END:VEVENT\r\n\
        BEGIN:VEVENT\r\n\
        UID:0b9d6c3e-0000-4000-8000-000000000002@holdfast\r\n\
        DTSTAMP:20261120T120000Z\r\n\
        DTSTART:20261121T090000Z\r\n\
        DTEND:20261121T113000Z\r\n\
        SUMMARY:gpu-01 booking\r\n\
        SEQUENCE:1\r\n\
        STATUS:CANCELLED\r\n\
        CREATED:20261101T080000Z\r\n\
        LAST-MODIFIED:20261102T080000Z\r\n\
        TRANSP:OPAQUE\r\n\
        END:VEVENT\r\n\
        END:VCALENDAR\r\n";
    assert_eq!(render(&calendar), expected);
}

#[test]
fn an_empty_calendar_has_only_the_calendar_properties() {
    let expected = "BEGIN:VCALENDAR\r\n\
        VERSION:2.0\r\n\
        PRODID:-//Holdfast//Resource bookings//EN\r\n\
        CALSCALE:GREGORIAN\r\n\
        METHOD:PUBLISH\r\n\
        X-WR-CALNAME:My bookings\r\n\
        REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n\
        X-PUBLISHED-TTL:PT15M\r\n\
        END:VCALENDAR\r\n";
    assert_eq!(render(&calendar(Vec::new())), expected);
}

#[test]
fn text_is_escaped() {
    assert_eq!(
        escape_text("a\\b;c,d\ne\r\nf\rg:h"),
        "a\\\\b\\;c\\,d\\ne\\nf\\ng:h"
    );
    assert_eq!(
        escape_text("tab\tbell\u{7}nul\0del\u{7f}c1\u{85}."),
        "tab\tbellnuldelc1."
    );
    assert_eq!(escape_text(KOREAN), KOREAN);
}

#[test]
fn every_text_property_is_escaped() {
    let mut booking = event("id;1,2@holdfast");
    booking.summary = "a;b".to_owned();
    booking.description = Some("c,d".to_owned());
    booking.location = Some("e\nf".to_owned());
    booking.organizer_name = Some("Lee, Jun".to_owned());
    let mut calendar = calendar(vec![booking]);
    calendar.name = "x;y".to_owned();
    calendar.description = Some("1,2".to_owned());
    let rendered = render(&calendar);
    for line in [
        "X-WR-CALNAME:x\\;y\r\n",
        "X-WR-CALDESC:1\\,2\r\n",
        "UID:id\\;1\\,2@holdfast\r\n",
        "SUMMARY:a\\;b\r\n",
        "DESCRIPTION:c\\,d\\n\\nBooked by: Lee\\, Jun\r\n",
        "LOCATION:e\\nf\r\n",
    ] {
        assert!(rendered.contains(line), "{line:?} in {rendered}");
    }
}

#[test]
fn organizer_without_description_and_empty_optionals() {
    let mut booking = event("a@holdfast");
    booking.description = Some("  ".to_owned());
    booking.location = Some(String::new());
    booking.organizer_name = Some("Kim Minji".to_owned());
    booking.sequence = -4;
    let rendered = render(&calendar(vec![booking]));
    assert!(rendered.contains("\r\nDESCRIPTION:Booked by: Kim Minji\r\n"));
    assert!(!rendered.contains("LOCATION"));
    assert!(rendered.contains("\r\nSEQUENCE:0\r\n"));
}

#[test]
fn sub_second_precision_is_dropped() {
    let mut booking = event("a@holdfast");
    booking.start = utc("2026-11-21T09:00:00.999Z");
    assert!(render(&calendar(vec![booking])).contains("\r\nDTSTART:20261121T090000Z\r\n"));
}

#[test]
fn folding_happens_after_exactly_75_octets() {
    let mut out = String::new();
    fold_into(&mut out, &"a".repeat(75));
    assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
    out.clear();
    fold_into(&mut out, &"a".repeat(76 + 74));
    assert_eq!(
        out,
        format!("{}\r\n {}\r\n {}\r\n", "a".repeat(75), "a".repeat(74), "a")
    );
}

#[test]
fn folding_never_splits_a_character() {
    // "SUMMARY:" is 8 octets; each Korean syllable is 3, so 75 octets would
    // end inside the 23rd syllable: the line breaks before it instead.
    let mut out = String::new();
    let line = format!("SUMMARY:{}", "가".repeat(30));
    fold_into(&mut out, &line);
    assert_eq!(
        out,
        format!("SUMMARY:{}\r\n {}\r\n", "가".repeat(22), "가".repeat(8))
    );
}

#[test]
fn long_multibyte_lines_fold_into_valid_short_lines() {
    let summary = [KOREAN; 12].join(" ");
    let description = format!("{}\n{}", "설명, 참고; ".repeat(20), "a".repeat(200));
    let mut booking = event("a@holdfast");
    booking.summary = summary.clone();
    booking.description = Some(description.clone());
    let rendered = render(&calendar(vec![booking]));

    let lines = physical_lines(&rendered);
    assert!(
        lines.iter().any(|line| line.starts_with(b" ")),
        "something was folded"
    );
    for line in lines {
        assert!(
            line.len() <= 75,
            "{} octets: {:?}",
            line.len(),
            String::from_utf8_lossy(line)
        );
        assert!(std::str::from_utf8(line).is_ok(), "{line:?} is valid UTF-8");
    }
    let unfolded = unfold(&rendered);
    assert!(unfolded.contains(&format!("\r\nSUMMARY:{}\r\n", escape_text(&summary))));
    assert!(unfolded.contains(&format!(
        "\r\nDESCRIPTION:{}\r\n",
        escape_text(&description)
    )));
}

#[test]
fn every_line_ends_in_crlf() {
    let mut booking = event("a@holdfast");
    booking.description = Some("one\ntwo\r\nthree\r".to_owned());
    let rendered = render(&calendar(vec![booking]));
    assert!(rendered.ends_with("END:VCALENDAR\r\n"));
    let bytes = rendered.as_bytes();
    for (index, byte) in bytes.iter().enumerate() {
        match byte {
            b'\n' => assert_eq!(
                bytes.get(index.wrapping_sub(1)),
                Some(&b'\r'),
                "LF at {index}"
            ),
            b'\r' => assert_eq!(bytes.get(index + 1), Some(&b'\n'), "CR at {index}"),
            _ => {}
        }
    }
}

#[test]
fn a_parser_reads_the_feed_back() {
    let tricky = format!("Rack 4; row 2, slot 3\n{}", [KOREAN; 8].join(" / "));
    let mut confirmed = event("11111111-1111-4111-8111-111111111111@holdfast");
    confirmed.sequence = 7;
    confirmed.summary = format!("{KOREAN}, gpu-01; {KOREAN}");
    confirmed.description = Some(tricky.clone());
    confirmed.location = Some("Seoul, DC-1; hall B".to_owned());
    let mut cancelled = event("22222222-2222-4222-8222-222222222222@holdfast");
    cancelled.sequence = 2;
    cancelled.status = EventStatus::Cancelled;
    cancelled.start = utc("2026-12-24T23:15:00Z");
    cancelled.end = utc("2026-12-25T01:15:00Z");
    cancelled.summary = [KOREAN; 10].join(" ");
    let rendered = render(&calendar(vec![confirmed.clone(), cancelled.clone()]));

    let parsed: icalendar::Calendar = rendered.parse().expect("the feed parses");
    let events: Vec<&icalendar::Event> = parsed.events().collect();
    assert_eq!(events.len(), 2);
    for (parsed, original) in events.into_iter().zip([&confirmed, &cancelled]) {
        assert_eq!(parsed.get_uid(), Some(original.uid.as_str()));
        assert_eq!(parsed.get_sequence(), u32::try_from(original.sequence).ok());
        assert_eq!(parsed.get_summary(), Some(original.summary.as_str()));
        assert_eq!(
            parsed.get_start(),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(
                original.start
            )))
        );
        assert_eq!(
            parsed.get_end(),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(
                original.end
            )))
        );
        assert_eq!(parsed.get_timestamp(), Some(utc("2026-11-20T12:00:00Z")));
        assert_eq!(parsed.get_created(), Some(original.created));
        assert_eq!(parsed.get_last_modified(), Some(original.last_modified));
    }
    let events: Vec<&icalendar::Event> = parsed.events().collect();
    assert_eq!(
        events[0].get_status(),
        Some(icalendar::EventStatus::Confirmed)
    );
    assert_eq!(
        events[1].get_status(),
        Some(icalendar::EventStatus::Cancelled)
    );
    assert_eq!(events[0].get_description(), Some(tricky.as_str()));
    assert_eq!(events[0].get_location(), Some("Seoul, DC-1; hall B"));
    assert_eq!(events[1].get_description(), None);
    assert_eq!(parsed.get_name(), Some("My bookings"));
}
