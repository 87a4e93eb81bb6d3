//! `Stack`: core-api(s) and gateway(s) on port 0 over one fresh database and Redis prefix.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, LazyLock},
    time::Duration,
};

use core_api::shared::{
    domain::{Password, Role},
    services::auth::JwtKeys,
    storage::users::UserRepo,
};
use gateway::admission::ticker::Ticker;
pub use holdfast_contract::testing::{
    TcpProxy, error_code as code, eventually, redis_client, redis_url,
};
use holdfast_contract::testing::{create_database, drop_database};
use holdfast_contract::{
    clock::{Clock, ManualClock},
    testing::random_secret,
};
use migration::MigratorTrait;
use reqwest::{Method, StatusCode};
use sea_orm::{Database, DatabaseConnection};
use serde_json::{Value, json};
use tokio::{net::TcpListener, task::JoinHandle};
use uuid::Uuid;

/// The waiting-room pass secret every stack of this test binary shares.
pub static QUEUE_SECRET: LazyLock<String> = LazyLock::new(random_secret);

static PASSWORD_HASH: LazyLock<String> = LazyLock::new(|| {
    Password::parse("test-password")
        .and_then(|p| p.hash())
        .expect("hash")
});

pub fn vars(pairs: &[(&str, String)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A running core-api.
pub struct Core {
    pub addr: SocketAddr,
    pub jwt: Arc<JwtKeys>,
    server: JoinHandle<()>,
}

impl Core {
    /// Stops serving: new connections are refused from now on.
    pub fn stop(&self) {
        self.server.abort();
    }
}

/// A running gateway.
pub struct Gateway {
    pub addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    /// The TLS listener, when the test configured one.
    pub tls_addr: Option<SocketAddr>,
    pub ticker: Arc<Ticker>,
    server: JoinHandle<()>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub struct Stack {
    pub database_name: String,
    database_url: String,
    pub db: DatabaseConnection,
    pub redis_prefix: String,
    pub jwt_secret: String,
    /// Set on every core-api of the stack on top of the defaults (empty value: unset).
    core_vars: Vec<(String, String)>,
    pub cores: Vec<Core>,
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    pub admin: String,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

impl Stack {
    /// A fresh database and prefix with one core-api.
    pub async fn new() -> Self {
        Self::with_core_vars(&[]).await
    }

    /// As `new`, with these variables on top of each core-api's defaults.
    pub async fn with_core_vars(core_vars: &[(&str, String)]) -> Self {
        let (database_name, database_url) = create_database().await;
        let db = Database::connect(&database_url)
            .await
            .expect("connect test db");
        migration::Migrator::up(&db, None).await.expect("migrate");
        let mut stack = Stack {
            database_name,
            database_url,
            db,
            redis_prefix: format!("test:{}:", Uuid::new_v4().simple()),
            jwt_secret: random_secret(),
            core_vars: core_vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            cores: Vec::new(),
            clock: Arc::new(ManualClock::starting_now()),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            admin: String::new(),
        };
        stack.add_core().await;
        stack.admin = stack.user_with_role(Role::Admin).await.token;
        stack
    }

    /// Another core-api instance on the same stores.
    pub async fn add_core(&mut self) -> SocketAddr {
        let mut v = vars(&[
            ("DATABASE_URL", self.database_url.clone()),
            ("REDIS_URL", redis_url()),
            ("CORE_REDIS_KEY_PREFIX", self.redis_prefix.clone()),
            ("CORE_JWT_SECRET", self.jwt_secret.clone()),
            ("CORE_QUEUE_PASS_SECRET", QUEUE_SECRET.clone()),
            ("CORE_DEPENDENCY_TIMEOUT_MS", "1000".to_owned()),
        ]);
        v.extend(self.core_vars.iter().cloned());
        let config = core_api::config::Config::from_vars(v).expect("core config");
        let api = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let metrics = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let app = core_api::startup::Application::with_listeners(config, api, metrics)
            .await
            .expect("core app");
        let addr = app.local_addr().expect("addr");
        let jwt = app.state().services.auth.jwt.clone();
        let server = tokio::spawn(async move {
            let _ = app.run_until_stopped(std::future::pending()).await;
        });
        self.cores.push(Core { addr, jwt, server });
        addr
    }

    /// A gateway in front of every core-api, ticking by hand on the stack's manual clock.
    pub async fn gateway(&self) -> Gateway {
        let upstreams = self
            .cores
            .iter()
            .map(|c| c.addr.to_string())
            .collect::<Vec<_>>()
            .join(",");
        self.gateway_with(&[("GATEWAY_UPSTREAMS", upstreams)]).await
    }

    pub async fn gateway_with(&self, overrides: &[(&str, String)]) -> Gateway {
        let mut v = vars(&[
            (
                "GATEWAY_UPSTREAMS",
                self.cores
                    .iter()
                    .map(|c| c.addr.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("REDIS_URL", redis_url()),
            ("GATEWAY_REDIS_KEY_PREFIX", self.redis_prefix.clone()),
            ("GATEWAY_JWT_SECRET", self.jwt_secret.clone()),
            ("GATEWAY_QUEUE_PASS_SECRET", QUEUE_SECRET.clone()),
            ("GATEWAY_QUEUE_TICK_MS", "0".to_owned()),
            ("GATEWAY_RATE_PER_IP_PER_SEC", "100000".to_owned()),
            ("GATEWAY_RATE_PER_IP_BURST", "100000".to_owned()),
            ("GATEWAY_RATE_PER_USER_PER_SEC", "100000".to_owned()),
            ("GATEWAY_RATE_PER_USER_BURST", "100000".to_owned()),
            ("GATEWAY_HEALTH_CHECK_INTERVAL_MS", "200".to_owned()),
            ("GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS", "500".to_owned()),
        ]);
        v.extend(vars(overrides));
        let config = gateway::config::Config::from_vars(v).expect("gateway config");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let metrics = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let clock: Arc<dyn Clock> = self.clock.clone();
        let app = gateway::Application::with_listeners(config, listener, metrics, clock)
            .await
            .expect("gateway");
        let addr = app.local_addr().expect("addr");
        let metrics_addr = app.metrics_addr().expect("metrics addr");
        let tls_addr = app.tls_addr().map(|a| a.expect("tls addr"));
        let ticker = app.ticker();
        let server = tokio::spawn(async move {
            let _ = app.run_until_stopped(std::future::pending()).await;
        });
        Gateway {
            addr,
            metrics_addr,
            tls_addr,
            ticker,
            server,
        }
    }

    pub async fn user(&self) -> User {
        self.user_with_role(Role::User).await
    }

    async fn user_with_role(&self, role: Role) -> User {
        let email = format!("u{}@test.holdfast.dev", Uuid::new_v4().simple());
        let row = UserRepo::new(self.db.clone())
            .insert(&email, &PASSWORD_HASH, "Test User", role.as_str())
            .await
            .expect("insert user");
        User {
            id: row.id,
            token: self.cores[0].jwt.issue(row.id, role, 0).expect("token"),
            email,
        }
    }

    pub async fn users(&self, n: usize) -> Vec<User> {
        let mut users = Vec::with_capacity(n);
        for _ in 0..n {
            users.push(self.user().await);
        }
        users
    }

    /// Sends a request to `addr`; returns status, headers and the JSON body (Null if none).
    pub async fn send(
        &self,
        addr: SocketAddr,
        method: Method,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut request = self.client.request(method, format!("http://{addr}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    /// A one-section performance on sale, made through core-api's admin API; its seat ids.
    pub async fn performance(&self, seats: u32, max_per_user: i32) -> (Uuid, Vec<Uuid>) {
        self.performance_opening(seats, max_per_user, None).await
    }

    /// As `performance`; with `sale_opens_at`, a sale that opens then (not opened by hand).
    pub async fn performance_opening(
        &self,
        seats: u32,
        max_per_user: i32,
        sale_opens_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> (Uuid, Vec<Uuid>) {
        let core = self.cores[0].addr;
        let admin = Some(self.admin.as_str());
        let (s, _, venue) = self.send(core, Method::POST, "/api/v1/admin/venues", admin, &[], Some(json!({
            "name": "Gateway Hall", "layout": { "sections": [{ "name": "A", "priceTier": "R", "rows": 1, "seatsPerRow": seats }] }
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{venue}");
        let (s, _, event) = self
            .send(
                core,
                Method::POST,
                "/api/v1/admin/events",
                admin,
                &[],
                Some(json!({ "venueId": venue["data"]["id"], "title": "Gateway Event" })),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{event}");
        let now = chrono::Utc::now();
        let path = format!(
            "/api/v1/admin/events/{}/performances",
            event["data"]["id"].as_str().expect("id")
        );
        let (s, _, perf) = self.send(core, Method::POST, &path, admin, &[], Some(json!({
            "startsAt": now + chrono::Duration::days(7), "saleOpensAt": sale_opens_at.unwrap_or(now - chrono::Duration::hours(1)),
            "saleClosesAt": now + chrono::Duration::days(7), "maxSeatsPerUser": max_per_user, "prices": { "R": 50000 },
        }))).await;
        assert_eq!(s, StatusCode::CREATED, "{perf}");
        let id: Uuid = perf["data"]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("perf id");
        if sale_opens_at.is_none() {
            let (s, _, _) = self
                .send(
                    core,
                    Method::POST,
                    &format!("/api/v1/admin/performances/{id}/open-sale"),
                    admin,
                    &[],
                    Some(json!({})),
                )
                .await;
            assert_eq!(s, StatusCode::OK);
        }
        let (_, _, map) = self
            .send(
                core,
                Method::GET,
                &format!("/api/v1/performances/{id}/seats"),
                None,
                &[],
                None,
            )
            .await;
        let seat_ids = map["data"]["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .map(|s| {
                s["id"]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .expect("seat id")
            })
            .collect();
        (id, seat_ids)
    }

    /// Turns the performance's waiting room on with `admit_per_minute`, through core-api.
    pub async fn enable_queue(&self, perf: Uuid, admit_per_minute: i32, max_active: i32) {
        self.configure_queue(
            perf,
            json!({ "enabled": true, "admitPerMinute": admit_per_minute, "maxActive": max_active }),
        )
        .await;
    }

    /// Sets the performance's waiting room (`PUT /admin/performances/{id}/queue`).
    pub async fn configure_queue(&self, perf: Uuid, settings: Value) {
        let path = format!("/api/v1/admin/performances/{perf}/queue");
        let (s, _, body) = self
            .send(
                self.cores[0].addr,
                Method::PUT,
                &path,
                Some(&self.admin),
                &[],
                Some(settings),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        for core in &self.cores {
            core.stop();
        }
        drop_database(&self.database_name);
    }
}

/// The gateway's Prometheus text.
pub async fn metrics_text(stack: &Stack, gateway: &Gateway) -> String {
    stack
        .client
        .get(format!("http://{}/metrics", gateway.metrics_addr))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

/// Every key under `prefix` (SCAN, never KEYS; on a cluster, of every primary).
pub async fn keys_under(client: &fred::prelude::Client, prefix: &str) -> Vec<String> {
    holdfast_contract::testing::scan_keys(client, &format!("{prefix}*")).await
}
