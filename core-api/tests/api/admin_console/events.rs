//! Events and performances for organizers: listed and read with figures, edited (prices
//! audited), refused on bad input without a change, deleted only while nothing was sold.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::paid::reserve_every_seat;
use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn events_and_performances_are_listed_edited_and_deleted_only_without_sales() {
    let app = TestApp::spawn().await;
    let sold = app.performance(2, 2, 4).await;
    reserve_every_seat(&app, sold.id, 1).await;
    let unsold = app.performance(1, 3, 4).await;
    let token = Some(app.admin.token.as_str());

    let (status, page) = app
        .get("/api/v1/admin/events?q=test&status=ON_SALE", &app.admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["data"]["total"], 2);
    let (status, detail) = app
        .get(
            &format!("/api/v1/admin/performances/{}", sold.id),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["data"]["status"], "ON_SALE");
    assert_eq!(detail["data"]["prices"]["R"], 50000);
    assert_eq!(detail["data"]["stats"]["sold"], 4);
    let event_id = detail["data"]["eventId"]
        .as_str()
        .expect("event")
        .to_owned();

    // A price change: audited with before and after; a bad window changes nothing.
    let (status, changed) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/performances/{}", unsold.id),
            token,
            Some(json!({ "prices": { "R": 70000 }, "maxSeatsPerUser": 2 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["data"]["prices"]["R"], 70000);
    assert_eq!(changed["data"]["maxSeatsPerUser"], 2);
    let audited = app
        .query_count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'performance.prices' AND entity_id = '{}' \
             AND (before -> 'prices' ->> 'R')::bigint = 50000 AND (after -> 'prices' ->> 'R')::bigint = 70000",
            unsold.id
        ))
        .await;
    assert_eq!(audited, 1);
    for (body, field) in [
        (
            json!({ "saleOpensAt": "2030-01-02T00:00:00Z", "saleClosesAt": "2030-01-01T00:00:00Z" }),
            "saleClosesAt",
        ),
        (json!({ "prices": { "NOPE": 1 } }), "prices.NOPE"),
        (json!({ "maxSeatsPerUser": 0 }), "maxSeatsPerUser"),
    ] {
        let (status, refused) = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/performances/{}", unsold.id),
                token,
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["error"]["details"]["field"], field);
    }
    let (_, after) = app
        .get(
            &format!("/api/v1/admin/performances/{}", unsold.id),
            &app.admin,
        )
        .await;
    assert_eq!(after["data"]["prices"]["R"], 70000);

    // Edit an event; bad title refused.
    let (status, edited) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/events/{event_id}"),
            token,
            Some(json!({ "title": "Renamed", "description": "New words" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["data"]["title"], "Renamed");
    assert_eq!(
        edited["data"]["performances"].as_array().map(Vec::len),
        Some(1)
    );
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/events/{event_id}"),
            token,
            Some(json!({ "title": "" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Delete: refused with sales, done without.
    for path in [
        format!("/api/v1/admin/performances/{}", sold.id),
        format!("/api/v1/admin/events/{event_id}"),
    ] {
        let (status, refused) = app.call(Method::DELETE, &path, token, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert_eq!(error_code(&refused), "HAS_SALES");
    }
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/performances/{}", unsold.id),
            token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .get(
            &format!("/api/v1/admin/performances/{}", unsold.id),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
