//! A local fake of Google's token and Calendar events endpoints, and an app pushing to it.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode as Http},
    routing::{patch, post},
};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const KEY: &str = include_str!("../fixtures/test-service-account.key.pem");
const PUBLIC_KEY: &str = include_str!("../fixtures/test-service-account.pub.pem");
const CLIENT_EMAIL: &str = "holdfast-sync@test-project.iam.gserviceaccount.com";
/// `GOOGLE_CALENDAR_ID`: the default team's calendar.
pub(super) const CALENDAR_ID: &str = "team-servers@group.calendar.google.com";
/// Calendars teams set for themselves; the service account may write to all three.
pub(super) const LAB_CALENDAR: &str = "lab@group.calendar.google.com";
pub(super) const OPS_CALENDAR: &str = "ops@group.calendar.google.com";
const CALENDARS: [&str; 3] = [CALENDAR_ID, LAB_CALENDAR, OPS_CALENDAR];

/// What the fake Google Calendar saw and holds.
#[derive(Default)]
pub(super) struct Google {
    pub(super) up: AtomicBool,
    /// Store the next inserted event, then answer 500 as if the answer were lost.
    pub(super) lose_next_insert_answer: AtomicBool,
    /// Events by calendar, then by event id.
    pub(super) events: Mutex<HashMap<String, HashMap<String, Value>>>,
    /// "verb event-id" per call, with the calendar it went to.
    pub(super) calls: Mutex<Vec<(String, String)>>,
    pub(super) tokens_issued: Mutex<u32>,
}

pub(super) type Fake = Arc<Google>;

impl Google {
    /// Every call as "verb event-id", whatever the calendar.
    pub(super) fn calls(&self) -> Vec<String> {
        self.calls_in_all().into_iter().map(|(_, c)| c).collect()
    }

    pub(super) fn calls_in_all(&self) -> Vec<(String, String)> {
        self.calls.lock().expect("lock").clone()
    }

    /// The events of the default team's calendar (`GOOGLE_CALENDAR_ID`).
    pub(super) fn events(&self) -> HashMap<String, Value> {
        self.events_in(CALENDAR_ID)
    }

    pub(super) fn events_in(&self, calendar: &str) -> HashMap<String, Value> {
        self.events
            .lock()
            .expect("lock")
            .get(calendar)
            .cloned()
            .unwrap_or_default()
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
    if !g.authorized(&headers) {
        return (Http::UNAUTHORIZED, Json(json!({})));
    }
    if !CALENDARS.contains(&calendar.as_str()) {
        return (Http::NOT_FOUND, Json(json!({ "error": { "code": 404 } })));
    }
    let id = event["id"].as_str().unwrap_or_default().to_owned();
    g.calls
        .lock()
        .expect("lock")
        .push((calendar.clone(), format!("insert {id}")));
    let mut all = g.events.lock().expect("lock");
    let events = all.entry(calendar).or_default();
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
    if !g.authorized(&headers) {
        return (Http::UNAUTHORIZED, Json(json!({})));
    }
    if !CALENDARS.contains(&calendar.as_str()) {
        return (Http::NOT_FOUND, Json(json!({ "error": { "code": 404 } })));
    }
    let verb = if method == axum::http::Method::DELETE {
        "delete"
    } else {
        "patch"
    };
    g.calls
        .lock()
        .expect("lock")
        .push((calendar.clone(), format!("{verb} {id}")));
    let mut all = g.events.lock().expect("lock");
    let events = all.entry(calendar).or_default();
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

pub(super) async fn fake_google() -> (Fake, SocketAddr) {
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

/// Sets `team`'s own calendar as its owner would (`None` removes it).
pub(super) async fn use_calendar(app: &TestApp, team: uuid::Uuid, calendar: Option<&str>) {
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/teams/{team}"),
            Some(&app.admin.token),
            Some(json!({ "googleCalendarId": calendar })),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(
        body["data"]["googleCalendarId"].as_str(),
        calendar,
        "{body}"
    );
}

/// An app whose calendar push points at the fake.
pub(super) async fn app_with_google(addr: SocketAddr) -> (TestApp, std::path::PathBuf) {
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
