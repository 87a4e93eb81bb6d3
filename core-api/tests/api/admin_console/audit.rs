//! Every admin action on the sale is in the audit log, found again by the console's filters;
//! every create is audited with its action and target, a refused create writes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, error_code};

/// The audit log's entries about one target, newest first.
async fn entries_about(app: &TestApp, target_type: &str, id: &str) -> Vec<serde_json::Value> {
    let (status, entries) = app
        .get(
            &format!("/api/v1/admin/audit-log?targetType={target_type}&targetId={id}"),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    entries["data"].as_array().expect("entries").clone()
}

#[tokio::test]
async fn sale_and_waiting_room_changes_are_audited_and_filtered() {
    let app = TestApp::spawn().await;
    let performance = app.performance(1, 2, 4).await;
    let p = performance.id;
    let token = Some(app.admin.token.as_str());
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/performances/{p}/close-sale"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, queue) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/performances/{p}/queue"),
            token,
            Some(json!({ "enabled": true, "admitPerMinute": 120 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{queue}");

    let (status, entries) = app
        .get(
            &format!(
                "/api/v1/admin/audit-log?action=performance.&targetType=performance&targetId={p}"
            ),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    let actions: Vec<&str> = entries["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "performance.queue",
            "performance.close_sale",
            "performance.open_sale",
            "performance.create"
        ]
    );
    let (_, queue_only) = app
        .get(
            &format!(
                "/api/v1/admin/audit-log?action=performance.queue&actorId={}",
                app.admin.id
            ),
            &app.admin,
        )
        .await;
    assert_eq!(queue_only["data"][0]["after"]["admitPerMinute"], 120);
    let (_, future) = app
        .get(
            "/api/v1/admin/audit-log?from=2100-01-01T00:00:00Z",
            &app.admin,
        )
        .await;
    assert_eq!(future["data"].as_array().map(Vec::len), Some(0));

    for query in [
        "from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z",
        "limit=0",
        "from=yesterday",
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/admin/audit-log?{query}"), &app.admin)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(error_code(&body), "VALIDATION_FAILED");
    }
}

#[tokio::test]
async fn each_create_is_audited_with_its_action_and_target_and_a_refused_one_writes_nothing() {
    // Arrange
    let app = TestApp::spawn().await;
    let created = |body: &serde_json::Value| body["data"]["id"].as_str().expect("id").to_owned();

    // Act: a venue, an event there, a performance of it and a product of that.
    let (status, venue) = app
        .post(
            "/api/v1/admin/venues",
            &app.admin,
            json!({ "name": "Audit Hall", "layout": { "sections": [
                { "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": 2 }
            ] } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{venue}");
    let venue_id = created(&venue);
    let (status, event) = app
        .post(
            "/api/v1/admin/events",
            &app.admin,
            json!({ "venueId": venue_id, "title": "Audited Night" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{event}");
    let event_id = created(&event);
    let (status, performance) = app
        .post(
            &format!("/api/v1/admin/events/{event_id}/performances"),
            &app.admin,
            json!({ "startsAt": "2099-01-02T19:00:00Z", "saleOpensAt": "2099-01-01T00:00:00Z",
                    "saleClosesAt": "2099-01-02T18:00:00Z", "maxSeatsPerUser": 4, "prices": { "R": 50000 } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{performance}");
    let performance_id = created(&performance);
    let (status, product) = app
        .post(
            &format!("/api/v1/admin/performances/{performance_id}/products"),
            &app.admin,
            json!({ "name": "Standing", "price": 30000, "capacity": 100 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{product}");
    let product_id = created(&product);

    // Assert: one entry each, by this admin, with what was created.
    for (target_type, id, action) in [
        ("venue", &venue_id, "venue.create"),
        ("event", &event_id, "event.create"),
        ("performance", &performance_id, "performance.create"),
        ("product", &product_id, "product.create"),
    ] {
        let entries = entries_about(&app, target_type, id).await;
        assert_eq!(entries.len(), 1, "{target_type}: {entries:?}");
        let entry = &entries[0];
        assert_eq!(entry["action"], action);
        assert_eq!(entry["entityType"], target_type, "{entry}");
        assert_eq!(entry["entityId"], id.as_str(), "{entry}");
        assert_eq!(entry["actorId"], app.admin.id.to_string());
        assert!(entry["before"].is_null());
    }
    let event_entry = &entries_about(&app, "event", &event_id).await[0];
    assert_eq!(event_entry["after"]["title"], "Audited Night");
    let performance_entry = &entries_about(&app, "performance", &performance_id).await[0];
    assert_eq!(performance_entry["after"]["prices"]["R"], 50000);
    assert_eq!(performance_entry["after"]["eventId"], event_id.as_str());
    let product_entry = &entries_about(&app, "product", &product_id).await[0];
    assert_eq!(product_entry["after"]["capacity"], 100);

    // Refused creates, one per kind: 400 and not a row more in the log.
    let logged = app.query_count("SELECT count(*) FROM audit_log").await;
    for (path, body) in [
        (
            "/api/v1/admin/venues".to_owned(),
            json!({ "name": " ", "layout": { "sections": [
            { "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": 2 } ] } }),
        ),
        (
            "/api/v1/admin/events".to_owned(),
            json!({ "venueId": venue_id, "title": "" }),
        ),
        (
            format!("/api/v1/admin/events/{event_id}/performances"),
            json!({ "startsAt": "2099-01-02T19:00:00Z", "saleOpensAt": "2099-01-01T00:00:00Z",
                    "saleClosesAt": "2099-01-02T18:00:00Z", "maxSeatsPerUser": 0, "prices": { "R": 50000 } }),
        ),
        (
            format!("/api/v1/admin/performances/{performance_id}/products"),
            json!({ "name": "Balcony", "price": 30000, "capacity": 0 }),
        ),
    ] {
        let (status, body) = app.post(&path, &app.admin, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(error_code(&body), "VALIDATION_FAILED");
    }
    assert_eq!(
        app.query_count("SELECT count(*) FROM audit_log").await,
        logged
    );
}
