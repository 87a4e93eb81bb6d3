//! `TestApp`: one core-api on port 0 with a fresh database and its own Redis key prefix.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, LazyLock},
    time::Duration,
};

use core_api::{
    app::Services,
    config::Config,
    shared::{
        domain::{Password, Role},
        services::auth::JwtKeys,
        storage::users::UserRepo,
    },
    startup::Application,
};
use migration::MigratorTrait;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::{
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use uuid::Uuid;

pub fn base_database_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

fn with_database(url: &str, name: &str) -> String {
    let (server, _) = url.rsplit_once('/').unwrap_or((url, ""));
    format!("{server}/{name}")
}

/// One hash for every test user: hashing is deliberately slow, and users here are many.
static TEST_PASSWORD_HASH: LazyLock<String> = LazyLock::new(|| {
    Password::parse("test-password")
        .and_then(|p| p.hash())
        .expect("hash")
});

/// Where a test's app points; several apps may share one (two instances, one store).
#[derive(Clone)]
pub struct Stores {
    pub database_name: String,
    pub database_url: String,
    pub redis_prefix: String,
    pub jwt_secret: String,
}

impl Stores {
    pub async fn fresh() -> Self {
        let database_name = format!("holdfast_test_{}", Uuid::new_v4().simple());
        let admin = Database::connect(base_database_url())
            .await
            .expect("connect to the test Postgres server");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {database_name}"))
            .await
            .expect("create test database");
        let database_url = with_database(&base_database_url(), &database_name);
        let db = Database::connect(&database_url)
            .await
            .expect("connect to the test database");
        migration::Migrator::up(&db, None).await.expect("migrate");
        Stores {
            database_name,
            database_url,
            redis_prefix: format!("test:{}:", Uuid::new_v4().simple()),
            jwt_secret: holdfast_contract::testing::random_secret(),
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub stores: Stores,
    pub jwt: Arc<JwtKeys>,
    pub admin: TestUser,
    /// The instance's services, for tests that drive one below HTTP.
    pub services: Arc<Services>,
    server: JoinHandle<()>,
    owns_stores: bool,
}

#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: Uuid,
    pub token: String,
}

/// A performance made through the admin API, seats in map order.
pub struct Performance {
    pub id: Uuid,
    pub seat_ids: Vec<Uuid>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let stores = Stores::fresh().await;
        Self::spawn_on(stores, true, tweak).await
    }

    /// An app on stores made by the caller; it drops the database when it goes.
    pub async fn spawn_on_stores(stores: Stores) -> Self {
        Self::spawn_on(stores, true, |_| {}).await
    }

    /// A second instance on the same database and Redis prefix.
    pub async fn sibling(&self, tweak: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        Self::spawn_on(self.stores.clone(), false, tweak).await
    }

    async fn spawn_on(
        stores: Stores,
        owns_stores: bool,
        tweak: impl FnOnce(&mut HashMap<String, String>),
    ) -> Self {
        let mut vars: HashMap<String, String> = [
            ("DATABASE_URL", stores.database_url.clone()),
            ("REDIS_URL", redis_url()),
            ("CORE_REDIS_KEY_PREFIX", stores.redis_prefix.clone()),
            ("CORE_JWT_SECRET", stores.jwt_secret.clone()),
            ("CORE_DEPENDENCY_TIMEOUT_MS", "1000".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        tweak(&mut vars);
        let config = Config::from_vars(vars).expect("valid test config");
        let api = TcpListener::bind("127.0.0.1:0").await.expect("bind api");
        let metrics = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind metrics");
        let app = Application::with_listeners(config, api, metrics)
            .await
            .expect("build app");
        let addr = app.local_addr().expect("addr");
        let metrics_addr = app.metrics_addr().expect("metrics addr");
        let jwt = app.state().services.auth.jwt.clone();
        let services = app.state().services.clone();
        let server = tokio::spawn(async move {
            let _ = app.run_until_stopped(std::future::pending()).await;
        });
        let db = Database::connect(&stores.database_url)
            .await
            .expect("connect test db");
        let mut test_app = TestApp {
            addr,
            metrics_addr,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            db,
            stores,
            jwt,
            services,
            admin: TestUser {
                id: Uuid::nil(),
                token: String::new(),
            },
            server,
            owns_stores,
        };
        test_app.admin = test_app.user_with_role(Role::Admin).await;
        test_app
    }

    /// Stops serving (as if the instance died); its database stays for the others.
    pub fn stop(&self) {
        self.server.abort();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A user inserted straight into the database, with a real signed access token.
    pub async fn user(&self) -> TestUser {
        self.user_with_role(Role::User).await
    }

    pub async fn user_with_role(&self, role: Role) -> TestUser {
        let repo = UserRepo::new(self.db.clone());
        let email = format!("u{}@test.holdfast.dev", Uuid::new_v4().simple());
        let row = repo
            .insert(&email, &TEST_PASSWORD_HASH, "Test User", role.as_str())
            .await
            .expect("insert user");
        TestUser {
            id: row.id,
            token: self.jwt.issue(row.id, role, 0).expect("token"),
        }
    }

    /// An account registered over HTTP (name "Ana"); its id.
    pub async fn register(&self, email: &str, password: &str) -> Uuid {
        let body = json!({ "email": email, "password": password, "name": "Ana" });
        let (status, created) = self
            .call(Method::POST, "/api/v1/auth/register", None, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["data"]["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .expect("user id")
    }

    pub async fn users(&self, n: usize) -> Vec<TestUser> {
        let mut users = Vec::with_capacity(n);
        for _ in 0..n {
            users.push(self.user().await);
        }
        users
    }

    /// Sends a request; returns the status and the JSON body (Null when there is none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, user: &TestUser) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(&user.token), None).await
    }

    pub async fn post(&self, path: &str, user: &TestUser, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(&user.token), Some(body))
            .await
    }

    /// A venue of `rows` × `per_row` seats in one section, an on-sale event and a performance
    /// a week away.
    pub async fn performance(
        &self,
        rows: u32,
        per_row: u32,
        max_seats_per_user: i32,
    ) -> Performance {
        let now = chrono::Utc::now();
        self.performance_with(
            rows,
            per_row,
            json!({
                "startsAt": now + chrono::Duration::days(7),
                "saleOpensAt": now - chrono::Duration::hours(1),
                "saleClosesAt": now + chrono::Duration::days(7),
                "maxSeatsPerUser": max_seats_per_user,
                "prices": { "R": 50000 },
            }),
        )
        .await
    }

    /// As `performance`, with the performance's fields given (`prices` for tier "R"); its
    /// sale is opened.
    pub async fn performance_with(&self, rows: u32, per_row: u32, fields: Value) -> Performance {
        let event_id = self.event(rows, per_row).await;
        let (status, perf) = self
            .post(
                &format!("/api/v1/admin/events/{event_id}/performances"),
                &self.admin,
                fields,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{perf}");
        let id: Uuid = perf["data"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("performance id");
        let (status, _) = self
            .post(
                &format!("/api/v1/admin/performances/{id}/open-sale"),
                &self.admin,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let seat_ids = self
            .seat_map(id)
            .await
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        Performance { id, seat_ids }
    }

    /// A venue of `rows` × `per_row` seats in one section (tier "R") and a draft event there.
    pub async fn event(&self, rows: u32, per_row: u32) -> String {
        let (status, venue) = self
            .post(
                "/api/v1/admin/venues",
                &self.admin,
                json!({ "name": "Test Hall", "layout": { "sections": [
                    { "name": "A", "priceTier": "R", "rows": rows, "seatsPerRow": per_row }
                ] } }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{venue}");
        let venue_id = venue["data"]["id"].as_str().expect("venue id");
        let (status, event) = self
            .post(
                "/api/v1/admin/events",
                &self.admin,
                json!({ "venueId": venue_id, "title": "Test Event" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{event}");
        event["data"]["id"].as_str().expect("event id").to_owned()
    }

    /// (seat id, status) in map order.
    pub async fn seat_map(&self, performance_id: Uuid) -> Vec<(Uuid, String)> {
        let (status, body) = self
            .call(
                Method::GET,
                &format!("/api/v1/performances/{performance_id}/seats"),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["data"]["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .map(|s| {
                (
                    s["id"]
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .expect("seat id"),
                    s["status"].as_str().expect("status").to_owned(),
                )
            })
            .collect()
    }

    pub async fn hold(
        &self,
        user: &TestUser,
        performance_id: Uuid,
        seats: &[Uuid],
    ) -> (StatusCode, Value) {
        self.post(
            "/api/v1/holds",
            user,
            json!({ "performanceId": performance_id, "seatIds": seats }),
        )
        .await
    }

    pub async fn reserve(&self, user: &TestUser, hold_id: &str) -> (StatusCode, Value) {
        self.post(
            "/api/v1/reservations",
            user,
            json!({ "holdId": hold_id, "attendee": { "name": "Kim Minsu", "phone": "010-1234-5678" } }),
        )
        .await
    }

    /// A request for a performance's seat stream, for `SseReader::send`.
    pub fn stream_request(&self, performance_id: Uuid) -> reqwest::RequestBuilder {
        self.client
            .get(self.url(&format!(
                "/api/v1/performances/{performance_id}/seats/stream"
            )))
            .timeout(Duration::from_secs(600))
    }

    /// Redis connections this app's seat-stream readers hold (they name themselves).
    pub async fn stream_reader_connections(&self) -> usize {
        use fred::{
            interfaces::ClientLike,
            types::{ClusterHash, CustomCommand},
        };
        let client = redis_client().await;
        let list: String = client
            .custom(
                CustomCommand::new_static("CLIENT", ClusterHash::Random, false),
                vec!["LIST"],
            )
            .await
            .expect("CLIENT LIST");
        let _ = client.quit().await;
        let name = format!(" name={}seat-stream-reader ", self.stores.redis_prefix);
        list.lines().filter(|line| line.contains(&name)).count()
    }

    /// Every event on a performance's seat stream, oldest first (the JSON in each entry).
    pub async fn seat_events(&self, performance_id: Uuid) -> Vec<Value> {
        let redis = redis_client().await;
        let entries: Vec<fred::types::streams::XReadValue<String, String, String>> =
            fred::interfaces::StreamsInterface::xrange_values(
                &redis,
                format!(
                    "{}{{perf:{performance_id}}}:events",
                    self.stores.redis_prefix
                ),
                "-",
                "+",
                None,
            )
            .await
            .expect("xrange");
        entries
            .iter()
            .filter_map(|(_, fields)| serde_json::from_str(fields.get("d")?).ok())
            .collect()
    }

    /// Rows of a one-column query returning text.
    pub async fn query_strings(&self, sql: &str) -> Vec<String> {
        let rows = self
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql.to_owned(),
            ))
            .await
            .expect("query");
        rows.iter()
            .map(|r| r.try_get_by_index::<String>(0).expect("text column"))
            .collect()
    }

    pub async fn query_count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("count")
    }

    /// Every Redis key of this app's prefix.
    pub async fn redis_keys(&self) -> Vec<String> {
        let client = redis_client().await;
        let mut cursor = "0".to_owned();
        let mut keys = Vec::new();
        loop {
            let (next, batch): (String, Vec<String>) = fred::interfaces::KeysInterface::scan_page(
                &client,
                cursor,
                format!("{}*", self.stores.redis_prefix),
                Some(1000),
                None,
            )
            .await
            .expect("scan");
            keys.extend(batch);
            if next == "0" {
                return keys;
            }
            cursor = next;
        }
    }

    /// Deletes every key of this app's prefix: "Redis lost everything", for this test only.
    pub async fn flush_redis(&self) {
        let client = redis_client().await;
        for key in self.redis_keys().await {
            let _: i64 = fred::interfaces::KeysInterface::del(&client, key)
                .await
                .expect("del");
        }
    }
}

pub async fn redis_client() -> fred::clients::Client {
    use fred::interfaces::ClientLike;
    let client = fred::clients::Client::new(
        fred::types::config::Config::from_url(&redis_url()).expect("url"),
        None,
        None,
        None,
    );
    client.init().await.expect("connect to Redis");
    client
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if !self.owns_stores {
            return;
        }
        // Drop the database on a thread of its own: Drop cannot await, and the test's runtime
        // may already be shutting down.
        let name = self.stores.database_name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(admin) = Database::connect(base_database_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

/// A TCP proxy between the app and a store, that a test can cut and restore.
pub struct TcpProxy {
    pub addr: SocketAddr,
    target: String,
    task: Option<JoinHandle<()>>,
}

impl TcpProxy {
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let mut proxy = TcpProxy {
            addr,
            target: target.to_owned(),
            task: None,
        };
        proxy.task = Some(Self::serve(listener, proxy.target.clone()));
        proxy
    }

    /// A proxy to the test Redis server; `redis://{addr}` reaches Redis through it.
    pub async fn to_redis() -> Self {
        Self::start(redis_url().trim_start_matches("redis://")).await
    }

    fn serve(listener: TcpListener, target: String) -> JoinHandle<()> {
        tokio::spawn(async move {
            // Connections live in this set: aborting the accept task drops them all.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        })
    }

    /// Refuses new connections and cuts the open ones.
    pub async fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Accepts connections again on the same address.
    pub async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr).await.expect("rebind proxy");
        self.task = Some(Self::serve(listener, self.target.clone()));
    }
}

/// Polls `check` until it returns true, for at most `limit` (bounded, never a blind sleep).
pub async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

pub fn uuids(value: &Value) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}

/// A Server-Sent Events client reading the seat stream over real HTTP.
pub struct SseReader {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

/// One SSE event: (event name, id, JSON data).
pub type SseEvent = (String, String, Value);

/// A seat-stream request that was not answered with a stream.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub retry_after: Option<String>,
    pub body: Value,
}

impl SseReader {
    pub async fn open(
        app: &TestApp,
        performance_id: Uuid,
        last_event_id: Option<&str>,
    ) -> (StatusCode, Option<Self>) {
        let mut request = app.stream_request(performance_id);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        match Self::send(request).await {
            Ok(reader) => (StatusCode::OK, Some(reader)),
            Err(refusal) => (refusal.status, None),
        }
    }

    /// Sends a request made with `TestApp::stream_request` (headers added as the test needs).
    pub async fn send(request: reqwest::RequestBuilder) -> Result<Self, Refusal> {
        let response = request.send().await.expect("stream request");
        let status = response.status();
        if status != StatusCode::OK {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = response.text().await.unwrap_or_default();
            return Err(Refusal {
                status,
                retry_after,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
            });
        }
        Ok(SseReader {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        })
    }

    /// The next event (heartbeat comments skipped), or None if nothing came within `limit`.
    pub async fn next(&mut self, limit: Duration) -> Option<SseEvent> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut id, mut data) =
                    (String::from("message"), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    return Some((
                        event,
                        id,
                        serde_json::from_str(&data).unwrap_or(Value::Null),
                    ));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `seat` event that mentions `seat`, skipping others.
    pub async fn next_about(&mut self, seat: Uuid, limit: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await?;
            if event.0 == "seat" && uuids(&event.2["seatIds"]).contains(&seat) {
                return Some(event);
            }
        }
    }
}
