//! Availability, the timeline, the status board and the caller's own bookings.

use chrono::{Duration as Span, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{at, rfc};
use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn availability_timeline_status_and_my_bookings() {
    let app = TestApp::spawn().await;
    let resource = app
        .resource(
            "gpu-dash",
            json!({ "allowedHours": { "start": "09:00", "end": "18:00", "timeZone": "UTC" } }),
        )
        .await;
    let (alice, bob) = (app.member().await, app.member().await);
    let (_, a) = app.book(&alice, resource, at(600), at(660)).await; // 10:00-11:00
    let (_, b) = app.book(&bob, resource, at(780), at(840)).await; // 13:00-14:00
    // Running now (inserted directly: the API refuses bookings that start in the past).
    let now = Utc::now();
    app.query_count(&format!(
        "WITH x AS (INSERT INTO resource_bookings (id, resource_id, user_id, title, start_at, end_at) \
         VALUES ('{}', '{resource}', '{}', 'running', '{}', '{}') RETURNING 1) SELECT count(*) FROM x",
        Uuid::now_v7(), bob.id, rfc(now - Span::hours(1)), rfc(now + Span::minutes(10))
    ))
    .await;

    let url = format!(
        "/api/v1/resources/{resource}/availability?from={}&to={}",
        rfc(at(480)),
        rfc(at(1440))
    );
    let (status, body) = app.get(&url.replace('+', "%2B"), &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let free: Vec<(String, String)> = body["data"]["free"]
        .as_array()
        .expect("free")
        .iter()
        .map(|s| {
            (
                s["startAt"].as_str().expect("s").to_owned(),
                s["endAt"].as_str().expect("e").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        free,
        vec![
            (rfc(at(540)), rfc(at(600))),
            (rfc(at(660)), rfc(at(780))),
            (rfc(at(840)), rfc(at(1080)))
        ]
    );
    assert_eq!(body["data"]["busy"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["data"]["available"], false);
    let (_, body) = app
        .get(
            &format!(
                "/api/v1/resources/{resource}/availability?from={}&to={}",
                rfc(at(900)),
                rfc(at(960))
            ),
            &alice,
        )
        .await;
    assert_eq!(body["data"]["available"], true, "{body}");

    let (status, body) = app
        .get(
            &format!(
                "/api/v1/resources/timeline?from={}&to={}",
                // From 08:00: the running booking ends ten minutes from now, which
                // reaches into tomorrow when the test runs just before midnight.
                rfc(at(480)),
                rfc(at(1440))
            ),
            &alice,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = body["data"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["resource"]["id"] == json!(resource))
        .expect("row");
    assert_eq!(row["bookings"].as_array().map(Vec::len), Some(2));

    let (status, body) = app.get("/api/v1/resources/status", &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = body["data"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["resource"]["id"] == json!(resource))
        .expect("row");
    assert_eq!(row["current"]["title"], "running");
    assert_eq!(row["current"]["userId"], json!(bob.id));
    assert_eq!(row["next"]["id"], a["data"]["id"]);

    let (_, mine) = app.get("/api/v1/me/resource-bookings", &bob).await;
    let ids: Vec<&Value> = mine["data"]
        .as_array()
        .expect("mine")
        .iter()
        .map(|b| &b["id"])
        .collect();
    assert_eq!(ids.len(), 2, "{mine}");
    assert!(ids.contains(&&b["data"]["id"]));
    let (_, filtered) = app
        .get(
            &format!(
                "/api/v1/resource-bookings?resourceId={resource}&userId={}&from={}",
                alice.id,
                rfc(at(0))
            ),
            &bob,
        )
        .await;
    assert_eq!(
        filtered["data"].as_array().map(Vec::len),
        Some(1),
        "{filtered}"
    );
    let (status, body) = app
        .get("/api/v1/resource-bookings?status=maybe", &bob)
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
    );
}
