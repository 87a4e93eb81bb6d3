//! Bad input and policy breaches: clear errors, nothing changed.

use chrono::{Duration as Span, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{at, id_of, rfc};
use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn bad_input_and_policy_breaches_get_clear_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let resource = app
        .resource(
            "gpu-policy",
            json!({ "maxDurationMinutes": 120, "maxAdvanceDays": 14, "minNoticeMinutes": 30,
                    "allowedHours": { "start": "08:00", "end": "20:00", "timeZone": "Asia/Seoul" } }),
        )
        .await;
    let user = app.member().await;
    let other = app.member().await;
    let (status, mine) = app.book(&user, resource, at(60), at(90)).await; // 09:00 Seoul
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let before = app
        .query_count("SELECT count(*) FROM resource_bookings")
        .await;
    let audit_before = app.query_count("SELECT count(*) FROM audit_log").await;

    let book = |body: Value| app.post("/api/v1/resource-bookings", &user, body);
    let base = |start: &str, end: &str| json!({ "resourceId": resource, "title": "x", "startAt": start, "endAt": end });
    let s = |m: i64| rfc(at(m));
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            base(&s(120), &s(100)),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "endAt",
        ),
        (
            base(&s(120), &s(120)),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "endAt",
        ),
        (
            base("2030-01-01T10:00:00", "2030-01-01T11:00:00"),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "startAt",
        ),
        (
            base("tomorrow", &s(120)),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "startAt",
        ),
        (
            json!({ "resourceId": resource, "title": "", "startAt": s(120), "endAt": s(150) }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "title",
        ),
        (
            json!({ "resourceId": Uuid::new_v4(), "title": "x", "startAt": s(120), "endAt": s(150) }),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "",
        ),
        (
            json!({ "resourceId": resource, "title": "x", "startAt": s(120), "endAt": s(150), "recurrence": { "rule": "FREQ=MONTHLY;COUNT=2" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "recurrence.rule",
        ),
        (
            json!({ "resourceId": resource, "title": "x", "startAt": s(120), "endAt": s(150), "recurrence": { "rule": "FREQ=DAILY" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "recurrence.rule",
        ),
        (
            json!({ "resourceId": resource, "title": "x", "startAt": s(120), "endAt": s(150), "recurrence": { "rule": "FREQ=DAILY;COUNT=2", "timeZone": "Mars/Olympus" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "recurrence.timeZone",
        ),
        (
            json!({ "resourceId": resource, "title": "x", "startAt": s(120), "endAt": s(120 + 25 * 60),
                    "recurrence": { "rule": "FREQ=DAILY;COUNT=2", "timeZone": "UTC" } }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "recurrence.rule",
        ),
        (
            json!({ "resourceId": resource, "title": "x", "startAt": s(120), "endAt": s(150), "priority": 1 }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "",
        ),
    ];
    for (body, status, code, field) in cases {
        let (got, answer) = book(body.clone()).await;
        assert_eq!(
            (got, error_code(&answer)),
            (status, code),
            "{body} -> {answer}"
        );
        if !field.is_empty() {
            assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
        }
    }
    // Policy: each refusal names its rule.
    let rules = [
        (s(120), s(300), "maxDuration"), // 3 hours > 2
        (
            rfc(Utc::now() + Span::minutes(5)),
            rfc(Utc::now() + Span::minutes(20)),
            "minNotice",
        ),
        (
            rfc(at(20 * 1440 + 60)),
            rfc(at(20 * 1440 + 90)),
            "maxAdvance",
        ),
        (s(660), s(720), "allowedHours"), // 20:00-21:00 Seoul: after hours
        (s(630), s(750), "allowedHours"), // 19:30-21:30 Seoul: crosses 20:00
    ];
    for (start, end, rule) in rules {
        let (status, body) = book(base(&start, &end)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rule}: {body}");
        assert_eq!(error_code(&body), "BOOKING_POLICY_VIOLATED");
        assert_eq!(body["error"]["details"]["rule"], rule, "{body}");
    }
    // Malformed JSON, someone else's booking, a non-admin making a resource.
    let response = app
        .client
        .post(app.url("/api/v1/resource-bookings"))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body("{\"resourceId\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let path = format!("/api/v1/resource-bookings/{}", id_of(&mine));
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&other.token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .post(
            "/api/v1/resources",
            &user,
            json!({ "teamId": app.lab().await, "name": "mine" }),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    let (status, body) = app
        .post("/api/v1/resources", &app.admin, json!({ "teamId": app.lab().await, "name": "bad", "policy": { "allowedHours": { "start": "20:00", "end": "08:00", "timeZone": "UTC" } } }))
        .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("policy.allowedHours"))
    );
    let (status, _) = app
        .call(Method::GET, "/api/v1/resource-bookings", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(
        app.query_count("SELECT count(*) FROM resource_bookings")
            .await,
        before
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM audit_log").await,
        audit_before
    );

    // A deactivated resource takes no bookings.
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/resources/{resource}"),
            Some(&app.admin.token),
            Some(json!({ "name": "gpu-policy", "isActive": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app.book(&user, resource, at(120), at(150)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "RESOURCE_INACTIVE")
    );
    // It still has an upcoming booking, so it cannot be deleted.
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/resources/{resource}"),
            Some(&app.admin.token),
            None,
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "RESOURCE_HAS_BOOKINGS")
    );
}
