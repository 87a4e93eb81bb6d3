//! Cancelling a performance or an event through the API: the performance takes no new
//! reservation at once, the job cancels and refunds everything, asking twice is one job.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

use super::paid::{assert_all_cancelled_and_refunded_once, reserve_every_seat};
use crate::helpers::{TestApp, error_code, eventually};

/// The job once DONE (its progress as `GET /admin/jobs/{id}` shows it).
async fn job_done(app: &TestApp, job_id: &str) -> Value {
    let path = format!("/api/v1/admin/jobs/{job_id}");
    let finished = eventually(Duration::from_secs(30), || async {
        app.get(&path, &app.admin).await.1["data"]["status"] == "DONE"
    })
    .await;
    let (status, body) = app.get(&path, &app.admin).await;
    assert!(finished, "the job did not finish: {body}");
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn cancelling_a_performance_refunds_every_paid_reservation_and_blocks_new_ones() {
    let app = TestApp::spawn().await;
    let performance = app.performance(10, 20, 4).await;
    let buyer = app.user().await;
    let (status, hold) = app
        .hold(&buyer, performance.id, &performance.seat_ids[..1])
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let (total, paid) = reserve_every_seat(&app, performance.id, 7).await;

    let (status, started) = app
        .post(
            &format!("/api/v1/admin/performances/{}/cancel", performance.id),
            &app.admin,
            json!({ "reason": "venue flooded" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let job_id = started["data"]["jobId"]
        .as_str()
        .expect("job id")
        .to_owned();

    // The hold made before cannot become a reservation, and no new hold is granted.
    let (status, body) = app
        .reserve(&buyer, hold["data"]["holdId"].as_str().expect("hold id"))
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    let (status, body) = app
        .hold(&buyer, performance.id, &performance.seat_ids[1..2])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let job = job_done(&app, &job_id).await;
    assert_eq!(job["done"], json!(total));
    assert_eq!(job["refunded"], json!(paid));
    assert_eq!(job["kind"], "CANCEL_PERFORMANCE");
    assert_all_cancelled_and_refunded_once(&app, performance.id, paid).await;
    // Each buyer is told once, in the batch's transaction (the outbox; delivery is the worker's).
    let told = app
        .query_count(&format!(
            "SELECT count(*) FROM notification_outbox o JOIN reservations r \
             ON o.payload ->> 'reservationId' = r.id::text \
             WHERE o.event = 'performanceCancelled' AND r.performance_id = '{}'",
            performance.id
        ))
        .await;
    assert_eq!(told, total);

    // Asking again answers with the same job; the audit log has the cancellation.
    let (status, again) = app
        .post(
            &format!("/api/v1/admin/performances/{}/cancel", performance.id),
            &app.admin,
            json!({ "reason": "venue flooded" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["data"]["jobId"], json!(job_id));
    let (status, listed) = app
        .get(
            &format!("/api/v1/admin/jobs?performanceId={}", performance.id),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    let audited = app
        .query_count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'performance.cancel' AND entity_id = '{}'",
            performance.id
        ))
        .await;
    assert_eq!(audited, 1);
    let (status, seats) = app
        .get(
            &format!("/api/v1/admin/performances/{}/stats", performance.id),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{seats}");
}

#[tokio::test]
async fn cancelling_an_event_cancels_every_performance_and_the_event() {
    let app = TestApp::spawn().await;
    let performance = app.performance(4, 5, 4).await;
    let (_, paid) = reserve_every_seat(&app, performance.id, 3).await;
    let event_id = app
        .query_strings(&format!(
            "SELECT event_id::text FROM performances WHERE id = '{}'",
            performance.id
        ))
        .await
        .concat();

    let (status, started) = app
        .post(
            &format!("/api/v1/admin/events/{event_id}/cancel"),
            &app.admin,
            json!({ "reason": "tour cancelled" }),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let job = job_done(&app, started["data"]["jobId"].as_str().expect("job id")).await;
    assert_eq!(job["kind"], "CANCEL_EVENT");
    assert_all_cancelled_and_refunded_once(&app, performance.id, paid).await;
    let (_, event) = app
        .get(&format!("/api/v1/events/{event_id}"), &app.admin)
        .await;
    assert_eq!(event["data"]["status"], "CANCELLED", "{event}");
}

#[tokio::test]
async fn a_cancellation_without_a_reason_or_of_nothing_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let performance = app.performance(2, 2, 4).await;
    for body in [json!({}), json!({ "reason": "  " }), json!({ "reason": 5 })] {
        let (status, answer) = app
            .post(
                &format!("/api/v1/admin/performances/{}/cancel", performance.id),
                &app.admin,
                body,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(error_code(&answer), "VALIDATION_FAILED");
    }
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/performances/{}/cancel", uuid::Uuid::new_v4()),
            &app.admin,
            json!({ "reason": "x" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(
            &format!("/api/v1/admin/jobs/{}", uuid::Uuid::new_v4()),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.query_count("SELECT count(*) FROM admin_jobs").await, 0);
    assert_eq!(
        app.query_count("SELECT count(*) FROM performances WHERE cancelled_at IS NOT NULL")
            .await,
        0
    );
}
