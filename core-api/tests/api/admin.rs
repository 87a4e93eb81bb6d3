//! Admin: only admins, venue layouts, performances priced by tier, sale windows, stats.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn admin_routes_refuse_everyone_but_admins() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let body = json!({ "name": "Hall", "layout": { "sections": [{ "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": 1 }] } });

    let (status, answer) = app.post("/api/v1/admin/venues", &user, body.clone()).await;

    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    assert_eq!(app.query_count("SELECT count(*) FROM venues").await, 0);
    assert_eq!(
        app.post("/api/v1/admin/venues", &app.admin, body).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_performance_gets_seats_from_its_venue_layout_priced_by_tier() {
    let app = TestApp::spawn().await;
    let (status, venue) = app
        .post(
            "/api/v1/admin/venues",
            &app.admin,
            json!({ "name": "Mixed Hall", "layout": {
                "sections": [{ "name": "Floor", "priceTier": "VIP", "rows": 2, "seatsPerRow": 3 }],
                "seats": [{ "section": "Box", "row": "1", "number": 1, "x": 500, "y": 500, "priceTier": "BOX" }]
            } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{venue}");
    assert_eq!(venue["data"]["totalSeats"], 7);
    let (_, event) = app
        .post(
            "/api/v1/admin/events",
            &app.admin,
            json!({ "venueId": venue["data"]["id"], "title": "Gala" }),
        )
        .await;
    let event_id = event["data"]["id"].as_str().expect("event id");
    assert_eq!(event["data"]["status"], "DRAFT");
    let now = chrono::Utc::now();
    let performance = |prices: serde_json::Value| json!({ "startsAt": now + chrono::Duration::days(3), "saleOpensAt": now, "saleClosesAt": now + chrono::Duration::days(3), "prices": prices });
    let path = format!("/api/v1/admin/events/{event_id}/performances");

    let (status, body) = app
        .post(&path, &app.admin, performance(json!({ "VIP": 100 })))
        .await;
    assert_eq!(
        (status, body["error"]["details"]["missingTiers"].clone()),
        (StatusCode::BAD_REQUEST, json!(["BOX"]))
    );
    let (status, _) = app
        .post(
            &path,
            &app.admin,
            performance(json!({ "VIP": 100, "BOX": -5 })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "negative price");
    let (status, perf) = app
        .post(
            &path,
            &app.admin,
            performance(json!({ "VIP": 100_000, "BOX": 300_000 })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{perf}");
    assert_eq!(perf["data"]["maxSeatsPerUser"], 4, "default limit");
    assert_eq!(
        perf["data"]["onSale"], false,
        "a draft event is not on sale"
    );

    let id: uuid::Uuid = perf["data"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let (_, opened) = app
        .post(
            &format!("/api/v1/admin/performances/{id}/open-sale"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(opened["data"]["onSale"], true);
    let prices: Vec<i64> = app
        .query_strings(&format!(
            "SELECT price::text FROM seats WHERE performance_id = '{id}' ORDER BY price"
        ))
        .await
        .iter()
        .map(|p| p.parse().expect("number"))
        .collect();
    assert_eq!(
        prices,
        [
            100_000, 100_000, 100_000, 100_000, 100_000, 100_000, 300_000
        ]
    );

    let user = app.user().await;
    let seats: Vec<uuid::Uuid> = app
        .seat_map(id)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .take(2)
        .collect();
    assert_eq!(app.hold(&user, id, &seats).await.0, StatusCode::CREATED);
    let (_, stats) = app
        .get(
            &format!("/api/v1/admin/performances/{id}/stats"),
            &app.admin,
        )
        .await;
    assert_eq!(
        stats["data"],
        json!({ "performanceId": id, "totalSeats": 7, "available": 5, "held": 2, "reserved": 0, "sold": 0 })
    );
}

#[tokio::test]
async fn bad_layouts_are_refused_and_create_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        json!({ "name": "", "layout": { "sections": [{ "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": 1 }] } }),
        json!({ "name": "Empty", "layout": {} }),
        json!({ "name": "Huge", "layout": { "sections": [{ "name": "A", "priceTier": "R", "rows": 1000, "seatsPerRow": 1000 }] } }),
        json!({ "name": "Negative", "layout": { "sections": [{ "name": "A", "priceTier": "R", "rows": -1, "seatsPerRow": 1 }] } }),
        json!({ "name": "Twice", "layout": { "seats": [
            { "section": "A", "row": "A", "number": 1, "x": 0, "y": 0, "priceTier": "R" },
            { "section": "A", "row": "A", "number": 1, "x": 9, "y": 9, "priceTier": "R" } ] } }),
    ];
    for body in cases {
        let (status, answer) = app
            .post("/api/v1/admin/venues", &app.admin, body.clone())
            .await;
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
            "{body}"
        );
    }
    assert_eq!(app.query_count("SELECT count(*) FROM venues").await, 0);
    let (status, _) = app
        .post(
            "/api/v1/admin/events",
            &app.admin,
            json!({ "venueId": uuid::Uuid::new_v4(), "title": "Nowhere" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_performance_created_with_its_waiting_room_on_is_queued_at_once() {
    let app = TestApp::spawn().await;
    let (_, venue) = app
        .post(
            "/api/v1/admin/venues",
            &app.admin,
            json!({ "name": "Q Hall", "layout": { "sections": [
            { "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": 2 } ] } }),
        )
        .await;
    let (_, event) = app
        .post(
            "/api/v1/admin/events",
            &app.admin,
            json!({ "venueId": venue["data"]["id"], "title": "Queued" }),
        )
        .await;
    let now = chrono::Utc::now();
    let path = format!(
        "/api/v1/admin/events/{}/performances",
        event["data"]["id"].as_str().expect("id")
    );
    let body = json!({ "startsAt": now + chrono::Duration::days(3), "saleOpensAt": now,
        "saleClosesAt": now + chrono::Duration::days(3), "queueEnabled": true, "prices": { "R": 1000 } });

    let (status, perf) = app.post(&path, &app.admin, body).await;

    assert_eq!(status, StatusCode::CREATED, "{perf}");
    let id = perf["data"]["id"].as_str().expect("id");
    let mirrored = app
        .redis_keys()
        .await
        .iter()
        .any(|k| k.contains(id) && k.ends_with(":config"));
    assert!(
        mirrored,
        "the gateway's Redis copy of the waiting room exists when the create call answers"
    );
}

#[tokio::test]
async fn every_performance_is_marked_known_to_the_gateway_at_creation_and_at_start_up() {
    use fred::prelude::*;
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 2).await;
    let key = format!(
        "{}queue:{{perf:{}}}:config",
        app.stores.redis_prefix, perf.id
    );
    let redis = crate::helpers::redis_client().await;
    let known: Option<String> = redis.hget(&key, "known").await.expect("hget");
    assert_eq!(known.as_deref(), Some("1"), "marked when created");

    // Redis loses the marker; the next core-api to start marks every performance again.
    let _: i64 = redis.del(&key).await.expect("del");
    let _restarted = app.sibling(|_| {}).await;

    let marked = crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
        let known: Option<String> = redis.hget(&key, "known").await.unwrap_or(None);
        known.as_deref() == Some("1")
    })
    .await;
    assert!(marked, "marked again at start-up");
}

#[tokio::test]
async fn a_nul_character_in_a_query_path_or_body_is_a_400_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin.clone();

    let (query, q) = app
        .call(
            Method::GET,
            "/api/v1/admin/audit-log?entityType=%00",
            Some(&admin.token),
            None,
        )
        .await;
    let (body, b) = app
        .call(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(
                json!({"email": "nul@example.com", "password": "long-enough-1", "name": "a\u{0}b"}),
            ),
        )
        .await;
    let (path, p) = app
        .call(Method::GET, "/api/v1/calendar/abc%00def", None, None)
        .await;

    for (status, answer) in [(query, &q), (body, &b), (path, &p)] {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["code"], "VALIDATION_FAILED", "{answer}");
    }
    let (_, users) = app
        .call(
            Method::GET,
            "/api/v1/admin/users?query=nul@",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(users["data"]["total"], 0, "nothing was created: {users}");
}
