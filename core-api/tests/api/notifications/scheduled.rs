//! Ticket-side and scheduled notifications: a payment mails "confirmed" and "payment
//! received" once each, in the buyer's language; a booking about to start gets one reminder
//! and an unpaid reservation about to expire one warning, however often the scan runs.

use reqwest::StatusCode;
use serde_json::json;

use super::{
    WAIT, app_mailing_to,
    catcher::{MailCatcher, free_port},
    prefer,
};
use crate::{bookings::rfc, helpers::eventually};

async fn sent(app: &crate::helpers::TestApp, event: &str) -> i64 {
    app.query_count(&format!(
        "SELECT count(*) FROM notification_outbox WHERE event = '{event}' AND outcome = 'sent'"
    ))
    .await
}

#[tokio::test]
async fn a_payment_mails_confirmed_and_paid_once_each_and_an_expiring_reservation_is_warned_once() {
    let mail = MailCatcher::start(free_port()).await;
    let app = app_mailing_to(mail.port).await;
    let buyer = app.user().await;
    prefer(&app, &buyer, "en").await;
    let perf = app.performance(1, 4, 4).await;
    let (status, _, _) = crate::money::charge(&app, &buyer, json!(200_000), None).await;
    assert_eq!(status, StatusCode::OK);

    // Unpaid, expiring within CORE_NOTIFY_EXPIRING_MINUTES (5) of a 10-minute hold: warned
    // once it is close; here the window is moved instead of the clock.
    let (_, hold) = app.hold(&buyer, perf.id, &perf.seat_ids[..1]).await;
    let (status, unpaid) = app
        .reserve(&buyer, hold["data"]["holdId"].as_str().expect("hold"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{unpaid}");
    let unpaid_id = unpaid["data"]["reservationId"]
        .as_str()
        .expect("id")
        .to_owned();
    app.query_count(&format!(
        "WITH x AS (UPDATE reservations SET expires_at = now() + interval '2 minutes' WHERE id = '{unpaid_id}' RETURNING 1) SELECT count(*) FROM x"
    ))
    .await;

    let (_, hold) = app.hold(&buyer, perf.id, &perf.seat_ids[1..2]).await;
    let (status, paid) = app
        .reserve(&buyer, hold["data"]["holdId"].as_str().expect("hold"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    let (status, body) = app
        .post(
            "/api/v1/payments",
            &buyer,
            json!({ "reservationId": paid["data"]["reservationId"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    assert!(
        eventually(WAIT, || async {
            sent(&app, "reservationConfirmed").await == 1
                && sent(&app, "paymentReceived").await == 1
                && sent(&app, "reservationExpiring").await == 1
        })
        .await,
        "not all sent"
    );
    let subjects: Vec<String> = mail
        .messages()
        .iter()
        .filter_map(|m| m["subject"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    let number = paid["data"]["reservationNumber"].as_str().expect("number");
    assert!(
        subjects.contains(&format!("Reservation {number} confirmed")),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&format!("Payment received for {number}")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.ends_with("expires soon")),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn a_booking_about_to_start_gets_one_reminder() {
    let mail = MailCatcher::start(free_port()).await;
    let app = app_mailing_to(mail.port).await;
    let resource = app.resource("gpu-soon", json!({})).await;
    let member = app.member().await;
    let start = chrono::Utc::now() + chrono::Duration::minutes(10);
    let start = chrono::DateTime::from_timestamp(start.timestamp(), 0).expect("whole second");
    let (status, body) = app
        .book(&member, resource, start, start + chrono::Duration::hours(1))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    assert!(
        eventually(WAIT, || async {
            sent(&app, "bookingReminder").await == 1 && sent(&app, "bookingCreated").await == 1
        })
        .await,
        "no reminder"
    );
    let messages = mail.messages();
    let reminders = messages
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("Starting soon: gpu-soon"))
        })
        .count();
    assert_eq!(
        (messages.len(), reminders),
        (2, 1),
        "{messages:?} {}",
        rfc(start)
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM notification_outbox WHERE event = 'bookingReminder'")
            .await,
        1
    );
}
