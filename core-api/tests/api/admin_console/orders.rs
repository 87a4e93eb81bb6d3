//! Orders for organizers: search, detail with history, cancellation with one refund however
//! often it is asked, the attendee CSV, and bad input refused without a change.

use reqwest::StatusCode;
use serde_json::json;

use super::paid::reserve_every_seat;
use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn an_order_is_found_cancelled_with_one_refund_and_listed_in_the_attendee_csv() {
    let app = TestApp::spawn().await;
    let performance = app.performance(2, 2, 4).await;
    let (total, _) = reserve_every_seat(&app, performance.id, 1).await;
    assert_eq!(total, 4);
    let paid_number = app
        .query_strings(&format!(
            "SELECT reservation_number FROM reservations WHERE performance_id = '{}' \
             AND status = 'CONFIRMED' ORDER BY reservation_number LIMIT 1",
            performance.id
        ))
        .await
        .concat();

    // Search: the number in any case, and part of the buyer's e-mail.
    let (status, found) = app
        .get(
            &format!("/api/v1/admin/orders?q={}", paid_number.to_lowercase()),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["data"]["total"], 1, "{found}");
    let order = &found["data"]["items"][0];
    assert_eq!(order["reservationNumber"], json!(paid_number));
    assert_eq!(order["eventTitle"], "Test Event");
    assert_eq!(order["buyer"]["email"], "bulk1@test.holdfast.dev");
    let id = order["reservationId"].as_str().expect("id").to_owned();
    let (_, by_email) = app.get("/api/v1/admin/orders?q=BULK1@", &app.admin).await;
    assert_eq!(by_email["data"]["total"], json!(total));

    // Cancel twice: one refund.
    for _ in 0..2 {
        let (status, cancelled) = app
            .post(
                &format!("/api/v1/admin/orders/{id}/cancel"),
                &app.admin,
                json!({ "reason": "asked by phone" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["data"]["status"], "CANCELLED");
        assert_eq!(
            cancelled["data"]["refunds"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(cancelled["data"]["payments"][0]["status"], "REFUNDED");
    }
    let (status, detail) = app
        .get(&format!("/api/v1/admin/orders/{id}"), &app.admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    let history: Vec<&str> = detail["data"]["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["what"].as_str())
        .collect();
    assert!(
        history.contains(&"cancelled by an organizer"),
        "{history:?}"
    );
    assert_eq!(
        detail["data"]["history"]
            .as_array()
            .and_then(|h| h.last())
            .map(|h| h["by"].clone()),
        Some(json!(app.admin.id))
    );
    let audited = app
        .query_count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'reservation.cancel' AND entity_id = '{id}' \
             AND after ->> 'reason' = 'asked by phone'"
        ))
        .await;
    assert_eq!(audited, 1);

    // The attendee list: a header and one line per seat.
    let response = app
        .client
        .get(app.url(&format!(
            "/api/v1/admin/performances/{}/attendees.csv",
            performance.id
        )))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv"))
    );
    let csv = response.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0].starts_with("reservationNumber,status,section,row,number"));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{paid_number},CANCELLED,A,")))
    );
}

#[tokio::test]
async fn bad_order_requests_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let performance = app.performance(1, 2, 4).await;
    reserve_every_seat(&app, performance.id, 1).await;
    let id = app
        .query_strings(&format!(
            "SELECT id::text FROM reservations WHERE performance_id = '{}' LIMIT 1",
            performance.id
        ))
        .await
        .concat();
    for path in [
        format!("/api/v1/admin/orders?q={}", "x".repeat(101)),
        "/api/v1/admin/orders?limit=0".to_owned(),
        "/api/v1/admin/orders?offset=-1".to_owned(),
        "/api/v1/admin/orders/not-a-uuid".to_owned(),
    ] {
        let (status, body) = app.get(&path, &app.admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(error_code(&body), "VALIDATION_FAILED");
    }
    for body in [
        json!({}),
        json!({ "reason": "" }),
        json!({ "reason": "x".repeat(501) }),
    ] {
        let (status, answer) = app
            .post(
                &format!("/api/v1/admin/orders/{id}/cancel"),
                &app.admin,
                body,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer["error"]["details"]["field"].is_string(), "{answer}");
    }
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations WHERE status = 'CANCELLED'")
            .await,
        0
    );
    let (status, _) = app
        .get(
            &format!("/api/v1/admin/orders/{}", uuid::Uuid::new_v4()),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
