//! Changing bookings, the audit log of who did what, and idempotent retries.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{at, id_of, rfc};
use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn updates_move_bookings_bump_the_sequence_and_refuse_overlaps() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-update", json!({})).await;
    let (alice, bob) = (app.member().await, app.member().await);
    let (_, mine) = app.book(&alice, resource, at(600), at(660)).await;
    let (_, theirs) = app.book(&bob, resource, at(720), at(780)).await;
    let id = id_of(&mine);
    let path = format!("/api/v1/resource-bookings/{id}");

    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&alice.token),
            Some(json!({ "endAt": rfc(at(730)) })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["details"]["conflictingBookingId"],
        theirs["data"]["id"]
    );

    let (status, body) = app
        .call(
            Method::PUT,
            &path,
            Some(&alice.token),
            Some(json!({ "title": "longer run", "startAt": rfc(at(630)), "endAt": rfc(at(720)) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["title"], "longer run");
    assert_eq!(body["data"]["startAt"], rfc(at(630)));
    assert_eq!(body["data"]["sequence"], 1);

    // Someone else's booking: neither changed nor cancelled.
    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&bob.token),
            Some(json!({ "title": "mine now" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = app.post(&format!("{path}/cancel"), &bob, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An admin may.
    let (status, body) = app
        .post(&format!("{path}/cancel"), &app.admin, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&alice.token),
            Some(json!({ "title": "again" })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "BOOKING_CANCELLED");
}

#[tokio::test]
async fn the_audit_log_says_who_did_what() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-audit", json!({})).await;
    let user = app.member().await;
    let (_, booking) = app.book(&user, resource, at(600), at(660)).await;
    let id = id_of(&booking);
    app.call(
        Method::PATCH,
        &format!("/api/v1/resource-bookings/{id}"),
        Some(&user.token),
        Some(json!({ "title": "renamed" })),
    )
    .await;
    app.post(
        &format!("/api/v1/resource-bookings/{id}/cancel"),
        &app.admin,
        json!({}),
    )
    .await;

    let (status, body) = app
        .get(
            &format!("/api/v1/admin/audit-log?entityId={id}"),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entries = body["data"].as_array().expect("entries");
    let got: Vec<(&str, &Value)> = entries
        .iter()
        .map(|e| (e["action"].as_str().expect("a"), &e["actorId"]))
        .collect();
    assert_eq!(
        got,
        vec![
            ("booking.cancel", &json!(app.admin.id)),
            ("booking.update", &json!(user.id)),
            ("booking.create", &json!(user.id)),
        ]
    );
    assert_eq!(entries[1]["before"]["title"], "training run");
    assert_eq!(entries[1]["after"]["title"], "renamed");
    let (_, body) = app
        .get(
            &format!("/api/v1/admin/audit-log?entityId={resource}"),
            &app.admin,
        )
        .await;
    assert_eq!(body["data"][0]["action"], "resource.create");
    let (status, _) = app.get("/api/v1/admin/audit-log", &user).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let _ = Duration::ZERO;
}

#[tokio::test]
async fn a_retried_booking_with_the_same_idempotency_key_books_once() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-retry", json!({})).await;
    let user = app.member().await;
    let body = json!({ "resourceId": resource, "title": "retry", "startAt": rfc(at(600)), "endAt": rfc(at(660)) });
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/api/v1/resource-bookings"))
            .bearer_auth(&user.token)
            .header("Idempotency-Key", "booking-retry-1")
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = response.status();
        answers.push((status, response.json::<Value>().await.expect("json")));
    }
    assert_eq!(answers[0].0, StatusCode::CREATED, "{}", answers[0].1);
    assert_eq!(answers[1], answers[0], "the retry replays the first answer");
    assert_eq!(app.active_bookings(resource).await, 1);
    // An unencoded "+" offset in a query string still reads as meant.
    let (status, body) = app
        .get(
            &format!(
                "/api/v1/resource-bookings?resourceId={resource}&from={}",
                at(0)
                    .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00"))
                    .to_rfc3339()
            ),
            &user,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
}
