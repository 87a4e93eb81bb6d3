//! What a test does through HTTP (and the few shortcuts past it): users with real tokens,
//! requests with the envelope read back, performances made through the admin API, holds and
//! reservations.

use std::sync::LazyLock;

use core_api::shared::{
    domain::{Password, Role},
    storage::users::UserRepo,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Performance, TestApp, TestUser};

/// One hash for every test user: hashing is deliberately slow, and users here are many.
static TEST_PASSWORD_HASH: LazyLock<String> = LazyLock::new(|| {
    Password::parse("test-password")
        .and_then(|p| p.hash())
        .expect("hash")
});

impl TestApp {
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
}
