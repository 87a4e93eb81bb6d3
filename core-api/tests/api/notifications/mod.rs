//! Notifications against a real SMTP server and a real webhook receiver: a message arrives
//! once, in the reader's language, with the booking's local time; with the SMTP server down
//! the booking still succeeds and the message arrives once the server is back.

mod catcher;
mod scheduled;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use self::catcher::{HookReceiver, MailCatcher, free_port};
use crate::{
    bookings::at,
    helpers::{TestApp, TestUser, eventually},
};

const WAIT: Duration = Duration::from_secs(15);

async fn app_mailing_to(port: u16) -> TestApp {
    TestApp::spawn_with(|vars| {
        vars.insert("SMTP_URL".to_owned(), format!("smtp://127.0.0.1:{port}"));
        vars.insert("CORE_NOTIFY_POLL_MS".to_owned(), "50".to_owned());
        vars.insert("CORE_NOTIFY_BACKOFF_MS".to_owned(), "100".to_owned());
        vars.insert("CORE_NOTIFY_MAX_BACKOFF_MS".to_owned(), "400".to_owned());
        vars.insert("CORE_NOTIFY_TIMEOUT_MS".to_owned(), "2000".to_owned());
    })
    .await
}

async fn prefer(app: &TestApp, user: &TestUser, locale: &str) {
    let body = json!({ "locale": locale, "email": true, "reminderMinutes": 15, "events": {
        "bookingCreated": true, "bookingChanged": true, "bookingCancelled": true, "bookingReminder": false,
        "reservationConfirmed": true, "paymentReceived": true, "reservationExpiring": true, "performanceCancelled": true } });
    let (status, saved) = app
        .call(
            Method::PUT,
            "/api/v1/me/notification-preferences",
            Some(&user.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

/// A Seoul server and a member who reads Korean; the member books 10:00–11:00 Seoul time.
async fn book_in_seoul(app: &TestApp) -> (StatusCode, Value) {
    let resource = app
        .resource(
            "gpu-seoul",
            json!({ "allowedHours": { "start": "08:00", "end": "22:00", "timeZone": "Asia/Seoul" } }),
        )
        .await;
    let member = app.member().await;
    prefer(app, &member, "ko").await;
    app.book(&member, resource, at(60), at(120)).await // 01:00 UTC = 10:00 Seoul
}

async fn delivered(app: &TestApp, channel: &str) -> i64 {
    app.query_count(&format!(
        "SELECT count(*) FROM notification_outbox WHERE channel = '{channel}' AND outcome = 'sent'"
    ))
    .await
}

#[tokio::test]
async fn a_booking_email_arrives_once_in_the_readers_language_with_the_servers_local_time() {
    let mail = MailCatcher::start(free_port()).await;
    let app = app_mailing_to(mail.port).await;

    let (status, body) = book_in_seoul(&app).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    assert!(
        eventually(WAIT, || async { delivered(&app, "email").await == 1 }).await,
        "never delivered"
    );
    let messages = mail.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let subject = messages[0]["subject"].as_str().unwrap_or_default();
    let text = messages[0]["body"].as_str().unwrap_or_default();
    assert!(subject.starts_with("예약 완료: gpu-seoul"), "{subject}");
    assert!(subject.contains(" 10:00"), "{subject}");
    assert!(
        text.contains("10:00 – ") && text.contains(" 11:00 (Asia/Seoul)"),
        "{text}"
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM notification_outbox WHERE delivered_at IS NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn with_the_smtp_server_down_the_booking_succeeds_and_the_message_arrives_once_it_is_back() {
    let port = free_port();
    let app = app_mailing_to(port).await;

    let (status, body) = book_in_seoul(&app).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(
        eventually(WAIT, || async {
            app.query_count("SELECT count(*) FROM notification_outbox WHERE attempts >= 2 AND delivered_at IS NULL")
                .await
                == 1
        })
        .await,
        "the worker never tried"
    );

    let mail = MailCatcher::start(port).await;
    assert!(
        eventually(WAIT, || async { delivered(&app, "email").await == 1 }).await,
        "never delivered"
    );
    let messages = mail.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0]["subject"]
            .as_str()
            .unwrap_or_default()
            .starts_with("예약 완료")
    );
}

#[tokio::test]
async fn a_team_webhook_is_called_once_per_booking_event_and_only_owners_manage_hooks() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_NOTIFY_POLL_MS".to_owned(), "50".to_owned());
    })
    .await;
    let hook = HookReceiver::start().await;
    let lab = app.lab().await;
    let resource = app.resource("gpu-hook", json!({})).await;
    let member = app.member().await;
    let hooks = format!("/api/v1/teams/{lab}/webhooks");
    let (status, _) = app.post(&hooks, &member, json!({ "url": hook.url })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .post(&hooks, &app.admin, json!({ "url": "ftp://x" }))
        .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("url"))
    );
    let (status, body) = app
        .post(
            &hooks,
            &app.admin,
            json!({ "url": hook.url, "events": ["bookingCreated", "bookingCancelled"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, booked) = app.book(&member, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert!(
        eventually(WAIT, || async { delivered(&app, "webhook").await == 1 }).await,
        "never called"
    );
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let text = bodies[0]["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Booked: gpu-hook") && text.contains("booked by Test User"),
        "{text}"
    );
    // No e-mail is set up: the holder's e-mail is skipped, not retried forever.
    assert_eq!(
        app.query_count("SELECT count(*) FROM notification_outbox WHERE delivered_at IS NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn a_korean_teams_webhook_speaks_korean_with_the_servers_local_time() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_NOTIFY_POLL_MS".to_owned(), "50".to_owned());
    })
    .await;
    let hook = HookReceiver::start().await;
    let lab = app.lab().await;
    let (status, team) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/teams/{lab}"),
            Some(&app.admin.token),
            Some(json!({ "locale": "ko" })),
        )
        .await;
    assert_eq!(
        (status, team["data"]["locale"].as_str()),
        (StatusCode::OK, Some("ko")),
        "{team}"
    );
    let (status, body) = app
        .post(
            &format!("/api/v1/teams/{lab}/webhooks"),
            &app.admin,
            json!({ "url": hook.url }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let (status, booked) = book_in_seoul(&app).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert!(
        eventually(WAIT, || async { delivered(&app, "webhook").await == 1 }).await,
        "never called"
    );
    let bodies = hook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let text = bodies[0]["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("예약 완료: gpu-seoul"), "{text}");
    assert!(
        text.contains("10:00") && text.contains("예약자 Test User"),
        "{text}"
    );
}

#[tokio::test]
async fn preferences_default_to_everything_on_and_bad_values_name_their_field() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let (status, body) = app.get("/api/v1/me/notification-preferences", &user).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["locale"], "en");
    assert_eq!(body["data"]["events"]["bookingReminder"], true);
    assert_eq!(body["data"]["reminderMinutes"], 15);

    let mut bad = body["data"].clone();
    bad["locale"] = json!("fr");
    let (status, answer) = app
        .call(
            Method::PUT,
            "/api/v1/me/notification-preferences",
            Some(&user.token),
            Some(bad),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("locale"))
    );
    prefer(&app, &user, "ko").await;
    let (_, body) = app.get("/api/v1/me/notification-preferences", &user).await;
    assert_eq!(
        (
            body["data"]["locale"].as_str(),
            body["data"]["events"]["bookingReminder"].as_bool()
        ),
        (Some("ko"), Some(false))
    );
}
