//! Catalog: events, performances, the seat map, OpenAPI and health endpoints.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn events_list_hides_drafts_and_performances_filter_by_date() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let (_, venue) = app
        .post(
            "/api/v1/admin/venues",
            &app.admin,
            json!({ "name": "Draft Hall", "layout": { "sections": [
            { "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": 1 } ] } }),
        )
        .await;
    let (_, draft) = app
        .post(
            "/api/v1/admin/events",
            &app.admin,
            json!({ "venueId": venue["data"]["id"], "title": "Secret Show" }),
        )
        .await;
    let draft_id = draft["data"]["id"].as_str().expect("draft id");

    let (status, events) = app.call(Method::GET, "/api/v1/events", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<&str> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert_eq!(titles, ["Test Event"]);
    let (_, as_admin) = app.get("/api/v1/events", &app.admin).await;
    assert_eq!(
        as_admin["data"].as_array().map(Vec::len),
        Some(2),
        "admins see drafts"
    );
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/events/{draft_id}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let event_id = events["data"][0]["id"].as_str().expect("event id");
    let (_, event) = app
        .call(
            Method::GET,
            &format!("/api/v1/events/{event_id}"),
            None,
            None,
        )
        .await;
    let p = &event["data"]["performances"][0];
    assert_eq!(p["id"], perf.id.to_string());
    assert_eq!(
        (p["totalSeats"].as_i64(), p["availableSeats"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(p["queueEnabled"], false);
    assert_eq!(event["data"]["venue"]["name"], "Test Hall");

    let starts = chrono::Utc::now() + chrono::Duration::days(7);
    let day = starts.format("%Y-%m-%d");
    let app = &app;
    let list = |query: String| {
        let path = format!("/api/v1/events/{event_id}/performances{query}");
        async move { app.call(Method::GET, &path, None, None).await }
    };
    let (_, same_day) = list(format!("?fromDate={day}&toDate={day}")).await;
    assert_eq!(same_day["data"].as_array().map(Vec::len), Some(1));
    let (_, later) = list(format!(
        "?fromDate={}",
        (starts + chrono::Duration::days(2)).format("%Y-%m-%d")
    ))
    .await;
    assert_eq!(later["data"].as_array().map(Vec::len), Some(0));
    let (status, body) = list("?fromDate=yesterday".to_owned()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
    );
    let (status, _) = app
        .call(Method::GET, "/api/v1/events/not-a-uuid", None, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_seat_map_shows_every_seat_with_live_holds_and_prices() {
    let app = TestApp::spawn().await;
    let perf = app.performance(100, 100, 4).await;
    let user = app.user().await;
    assert_eq!(perf.seat_ids.len(), 10_000);
    let (status, _) = app.hold(&user, perf.id, &perf.seat_ids[10..12]).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/performances/{}/seats", perf.id),
            None,
            None,
        )
        .await;

    assert_eq!(status, StatusCode::OK);
    let seats = body["data"]["seats"].as_array().expect("seats");
    assert_eq!(seats.len(), 10_000);
    assert_eq!(seats.iter().filter(|s| s["status"] == "HELD").count(), 2);
    let first = &seats[0];
    for field in [
        "id", "section", "row", "number", "x", "y", "price", "status",
    ] {
        assert!(first.get(field).is_some(), "seat has {field}");
    }
    assert_eq!(first["price"], 50_000);
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/performances/{}/seats", uuid::Uuid::new_v4()),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn openapi_describes_every_route_and_health_endpoints_answer() {
    let app = TestApp::spawn().await;

    let (status, spec) = app.call(Method::GET, "/openapi.json", None, None).await;

    assert_eq!(status, StatusCode::OK);
    let paths = spec["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/me",
        "/api/v1/auth/logout",
        "/api/v1/auth/logout-all",
        "/api/v1/admin/users",
        "/api/v1/admin/users/{id}",
        "/api/v1/events",
        "/api/v1/events/{id}",
        "/api/v1/events/{id}/performances",
        "/api/v1/performances/{id}/seats",
        "/api/v1/holds",
        "/api/v1/holds/{id}",
        "/api/v1/holds/{id}/extend",
        "/api/v1/reservations",
        "/api/v1/reservations/{id}",
        "/api/v1/me/reservations",
        "/api/v1/admin/venues",
        "/api/v1/admin/events",
        "/api/v1/admin/events/{id}/performances",
        "/api/v1/admin/performances/{id}/open-sale",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(path), "openapi.json lacks {path}");
    }
    assert!(spec["components"]["schemas"]["HoldView"].is_object());

    assert_eq!(
        app.call(Method::GET, "/healthz", None, None).await.0,
        StatusCode::OK
    );
    let (status, ready) = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            ready["data"]["postgres"].as_str(),
            ready["data"]["redis"].as_str()
        ),
        (Some("up"), Some("up"))
    );
    let metrics = app
        .client
        .get(format!("http://{}/metrics", app.metrics_addr))
        .send()
        .await
        .expect("metrics");
    let text = metrics.text().await.expect("text");
    assert!(text.contains("http_requests_total"), "metrics are exported");
    assert!(
        text.contains("route=\"/readyz\""),
        "labelled by matched route"
    );
}

#[tokio::test]
async fn cached_seat_maps_follow_local_changes_at_once_and_other_instances_within_the_ttl() {
    // A long TTL on the second instance: only invalidation can make it fresh.
    let a = TestApp::spawn().await;
    let b = a
        .sibling(|v| {
            v.insert("CORE_SEAT_MAP_CACHE_MS".into(), "1500".into());
        })
        .await;
    let perf = a.performance(1, 2, 4).await;
    let user = a.user().await;
    assert_eq!(first_seat(&b, perf.id).await, "AVAILABLE"); // now cached on b
    // Held through b: b's own map shows it at once.
    let (status, hold) = b.hold(&user, perf.id, &[perf.seat_ids[0]]).await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    assert_eq!(first_seat(&b, perf.id).await, "HELD");
    // Released through a: a knows at once, b within its TTL.
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    let (status, _) = a
        .call(
            Method::DELETE,
            &format!("/api/v1/holds/{hold_id}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(first_seat(&a, perf.id).await, "AVAILABLE");
    let converged = crate::helpers::eventually(std::time::Duration::from_secs(5), || async {
        first_seat(&b, perf.id).await == "AVAILABLE"
    })
    .await;
    assert!(converged, "the other instance's cached map caught up");
}

async fn first_seat(app: &TestApp, performance_id: uuid::Uuid) -> String {
    app.seat_map(performance_id).await[0].1.clone()
}
