//! Offsets, daylight saving and recurring series (all or nothing, or skipping conflicts).

use chrono::{Datelike, Duration as Span, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::json;

use super::{at, rfc};
use crate::helpers::TestApp;

/// The second Sunday of March next year: the day US clocks spring forward.
fn next_us_dst_start() -> NaiveDate {
    let year = Utc::now().year() + 1;
    let first = NaiveDate::from_ymd_opt(year, 3, 1).expect("date");
    let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
    first + Span::days(i64::from(to_sunday) + 7)
}

#[tokio::test]
async fn offsets_and_daylight_saving_land_on_the_right_instants() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-zones", json!({})).await;
    let user = app.member().await;
    let day = (Utc::now() + Span::days(3)).date_naive();

    // Given in +09:00 (Seoul), stored and returned as UTC.
    let (status, body) = app
        .post(
            "/api/v1/resource-bookings",
            &user,
            json!({ "resourceId": resource, "title": "seoul", "startAt": format!("{day}T09:00:00+09:00"),
                    "endAt": format!("{day}T10:30:00+09:00") }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["startAt"], format!("{day}T00:00:00Z"));
    assert_eq!(body["data"]["endAt"], format!("{day}T01:30:00Z"));

    // A weekly 09:00 New York meeting across the spring-forward Sunday keeps 09:00 local.
    let dst = next_us_dst_start();
    let first = dst - Span::days(13); // a Monday two weeks before
    assert_eq!(first.weekday(), Weekday::Mon);
    let (status, body) = app
        .post(
            "/api/v1/resource-bookings",
            &user,
            json!({ "resourceId": resource, "title": "standup", "startAt": format!("{first}T09:00:00-05:00"),
                    "endAt": format!("{first}T10:00:00-05:00"),
                    "recurrence": { "rule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "timeZone": "America/New_York" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let starts: Vec<&str> = body["data"]["bookings"]
        .as_array()
        .expect("bookings")
        .iter()
        .map(|b| b["startAt"].as_str().expect("startAt"))
        .collect();
    let d = |n: i64| first + Span::days(n);
    assert_eq!(
        starts,
        vec![
            format!("{}T14:00:00Z", d(0)),
            format!("{}T14:00:00Z", d(7)),
            format!("{}T13:00:00Z", d(14)),
            format!("{}T13:00:00Z", d(21)),
        ]
    );

    // Given with the New York offset on the switch day itself: 01:30 EST and 03:30 EDT
    // are one hour apart in real time.
    let (status, body) = app
        .post(
            "/api/v1/resource-bookings",
            &user,
            json!({ "resourceId": resource, "title": "night job", "startAt": format!("{dst}T01:30:00-05:00"),
                    "endAt": format!("{dst}T03:30:00-04:00") }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["startAt"], format!("{dst}T06:30:00Z"));
    assert_eq!(body["data"]["endAt"], format!("{dst}T07:30:00Z"));
}

#[tokio::test]
async fn recurring_series_are_all_or_nothing_unless_conflicts_are_skipped() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-series", json!({})).await;
    let (alice, bob) = (app.member().await, app.member().await);
    // Bob holds the third day's slot.
    let (status, blocker) = app
        .book(&bob, resource, at(2 * 1440 + 600), at(2 * 1440 + 630))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{blocker}");
    let series = |skip: bool| {
        json!({ "resourceId": resource, "title": "nightly eval", "startAt": rfc(at(600)), "endAt": rfc(at(660)),
                "recurrence": { "rule": "FREQ=DAILY;COUNT=5", "timeZone": "UTC" }, "skipConflicts": skip })
    };
    let (status, body) = app
        .post("/api/v1/resource-bookings", &alice, series(false))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["details"]["conflictingBookingId"],
        blocker["data"]["id"]
    );
    assert_eq!(
        app.active_bookings(resource).await,
        1,
        "nothing of the series was booked"
    );

    let (status, body) = app
        .post("/api/v1/resource-bookings", &alice, series(true))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let data = &body["data"];
    assert_eq!(data["rule"], "FREQ=DAILY;COUNT=5");
    assert_eq!(data["bookings"].as_array().map(Vec::len), Some(4));
    assert_eq!(data["skipped"][0]["startAt"], rfc(at(2 * 1440 + 600)));
    assert_eq!(
        data["skipped"][0]["conflictingBookingIds"][0],
        blocker["data"]["id"]
    );
    let series_id = data["seriesId"].as_str().expect("series id").to_owned();

    // One occurrence, then the rest of the series.
    let one = data["bookings"][0]["id"].as_str().expect("id");
    let (status, _) = app
        .post(
            &format!("/api/v1/resource-bookings/{one}/cancel"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.active_bookings(resource).await, 4);
    let (status, body) = app
        .post(
            &format!("/api/v1/resource-bookings/series/{series_id}/cancel"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .post(
            &format!("/api/v1/resource-bookings/series/{series_id}/cancel"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["cancelled"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        app.active_bookings(resource).await,
        1,
        "only bob's booking is left"
    );
}
