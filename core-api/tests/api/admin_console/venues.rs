//! Venues for organizers: a layout with a stage, kinds and off-sale seats round-trips; an edit
//! bumps the version; overlapping seats and duplicate labels are refused with the fields
//! named and change nothing; a venue in use is neither edited nor deleted.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

fn layout() -> Value {
    json!({
        "stage": { "x": 0, "y": -40, "width": 100, "height": 20 },
        "sections": [{ "name": "A", "priceTier": "R", "rows": 2, "seatsPerRow": 3 }],
        "seats": [
            { "section": "W", "row": "A", "number": 1, "x": 200, "y": 0, "priceTier": "S", "kind": "accessible" },
            { "section": "W", "row": "A", "number": 2, "x": 210, "y": 0, "priceTier": "S", "kind": "companion" },
            { "section": "W", "row": "A", "number": 3, "x": 220, "y": 0, "priceTier": "S", "offSale": "production", "label": "Desk" }
        ]
    })
}

#[tokio::test]
async fn a_venue_layout_round_trips_is_edited_and_off_sale_seats_are_never_sold() {
    let app = TestApp::spawn().await;
    let (status, created) = app
        .post(
            "/api/v1/admin/venues",
            &app.admin,
            json!({ "name": "Hall", "layout": layout() }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().expect("id").to_owned();

    let (status, venue) = app
        .get(&format!("/api/v1/admin/venues/{id}"), &app.admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{venue}");
    let v = &venue["data"];
    assert_eq!(v["layoutVersion"], 1);
    assert_eq!(v["totalSeats"], 9);
    assert_eq!(v["layout"]["stage"]["width"], 100);
    let desk = v["layout"]["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .find(|s| s["label"] == "Desk")
        .expect("the labelled seat");
    assert_eq!(desk["offSale"], "production");
    let (_, listed) = app.get("/api/v1/admin/venues?q=hal", &app.admin).await;
    assert_eq!(listed["data"]["total"], 1, "{listed}");
    assert_eq!(listed["data"]["items"][0]["priceTiers"], json!(["R", "S"]));

    // Edit: a new version, audited.
    let (status, edited) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/venues/{id}"),
            Some(&app.admin.token),
            Some(json!({ "name": "Hall 2", "layout": layout() })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["data"]["layoutVersion"], 2);
    assert_eq!(
        app.query_count(&format!(
            "SELECT count(*) FROM audit_log WHERE entity_id = '{id}' AND action IN ('venue.create', 'venue.update')"
        ))
        .await,
        2
    );

    // A performance there has no off-sale seat; the venue is now in use.
    let (_, event) = app
        .post(
            "/api/v1/admin/events",
            &app.admin,
            json!({ "venueId": id, "title": "Show" }),
        )
        .await;
    let event_id = event["data"]["id"].as_str().expect("event id");
    let now = chrono::Utc::now();
    let (status, perf) = app
        .post(
            &format!("/api/v1/admin/events/{event_id}/performances"),
            &app.admin,
            json!({ "startsAt": now + chrono::Duration::days(3), "saleOpensAt": now, "saleClosesAt": now + chrono::Duration::days(2),
                    "prices": { "R": 1000, "S": 2000 } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{perf}");
    assert_eq!(perf["data"]["totalSeats"], 8);
    let (status, refused) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/venues/{id}"),
            Some(&app.admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(error_code(&refused), "VENUE_IN_USE");
}

#[tokio::test]
async fn overlapping_seats_and_duplicate_labels_are_refused_with_the_fields_named() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({ "sections": [{ "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": 2 }],
                    "seats": [{ "section": "B", "row": "A", "number": 1, "x": 12, "y": 3, "priceTier": "R" }] }),
            "OVERLAPPING_SEATS",
            "layout.seats[0]",
        ),
        (
            json!({ "seats": [
                { "section": "B", "row": "A", "number": 1, "x": 0, "y": 0, "priceTier": "R" },
                { "section": "B", "row": "A", "number": 1, "x": 50, "y": 0, "priceTier": "R" } ] }),
            "DUPLICATE_LABEL",
            "layout.seats[1]",
        ),
        (
            json!({ "seats": [{ "section": "B", "row": "A", "number": 1, "x": 0, "y": 0, "priceTier": "R", "kind": "vip" }] }),
            "must be one of standard, accessible, companion",
            "layout.seats[0].kind",
        ),
    ];
    for (layout, reason, field) in cases {
        let (status, body) = app
            .post(
                "/api/v1/admin/venues",
                &app.admin,
                json!({ "name": "Bad", "layout": layout }),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error_code(&body), "VALIDATION_FAILED");
        assert_eq!(body["error"]["details"]["field"], field, "{body}");
        assert_eq!(body["error"]["details"]["reason"], reason, "{body}");
    }
    let (status, body) = app
        .post(
            "/api/v1/admin/venues",
            &app.admin,
            json!({ "name": " ", "layout": layout() }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["details"]["field"], "name");
    assert_eq!(app.query_count("SELECT count(*) FROM venues").await, 0);
}
