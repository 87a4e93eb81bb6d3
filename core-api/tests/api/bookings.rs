//! Shared server time: overlap-free bookings (Postgres EXCLUDE), policies, recurrence,
//! time zones, availability, dashboard and audit.

use std::time::Duration;

use chrono::{DateTime, Datelike, Duration as Span, NaiveDate, TimeZone, Utc, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, error_code};

/// Tomorrow at 00:00 UTC plus `minutes`: always in the future, whole seconds.
pub fn at(minutes: i64) -> DateTime<Utc> {
    let day = (Utc::now() + Span::days(1)).date_naive();
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight")) + Span::minutes(minutes)
}

pub fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn id_of(body: &Value) -> Uuid {
    body["data"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id in body")
}

impl TestApp {
    /// A resource made through the admin API.
    pub async fn resource(&self, name: &str, policy: Value) -> Uuid {
        let (status, body) = self
            .post(
                "/api/v1/resources",
                &self.admin,
                json!({ "name": name, "description": "test server", "capacity": 8, "policy": policy }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        id_of(&body)
    }

    pub async fn book(
        &self,
        user: &TestUser,
        resource: Uuid,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> (StatusCode, Value) {
        self.post(
            "/api/v1/resource-bookings",
            user,
            json!({ "resourceId": resource, "title": "training run", "startAt": rfc(start), "endAt": rfc(end) }),
        )
        .await
    }

    async fn active_bookings(&self, resource: Uuid) -> i64 {
        self.query_count(&format!(
            "SELECT count(*) FROM resource_bookings WHERE resource_id = '{resource}' AND status = 'active'"
        ))
        .await
    }
}

#[tokio::test]
async fn concurrent_overlapping_bookings_never_overlap_and_every_refusal_names_a_real_conflict() {
    // Generous pool wait: 100 transactions queue on 20 connections; this test is about who wins.
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_DEPENDENCY_TIMEOUT_MS".into(), "10000".into());
    })
    .await;
    let resource = app.resource("gpu-race", json!({})).await;
    let users = app.users(100).await;
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
    let (alice, bob) = (app.user().await, app.user().await);
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

/// The second Sunday of March next year: the day US clocks spring forward.
fn next_us_dst_start() -> NaiveDate {
    let year = Utc::now().year() + 1;
    let first = NaiveDate::from_ymd_opt(year, 3, 1).expect("date");
    let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
    first + Span::days(i64::from(to_sunday) + 7)
}

#[tokio::test]
async fn offsets_and_daylight_saving_land_on_the_right_instants() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-zones", json!({})).await;
    let user = app.user().await;
    let day = (Utc::now() + Span::days(3)).date_naive();

    // Given in +09:00 (Seoul), stored and returned as UTC.
    let (status, body) = app
        .post(
            "/api/v1/resource-bookings",
            &user,
            json!({ "resourceId": resource, "title": "seoul", "startAt": format!("{day}T09:00:00+09:00"),
                    "endAt": format!("{day}T10:30:00+09:00") }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["startAt"], format!("{day}T00:00:00Z"));
    assert_eq!(body["data"]["endAt"], format!("{day}T01:30:00Z"));

    // A weekly 09:00 New York meeting across the spring-forward Sunday keeps 09:00 local.
    let dst = next_us_dst_start();
    let first = dst - Span::days(13); // a Monday two weeks before
    assert_eq!(first.weekday(), Weekday::Mon);
    let (status, body) = app
        .post(
            "/api/v1/resource-bookings",
            &user,
            json!({ "resourceId": resource, "title": "standup", "startAt": format!("{first}T09:00:00-05:00"),
                    "endAt": format!("{first}T10:00:00-05:00"),
                    "recurrence": { "rule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4", "timeZone": "America/New_York" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let starts: Vec<&str> = body["data"]["bookings"]
        .as_array()
        .expect("bookings")
        .iter()
        .map(|b| b["startAt"].as_str().expect("startAt"))
        .collect();
    let d = |n: i64| first + Span::days(n);
    assert_eq!(
        starts,
        vec![
            format!("{}T14:00:00Z", d(0)),
            format!("{}T14:00:00Z", d(7)),
            format!("{}T13:00:00Z", d(14)),
            format!("{}T13:00:00Z", d(21)),
        ]
    );

    // Given with the New York offset on the switch day itself: 01:30 EST and 03:30 EDT
    // are one hour apart in real time.
    let (status, body) = app
        .post(
            "/api/v1/resource-bookings",
            &user,
            json!({ "resourceId": resource, "title": "night job", "startAt": format!("{dst}T01:30:00-05:00"),
                    "endAt": format!("{dst}T03:30:00-04:00") }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["startAt"], format!("{dst}T06:30:00Z"));
    assert_eq!(body["data"]["endAt"], format!("{dst}T07:30:00Z"));
}

#[tokio::test]
async fn recurring_series_are_all_or_nothing_unless_conflicts_are_skipped() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-series", json!({})).await;
    let (alice, bob) = (app.user().await, app.user().await);
    // Bob holds the third day's slot.
    let (status, blocker) = app
        .book(&bob, resource, at(2 * 1440 + 600), at(2 * 1440 + 630))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{blocker}");
    let series = |skip: bool| {
        json!({ "resourceId": resource, "title": "nightly eval", "startAt": rfc(at(600)), "endAt": rfc(at(660)),
                "recurrence": { "rule": "FREQ=DAILY;COUNT=5", "timeZone": "UTC" }, "skipConflicts": skip })
    };
    let (status, body) = app
        .post("/api/v1/resource-bookings", &alice, series(false))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        body["error"]["details"]["conflictingBookingId"],
        blocker["data"]["id"]
    );
    assert_eq!(
        app.active_bookings(resource).await,
        1,
        "nothing of the series was booked"
    );

    let (status, body) = app
        .post("/api/v1/resource-bookings", &alice, series(true))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let data = &body["data"];
    assert_eq!(data["rule"], "FREQ=DAILY;COUNT=5");
    assert_eq!(data["bookings"].as_array().map(Vec::len), Some(4));
    assert_eq!(data["skipped"][0]["startAt"], rfc(at(2 * 1440 + 600)));
    assert_eq!(
        data["skipped"][0]["conflictingBookingIds"][0],
        blocker["data"]["id"]
    );
    let series_id = data["seriesId"].as_str().expect("series id").to_owned();

    // One occurrence, then the rest of the series.
    let one = data["bookings"][0]["id"].as_str().expect("id");
    let (status, _) = app
        .post(
            &format!("/api/v1/resource-bookings/{one}/cancel"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.active_bookings(resource).await, 4);
    let (status, body) = app
        .post(
            &format!("/api/v1/resource-bookings/series/{series_id}/cancel"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = app
        .post(
            &format!("/api/v1/resource-bookings/series/{series_id}/cancel"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["cancelled"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        app.active_bookings(resource).await,
        1,
        "only bob's booking is left"
    );
}

#[tokio::test]
async fn updates_move_bookings_bump_the_sequence_and_refuse_overlaps() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-update", json!({})).await;
    let (alice, bob) = (app.user().await, app.user().await);
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
async fn bad_input_and_policy_breaches_get_clear_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let resource = app
        .resource(
            "gpu-policy",
            json!({ "maxDurationMinutes": 120, "maxAdvanceDays": 14, "minNoticeMinutes": 30,
                    "allowedHours": { "start": "08:00", "end": "20:00", "timeZone": "Asia/Seoul" } }),
        )
        .await;
    let user = app.user().await;
    let other = app.user().await;
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
        .post("/api/v1/resources", &user, json!({ "name": "mine" }))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    let (status, body) = app
        .post("/api/v1/resources", &app.admin, json!({ "name": "bad", "policy": { "allowedHours": { "start": "20:00", "end": "08:00", "timeZone": "UTC" } } }))
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

#[tokio::test]
async fn availability_timeline_status_and_my_bookings() {
    let app = TestApp::spawn().await;
    let resource = app
        .resource(
            "gpu-dash",
            json!({ "allowedHours": { "start": "09:00", "end": "18:00", "timeZone": "UTC" } }),
        )
        .await;
    let (alice, bob) = (app.user().await, app.user().await);
    let (_, a) = app.book(&alice, resource, at(600), at(660)).await; // 10:00-11:00
    let (_, b) = app.book(&bob, resource, at(780), at(840)).await; // 13:00-14:00
    // Running now (inserted directly: the API refuses bookings that start in the past).
    let now = Utc::now();
    app.query_count(&format!(
        "WITH x AS (INSERT INTO resource_bookings (id, resource_id, user_id, title, start_at, end_at) \
         VALUES ('{}', '{resource}', '{}', 'running', '{}', '{}') RETURNING 1) SELECT count(*) FROM x",
        Uuid::now_v7(), bob.id, rfc(now - Span::hours(1)), rfc(now + Span::minutes(10))
    ))
    .await;

    let url = format!(
        "/api/v1/resources/{resource}/availability?from={}&to={}",
        rfc(at(480)),
        rfc(at(1440))
    );
    let (status, body) = app.get(&url.replace('+', "%2B"), &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let free: Vec<(String, String)> = body["data"]["free"]
        .as_array()
        .expect("free")
        .iter()
        .map(|s| {
            (
                s["startAt"].as_str().expect("s").to_owned(),
                s["endAt"].as_str().expect("e").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        free,
        vec![
            (rfc(at(540)), rfc(at(600))),
            (rfc(at(660)), rfc(at(780))),
            (rfc(at(840)), rfc(at(1080)))
        ]
    );
    assert_eq!(body["data"]["busy"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["data"]["available"], false);
    let (_, body) = app
        .get(
            &format!(
                "/api/v1/resources/{resource}/availability?from={}&to={}",
                rfc(at(900)),
                rfc(at(960))
            ),
            &alice,
        )
        .await;
    assert_eq!(body["data"]["available"], true, "{body}");

    let (status, body) = app
        .get(
            &format!(
                "/api/v1/resources/timeline?from={}&to={}",
                rfc(at(0)),
                rfc(at(1440))
            ),
            &alice,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = body["data"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["resource"]["id"] == json!(resource))
        .expect("row");
    assert_eq!(row["bookings"].as_array().map(Vec::len), Some(2));

    let (status, body) = app.get("/api/v1/resources/status", &alice).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let row = body["data"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["resource"]["id"] == json!(resource))
        .expect("row");
    assert_eq!(row["current"]["title"], "running");
    assert_eq!(row["current"]["userId"], json!(bob.id));
    assert_eq!(row["next"]["id"], a["data"]["id"]);

    let (_, mine) = app.get("/api/v1/me/resource-bookings", &bob).await;
    let ids: Vec<&Value> = mine["data"]
        .as_array()
        .expect("mine")
        .iter()
        .map(|b| &b["id"])
        .collect();
    assert_eq!(ids.len(), 2, "{mine}");
    assert!(ids.contains(&&b["data"]["id"]));
    let (_, filtered) = app
        .get(
            &format!(
                "/api/v1/resource-bookings?resourceId={resource}&userId={}&from={}",
                alice.id,
                rfc(at(0))
            ),
            &bob,
        )
        .await;
    assert_eq!(
        filtered["data"].as_array().map(Vec::len),
        Some(1),
        "{filtered}"
    );
    let (status, body) = app
        .get("/api/v1/resource-bookings?status=maybe", &bob)
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
    );
}

#[tokio::test]
async fn the_audit_log_says_who_did_what() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-audit", json!({})).await;
    let user = app.user().await;
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
    let user = app.user().await;
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
