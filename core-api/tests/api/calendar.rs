//! Calendar feeds (parsed back with an iCalendar parser) and the Google Calendar push,
//! against a local fake of Google's token and events endpoints.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode as Http},
    routing::{patch, post},
};
use icalendar::Component;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    bookings::{at, rfc},
    helpers::{TestApp, eventually},
};

const KEY: &str = include_str!("fixtures/test-service-account.key.pem");
const PUBLIC_KEY: &str = include_str!("fixtures/test-service-account.pub.pem");
const CLIENT_EMAIL: &str = "holdfast-sync@test-project.iam.gserviceaccount.com";
const CALENDAR_ID: &str = "team-servers@group.calendar.google.com";

/// Parses a feed and returns (uid, sequence, status, summary) per event.
fn events(feed: &str) -> Vec<(String, u32, Option<icalendar::EventStatus>, String)> {
    let calendar: icalendar::Calendar = feed.parse().expect("the feed is valid iCalendar");
    calendar
        .events()
        .map(|e| {
            (
                e.get_uid().expect("uid").to_owned(),
                e.get_sequence().expect("sequence"),
                e.get_status(),
                e.get_summary().expect("summary").to_owned(),
            )
        })
        .collect()
}

async fn fetch_feed(app: &TestApp, url: &str) -> (StatusCode, String, String) {
    let path = url
        .split_once("/api/")
        .map(|(_, p)| format!("/api/{p}"))
        .expect("feed path");
    let response = app.client.get(app.url(&path)).send().await.expect("feed");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, response.text().await.expect("body"))
}

#[tokio::test]
async fn calendar_feeds_parse_reflect_changes_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-feed", json!({})).await;
    let user = app.user().await;
    let (_, booking) = app.book(&user, resource, at(600), at(660)).await;
    let id = booking["data"]["id"].as_str().expect("id").to_owned();
    let uid = format!("{id}@holdfast");

    let (status, feed) = app
        .post(
            "/api/v1/calendar-feeds",
            &user,
            json!({ "resourceId": resource }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let url = feed["data"]["url"].as_str().expect("url").to_owned();
    assert!(url.ends_with(".ics"), "{url}");
    let (_, mine) = app.post("/api/v1/calendar-feeds", &user, json!({})).await;
    let my_url = mine["data"]["url"].as_str().expect("url").to_owned();

    let (status, kind, body) = fetch_feed(&app, &url).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let got = events(&body);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].0.as_str(), got[0].1), (uid.as_str(), 0));
    assert_eq!(got[0].2, Some(icalendar::EventStatus::Confirmed));
    let parsed: icalendar::Calendar = body.parse().expect("parse");
    let event = parsed.events().next().expect("event");
    assert_eq!(
        event.get_start(),
        Some(icalendar::DatePerhapsTime::DateTime(
            icalendar::CalendarDateTime::Utc(at(600))
        ))
    );

    // A change bumps SEQUENCE; a cancellation stays in the feed as CANCELLED.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/resource-bookings/{id}"),
            Some(&user.token),
            Some(json!({ "title": "fine-tune; v2, final" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let got = events(&fetch_feed(&app, &url).await.2);
    assert_eq!(got[0].1, 1);
    assert!(got[0].3.starts_with("fine-tune; v2, final"), "{:?}", got[0]);
    app.post(
        &format!("/api/v1/resource-bookings/{id}/cancel"),
        &user,
        json!({}),
    )
    .await;
    let got = events(&fetch_feed(&app, &my_url).await.2);
    assert_eq!(
        (got[0].0.as_str(), got[0].1, got[0].2),
        (uid.as_str(), 2, Some(icalendar::EventStatus::Cancelled))
    );

    // Someone else cannot revoke it; the owner can, and the URL is dead from then on.
    let feed_id = feed["data"]["id"].as_str().expect("feed id");
    let other = app.user().await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/calendar-feeds/{feed_id}"),
            Some(&other.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/calendar-feeds/{feed_id}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["data"]["revokedAt"].is_string());
    assert_eq!(fetch_feed(&app, &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(fetch_feed(&app, &my_url).await.0, StatusCode::OK);
    assert_eq!(
        fetch_feed(&app, "x/api/v1/calendar/not-a-real-token.ics")
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The list never shows URLs again.
    let (_, list) = app.get("/api/v1/calendar-feeds", &user).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(2));
    assert!(list["data"][0].get("url").is_none(), "{list}");
}

/// What the fake Google Calendar saw and holds.
#[derive(Default)]
struct Google {
    up: AtomicBool,
    /// Store the next inserted event, then answer 500 as if the answer were lost.
    lose_next_insert_answer: AtomicBool,
    events: Mutex<HashMap<String, Value>>,
    calls: Mutex<Vec<String>>,
    tokens_issued: Mutex<u32>,
}

type Fake = Arc<Google>;

impl Google {
    fn calls(&self) -> Vec<String> {
        self.calls.lock().expect("lock").clone()
    }

    fn events(&self) -> HashMap<String, Value> {
        self.events.lock().expect("lock").clone()
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("Bearer fake-token-"))
    }
}

async fn token(State(g): State<Fake>, body: String) -> (Http, Json<Value>) {
    if !g.up.load(Ordering::SeqCst) {
        return (Http::SERVICE_UNAVAILABLE, Json(json!({ "error": "down" })));
    }
    let form: HashMap<String, String> = url_pairs(&body);
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        return (
            Http::BAD_REQUEST,
            Json(json!({ "error": "unsupported_grant_type" })),
        );
    }
    // The assertion must be signed by the service account's key, for this endpoint.
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).expect("public key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false; // checked below: it must be this endpoint's URL
    let Ok(claims) = jsonwebtoken::decode::<Value>(
        form.get("assertion").map_or("", String::as_str),
        &key,
        &validation,
    ) else {
        return (Http::BAD_REQUEST, Json(json!({ "error": "invalid_grant" })));
    };
    let c = claims.claims;
    let aud_ok = c["aud"].as_str().is_some_and(|a| a.ends_with("/token"));
    if c["iss"] != CLIENT_EMAIL
        || !aud_ok
        || c["scope"] != "https://www.googleapis.com/auth/calendar.events"
    {
        return (
            Http::BAD_REQUEST,
            Json(json!({ "error": "invalid_grant", "claims": c })),
        );
    }
    let mut n = g.tokens_issued.lock().expect("lock");
    *n += 1;
    (
        Http::OK,
        Json(
            json!({ "access_token": format!("fake-token-{n}"), "expires_in": 3600, "token_type": "Bearer" }),
        ),
    )
}

fn url_pairs(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.replace("%3A", ":").replace("%3a", ":")))
        .collect()
}

async fn insert(
    State(g): State<Fake>,
    Path(calendar): Path<String>,
    headers: HeaderMap,
    Json(event): Json<Value>,
) -> (Http, Json<Value>) {
    if !g.up.load(Ordering::SeqCst) {
        return (Http::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    if !g.authorized(&headers) || calendar != CALENDAR_ID {
        return (Http::UNAUTHORIZED, Json(json!({})));
    }
    let id = event["id"].as_str().unwrap_or_default().to_owned();
    g.calls.lock().expect("lock").push(format!("insert {id}"));
    let mut events = g.events.lock().expect("lock");
    if events.contains_key(&id) {
        return (
            Http::CONFLICT,
            Json(json!({ "error": { "code": 409, "message": "duplicate" } })),
        );
    }
    events.insert(id, event.clone());
    if g.lose_next_insert_answer.swap(false, Ordering::SeqCst) {
        return (Http::INTERNAL_SERVER_ERROR, Json(json!({})));
    }
    (Http::OK, Json(event))
}

async fn change(
    State(g): State<Fake>,
    method: axum::http::Method,
    Path((calendar, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> (Http, Json<Value>) {
    if !g.up.load(Ordering::SeqCst) {
        return (Http::SERVICE_UNAVAILABLE, Json(json!({})));
    }
    if !g.authorized(&headers) || calendar != CALENDAR_ID {
        return (Http::UNAUTHORIZED, Json(json!({})));
    }
    let verb = if method == axum::http::Method::DELETE {
        "delete"
    } else {
        "patch"
    };
    g.calls.lock().expect("lock").push(format!("{verb} {id}"));
    let mut events = g.events.lock().expect("lock");
    let Some(existing) = events.get_mut(&id) else {
        return (Http::NOT_FOUND, Json(json!({})));
    };
    if verb == "delete" {
        events.remove(&id);
        return (Http::NO_CONTENT, Json(json!({})));
    }
    if let (Some(Json(Value::Object(patch))), Value::Object(target)) = (body, existing) {
        for (k, v) in patch {
            target.insert(k, v);
        }
    }
    (Http::OK, Json(json!({})))
}

async fn fake_google() -> (Fake, SocketAddr) {
    let state: Fake = Arc::new(Google {
        up: AtomicBool::new(true),
        ..Google::default()
    });
    let app = Router::new()
        .route("/token", post(token))
        .route("/calendar/v3/calendars/{calendar}/events", post(insert))
        .route(
            "/calendar/v3/calendars/{calendar}/events/{id}",
            patch(change).delete(change),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind fake google");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (state, addr)
}

/// An app whose calendar push points at the fake.
async fn app_with_google(addr: SocketAddr) -> (TestApp, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("holdfast-gcal-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key_file = dir.join("service-account.json");
    let key = json!({ "type": "service_account", "client_email": CLIENT_EMAIL, "private_key": KEY,
                      "token_uri": format!("http://{addr}/token") });
    std::fs::write(&key_file, key.to_string()).expect("write key");
    let app = TestApp::spawn_with(|v| {
        for (k, val) in [
            ("GOOGLE_CALENDAR_ID", CALENDAR_ID.to_owned()),
            (
                "GOOGLE_SERVICE_ACCOUNT_KEY_FILE",
                key_file.display().to_string(),
            ),
            (
                "GOOGLE_CALENDAR_API_URL",
                format!("http://{addr}/calendar/v3"),
            ),
            ("GOOGLE_SYNC_POLL_MS", "50".to_owned()),
            ("GOOGLE_SYNC_BACKOFF_MS", "50".to_owned()),
            ("GOOGLE_SYNC_MAX_BACKOFF_MS", "200".to_owned()),
            ("GOOGLE_SYNC_TIMEOUT_MS", "3000".to_owned()),
        ] {
            v.insert(k.to_owned(), val);
        }
    })
    .await;
    (app, dir)
}

#[tokio::test]
async fn create_update_and_cancel_become_insert_patch_and_delete() {
    let (google, addr) = fake_google().await;
    let (app, dir) = app_with_google(addr).await;
    let resource = app.resource("gpu-google", json!({})).await;
    let user = app.user().await;
    let (status, booking) = app.book(&user, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    let id = booking["data"]["id"].as_str().expect("id").to_owned();
    let event_id = id.replace('-', "");
    assert_eq!(booking["data"]["calendarSynced"], true, "{booking}");
    assert_eq!(booking["data"]["googleEventId"], event_id);
    let stored = google.events()[&event_id].clone();
    assert_eq!(stored["start"]["dateTime"], rfc(at(600)));
    assert!(
        stored["summary"]
            .as_str()
            .is_some_and(|s| s.contains("training run")),
        "{stored}"
    );

    let (status, updated) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/resource-bookings/{id}"),
            Some(&user.token),
            Some(json!({ "endAt": rfc(at(690)) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["data"]["calendarSynced"], true);
    assert_eq!(google.events()[&event_id]["end"]["dateTime"], rfc(at(690)));

    let (status, cancelled) = app
        .post(
            &format!("/api/v1/resource-bookings/{id}/cancel"),
            &user,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelled["data"]["calendarSynced"], true, "{cancelled}");
    assert!(google.events().is_empty());
    assert_eq!(
        google.calls(),
        vec![
            format!("insert {event_id}"),
            format!("patch {event_id}"),
            format!("delete {event_id}")
        ]
    );
    assert_eq!(
        *google.tokens_issued.lock().expect("lock"),
        1,
        "the access token is cached"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn with_the_calendar_down_bookings_still_succeed_and_sync_later_without_duplicates() {
    let (google, addr) = fake_google().await;
    let (app, dir) = app_with_google(addr).await;
    let resource = app.resource("gpu-google-down", json!({})).await;
    let user = app.user().await;

    google.up.store(false, Ordering::SeqCst);
    let (status, booking) = app.book(&user, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    assert_eq!(booking["data"]["calendarSynced"], false);
    assert!(booking["data"]["googleEventId"].is_null());
    let id = booking["data"]["id"].as_str().expect("id").to_owned();
    let pending = app
        .query_count(&format!(
            "SELECT count(*) FROM calendar_outbox WHERE booking_id = '{id}' AND done_at IS NULL"
        ))
        .await;
    assert_eq!(pending, 1);

    google.up.store(true, Ordering::SeqCst);
    let synced = eventually(Duration::from_secs(20), || async {
        let (_, b) = app
            .get(&format!("/api/v1/resource-bookings/{id}"), &user)
            .await;
        b["data"]["calendarSynced"] == true
    })
    .await;
    assert!(
        synced,
        "the outbox pushed the booking once the calendar was back"
    );
    assert_eq!(google.events().len(), 1);

    // An insert whose answer is lost: the retry finds the event instead of making another.
    google.lose_next_insert_answer.store(true, Ordering::SeqCst);
    let (status, second) = app.book(&user, resource, at(700), at(760)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["data"]["calendarSynced"], false, "{second}");
    let second_id = second["data"]["id"].as_str().expect("id").to_owned();
    let synced = eventually(Duration::from_secs(20), || async {
        let (_, b) = app
            .get(&format!("/api/v1/resource-bookings/{second_id}"), &user)
            .await;
        b["data"]["calendarSynced"] == true
    })
    .await;
    assert!(synced);
    let event_id = second_id.replace('-', "");
    let calls: Vec<String> = google
        .calls()
        .into_iter()
        .filter(|c| c.ends_with(&event_id))
        .collect();
    assert_eq!(
        calls,
        vec![
            format!("insert {event_id}"),
            format!("insert {event_id}"),
            format!("patch {event_id}")
        ]
    );
    assert_eq!(google.events().len(), 2, "no duplicate events");
    let backlog = app
        .query_count("SELECT count(*) FROM calendar_outbox WHERE done_at IS NULL")
        .await;
    assert_eq!(backlog, 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_calendar_feed_token_never_reaches_core_apis_logs() {
    let captured = holdfast_contract::testing::CapturedLogs::default();
    // core-api's own logging set-up, with every request's span and events.
    core_api::telemetry::init_with(
        false,
        tracing_subscriber::EnvFilter::new("off,core_api=trace,tower_http=trace"),
        captured.clone(),
    );
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let (status, feed) = app.post("/api/v1/calendar-feeds", &user, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let url = feed["data"]["url"].as_str().expect("url").to_owned();
    let token = url
        .rsplit_once("/calendar/")
        .map(|(_, t)| t.trim_end_matches(".ics").to_owned())
        .expect("token in the url");

    let (status, _, _) = fetch_feed(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = fetch_feed(&app, &url.replace(&token, "not-a-feed-token")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let logs = captured.text();
    // The requests were logged, with their paths...
    assert!(
        logs.contains("/api/v1/calendar/[redacted]"),
        "nothing captured: {logs}"
    );
    // ...and the tokens were not.
    assert!(!logs.contains(&token), "token in the logs:\n{logs}");
    assert!(
        !logs.contains("not-a-feed-token"),
        "token in the logs:\n{logs}"
    );
}
