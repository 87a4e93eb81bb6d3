//! Overlap-free bookings: parallel requests never overlap, adjacent ones fit, cancelling frees.

use chrono::{DateTime, Duration as Span, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{at, id_of, rfc};
use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn concurrent_overlapping_bookings_never_overlap_and_every_refusal_names_a_real_conflict() {
    // Generous pool wait: 100 transactions queue on 20 connections; this test is about who wins.
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_DEPENDENCY_TIMEOUT_MS".into(), "10000".into());
    })
    .await;
    let resource = app.resource("gpu-race", json!({})).await;
    let users = app.members(100).await;
    // 100 half-hour windows spread over four hours: heavy, deterministic overlap.
    let windows: Vec<(DateTime<Utc>, DateTime<Utc>)> = (0..100)
        .map(|i| {
            let start = at(600 + (i * 37 % 240));
            (start, start + Span::minutes(30))
        })
        .collect();
    let tasks = users.iter().zip(&windows).map(|(user, (start, end))| {
        let app = &app;
        async move { (app.book(user, resource, *start, *end).await, *start, *end) }
    });
    let results = futures::future::join_all(tasks).await;

    let mut created = 0;
    let mut refused = 0;
    for ((status, body), start, end) in &results {
        match *status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                refused += 1;
                assert_eq!(error_code(body), "BOOKING_CONFLICT", "{body}");
                let other = body["error"]["details"]["conflictingBookingId"]
                    .as_str()
                    .expect("names a booking");
                // The named booking exists, is active and really overlaps the asked window.
                let n = app
                    .query_count(&format!(
                        "SELECT count(*) FROM resource_bookings WHERE id = '{other}' AND status = 'active' \
                         AND tstzrange(start_at, end_at) && tstzrange('{}', '{}')",
                        rfc(*start),
                        rfc(*end)
                    ))
                    .await;
                assert_eq!(n, 1, "{body}");
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created + refused, 100);
    assert!(
        created > 0 && refused > 0,
        "created {created}, refused {refused}"
    );
    assert_eq!(app.active_bookings(resource).await, created);
    let overlaps = app
        .query_count(
            "SELECT count(*) FROM resource_bookings a JOIN resource_bookings b ON a.resource_id = b.resource_id \
             AND a.id < b.id AND a.status = 'active' AND b.status = 'active' \
             AND tstzrange(a.start_at, a.end_at) && tstzrange(b.start_at, b.end_at)",
        )
        .await;
    assert_eq!(overlaps, 0);
}

#[tokio::test]
async fn adjacent_bookings_fit_and_a_cancelled_booking_frees_its_slot() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-adjacent", json!({})).await;
    let (alice, bob) = (app.member().await, app.member().await);
    let (status, first) = app.book(&alice, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    // Ends exactly where the first starts / starts where it ends: no overlap.
    let (status, body) = app.book(&bob, resource, at(540), at(600)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = app.book(&bob, resource, at(660), at(720)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // One minute into it: refused, naming the first booking.
    let (status, body) = app.book(&bob, resource, at(659), at(665)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["details"]["conflictingBookingId"],
        first["data"]["id"]
    );

    let first_id = id_of(&first);
    let (status, cancelled) = app
        .post(
            &format!("/api/v1/resource-bookings/{first_id}/cancel"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["data"]["status"], "cancelled");
    assert_eq!(cancelled["data"]["sequence"], 1);
    // Cancelling again changes nothing.
    let (status, again) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/resource-bookings/{first_id}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["data"]["sequence"], 1);
    let (status, body) = app.book(&bob, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
