//! What each notification says, in Korean or English, with times in the reader's zone (their
//! preference, else the server's, else UTC).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

/// A rendered message.
pub(crate) struct Text {
    pub(crate) subject: String,
    pub(crate) body: String,
}

fn field<'a>(p: &'a Value, name: &str) -> &'a str {
    p[name].as_str().unwrap_or("")
}

/// `at` as "YYYY-MM-DD HH:MM" in `zone`.
fn local(p: &Value, name: &str, zone: Tz) -> String {
    p[name]
        .as_str()
        .and_then(|s| s.parse::<DateTime<Utc>>().ok())
        .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The zone times are shown in: the reader's, else the one the payload names, else UTC.
pub(crate) fn zone(preferred: Option<&str>, payload: &Value) -> Tz {
    preferred
        .and_then(|z| z.parse().ok())
        .or_else(|| payload["timeZone"].as_str().and_then(|z| z.parse().ok()))
        .unwrap_or(Tz::UTC)
}

fn won(p: &Value) -> String {
    let amount = p["amount"].as_i64().unwrap_or(0);
    let digits = amount.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("₩{out}")
}

/// The message for `event` in `locale` ("ko" or "en").
pub(crate) fn render(event: &str, locale: &str, p: &Value, zone: Tz) -> Text {
    let ko = locale == "ko";
    let (resource, title) = (field(p, "resourceName"), field(p, "title"));
    let (start, end) = (local(p, "startAt", zone), local(p, "endAt", zone));
    let number = field(p, "reservationNumber");
    let window = format!("{start} – {end} ({zone})");
    let (subject, lead) = match (event, ko) {
        ("bookingCreated", false) => (
            format!("Booked: {resource}, {start}"),
            "Your booking is confirmed.".to_owned(),
        ),
        ("bookingCreated", true) => (
            format!("예약 완료: {resource}, {start}"),
            "서버 예약이 완료되었습니다.".to_owned(),
        ),
        ("bookingChanged", false) => (
            format!("Booking changed: {resource}, {start}"),
            "Your booking was changed.".to_owned(),
        ),
        ("bookingChanged", true) => (
            format!("예약 변경: {resource}, {start}"),
            "서버 예약이 변경되었습니다.".to_owned(),
        ),
        ("bookingCancelled", false) => (
            format!("Booking cancelled: {resource}, {start}"),
            "Your booking was cancelled.".to_owned(),
        ),
        ("bookingCancelled", true) => (
            format!("예약 취소: {resource}, {start}"),
            "서버 예약이 취소되었습니다.".to_owned(),
        ),
        ("bookingReminder", false) => (
            format!("Starting soon: {resource}, {start}"),
            "Your booking starts soon.".to_owned(),
        ),
        ("bookingReminder", true) => (
            format!("곧 시작: {resource}, {start}"),
            "서버 예약이 곧 시작됩니다.".to_owned(),
        ),
        ("reservationConfirmed", false) => (
            format!("Reservation {number} confirmed"),
            "Your reservation is confirmed.".to_owned(),
        ),
        ("reservationConfirmed", true) => (
            format!("예매 확정: {number}"),
            "예매가 확정되었습니다.".to_owned(),
        ),
        ("paymentReceived", false) => (
            format!("Payment received for {number}"),
            format!("We received {}.", won(p)),
        ),
        ("paymentReceived", true) => (
            format!("결제 완료: {number}"),
            format!("{} 결제가 완료되었습니다.", won(p)),
        ),
        ("reservationExpiring", false) => (
            format!("Reservation {number} expires soon"),
            format!(
                "Pay before {} or the seats are released.",
                local(p, "expiresAt", zone)
            ),
        ),
        ("reservationExpiring", true) => (
            format!("예매 {number} 만료 임박"),
            format!(
                "{}까지 결제하지 않으면 좌석이 해제됩니다.",
                local(p, "expiresAt", zone)
            ),
        ),
        ("performanceCancelled", false) => (
            format!("Performance cancelled: {number}"),
            format!(
                "The performance was cancelled; {} has been refunded.",
                won(p)
            ),
        ),
        ("performanceCancelled", true) => (
            format!("공연 취소: {number}"),
            format!("공연이 취소되어 {}이 환불되었습니다.", won(p)),
        ),
        (other, _) => (other.to_owned(), String::new()),
    };
    let body = if event.starts_with("booking") {
        let by = field(p, "holderName");
        if ko {
            format!("{lead}\n\n{title}\n서버: {resource}\n시간: {window}\n예약자: {by}\n")
        } else {
            format!("{lead}\n\n{title}\nServer: {resource}\nTime: {window}\nBooked by: {by}\n")
        }
    } else {
        format!("{lead}\n")
    };
    Text { subject, body }
}

/// One line for a team's chat (Slack-compatible `text`), in the team's language.
pub(crate) fn chat_line(event: &str, locale: &str, p: &Value, zone: Tz) -> String {
    let text = render(event, locale, p, zone);
    let (title, by) = (field(p, "title"), field(p, "holderName"));
    if locale == "ko" {
        format!("{} ({title}, 예약자 {by})", text.subject)
    } else {
        format!("{} ({title}, booked by {by})", text.subject)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn booking_times_are_shown_in_the_readers_zone_and_language() {
        let p = json!({ "resourceName": "gpu-1", "title": "run", "startAt": "2026-12-08T01:00:00Z",
                        "endAt": "2026-12-08T02:00:00Z", "timeZone": "Asia/Seoul", "holderName": "Ana" });
        let ko = render("bookingCreated", "ko", &p, zone(None, &p));
        assert!(
            ko.subject.starts_with("예약 완료: gpu-1, 2026-12-08 10:00"),
            "{}",
            ko.subject
        );
        assert!(
            ko.body.contains("10:00 – 2026-12-08 11:00 (Asia/Seoul)"),
            "{}",
            ko.body
        );
        let en = render("bookingCreated", "en", &p, zone(Some("Europe/London"), &p));
        assert!(en.subject.contains("2026-12-08 01:00"), "{}", en.subject);
    }

    #[test]
    fn chat_lines_follow_the_teams_language() {
        let p = json!({ "resourceName": "gpu-1", "title": "run", "startAt": "2026-12-08T01:00:00Z",
                        "endAt": "2026-12-08T02:00:00Z", "timeZone": "Asia/Seoul", "holderName": "Ana" });
        let ko = chat_line("bookingCreated", "ko", &p, zone(None, &p));
        assert!(ko.starts_with("예약 완료: gpu-1"), "{ko}");
        assert!(ko.ends_with("(run, 예약자 Ana)"), "{ko}");
        let en = chat_line("bookingCreated", "en", &p, zone(None, &p));
        assert!(en.ends_with("(run, booked by Ana)"), "{en}");
    }

    #[test]
    fn amounts_are_won_with_separators() {
        assert_eq!(won(&json!({ "amount": 1_234_567 })), "₩1,234,567");
        assert_eq!(won(&json!({ "amount": 0 })), "₩0");
    }
}
