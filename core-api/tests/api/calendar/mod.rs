//! Calendar feeds (parsed back with an iCalendar parser) and the Google Calendar push,
//! against a local fake of Google's token and events endpoints.

mod fake_google;
mod google;
mod google_teams;

use icalendar::Component;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{bookings::at, helpers::TestApp};

/// Parses a feed and returns (uid, sequence, status, summary) per event.
fn events(feed: &str) -> Vec<(String, u32, Option<icalendar::EventStatus>, String)> {
    let calendar: icalendar::Calendar = feed.parse().expect("the feed is valid iCalendar");
    calendar
        .events()
        .map(|e| {
            (
                e.get_uid().expect("uid").to_owned(),
                e.get_sequence().expect("sequence"),
                e.get_status(),
                e.get_summary().expect("summary").to_owned(),
            )
        })
        .collect()
}

async fn fetch_feed(app: &TestApp, url: &str) -> (StatusCode, String, String) {
    let path = url
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .expect("feed path");
    let response = app.client.get(app.url(&path)).send().await.expect("feed");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

#[tokio::test]
async fn calendar_feeds_parse_reflect_changes_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-feed", json!({})).await;
    let user = app.member().await;
    let (_, booking) = app.book(&user, resource, at(600), at(660)).await;
    let id = booking["data"]["id"].as_str().expect("id").to_owned();
    let uid = format!("{id}@holdfast");

    let (status, feed) = app
        .post(
            "/api/v1/calendar-feeds",
            &user,
            json!({ "resourceId": resource }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let url = feed["data"]["url"].as_str().expect("url").to_owned();
    assert!(url.ends_with(".ics"), "{url}");
    let (_, mine) = app.post("/api/v1/calendar-feeds", &user, json!({})).await;
    let my_url = mine["data"]["url"].as_str().expect("url").to_owned();

    let (status, kind, body) = fetch_feed(&app, &url).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let got = events(&body);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0.as_str(), got[0].1), (uid.as_str(), 0));
    assert_eq!(got[0].2, Some(icalendar::EventStatus::Confirmed));
    let parsed: icalendar::Calendar = body.parse().expect("parse");
    let event = parsed.events().next().expect("event");
    assert_eq!(
        event.get_start(),
        Some(icalendar::DatePerhapsTime::DateTime(
            icalendar::CalendarDateTime::Utc(at(600))
        ))
    );

    // A change bumps SEQUENCE; a cancellation stays in the feed as CANCELLED.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/resource-bookings/{id}"),
            Some(&user.token),
            Some(json!({ "title": "fine-tune; v2, final" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let got = events(&fetch_feed(&app, &url).await.2);
    assert_eq!(got[0].1, 1);
    assert!(got[0].3.starts_with("fine-tune; v2, final"), "{:?}", got[0]);
    app.post(
        &format!("/api/v1/resource-bookings/{id}/cancel"),
        &user,
        json!({}),
    )
    .await;
    let got = events(&fetch_feed(&app, &my_url).await.2);
    assert_eq!(
        (got[0].0.as_str(), got[0].1, got[0].2),
        (uid.as_str(), 2, Some(icalendar::EventStatus::Cancelled))
    );

    // Someone else cannot revoke it; the owner can, and the URL is dead from then on.
    let feed_id = feed["data"]["id"].as_str().expect("feed id");
    let other = app.member().await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/calendar-feeds/{feed_id}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/calendar-feeds/{feed_id}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["data"]["revokedAt"].is_string());
    assert_eq!(fetch_feed(&app, &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch_feed(&app, &my_url).await.0, StatusCode::OK);
    assert_eq!(
        fetch_feed(&app, "x/api/v1/calendar/not-a-real-token.ics")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The list never shows URLs again.
    let (_, list) = app.get("/api/v1/calendar-feeds", &user).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(2));
    assert!(list["data"][0].get("url").is_none(), "{list}");
}

#[tokio::test]
async fn a_calendar_feed_token_never_reaches_core_apis_logs() {
    let captured = holdfast_contract::testing::CapturedLogs::default();
    // core-api's own logging set-up, with every request's span and events.
    core_api::telemetry::init_with(
        false,
        tracing_subscriber::EnvFilter::new("off,core_api=trace,tower_http=trace"),
        captured.clone(),
    );
    let app = TestApp::spawn().await;
    let user = app.member().await;
    let (status, feed) = app.post("/api/v1/calendar-feeds", &user, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let url = feed["data"]["url"].as_str().expect("url").to_owned();
    let token = url
        .rsplit_once("/calendar/")
        .map(|(_, t)| t.trim_end_matches(".ics").to_owned())
        .expect("token in the url");

    let (status, _, _) = fetch_feed(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = fetch_feed(&app, &url.replace(&token, "not-a-feed-token")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let logs = captured.text();
    // The requests were logged, with their paths...
    assert!(
        logs.contains("/api/v1/calendar/[redacted]"),
        "nothing captured: {logs}"
    );
    // ...and the tokens were not.
    assert!(!logs.contains(&token), "token in the logs:\n{logs}");
    assert!(
        !logs.contains("not-a-feed-token"),
        "token in the logs:\n{logs}"
    );
}
