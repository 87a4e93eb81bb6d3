//! Shared server time: overlap-free bookings (Postgres EXCLUDE), policies, recurrence,
//! time zones, availability, dashboard and audit. Helpers here; tests per concern.

mod changes;
mod dashboard;
mod live;
mod overlaps;
mod recurrence;
mod team_servers;
mod teams;
mod validation;

use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser};

/// Tomorrow at 00:00 UTC plus `minutes`: always in the future, whole seconds.
pub fn at(minutes: i64) -> DateTime<Utc> {
    let day = (Utc::now() + Span::days(1)).date_naive();
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight")) + Span::minutes(minutes)
}

pub fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn id_of(body: &Value) -> Uuid {
    body["data"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id in body")
}

impl TestApp {
    /// The admin's team "Lab", made on first use; the resources of these tests belong to it.
    pub async fn lab(&self) -> Uuid {
        let (status, body) = self.get("/api/v1/teams", &self.admin).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let existing = body["data"].as_array().and_then(|teams| {
            teams
                .iter()
                .find(|t| t["name"] == "Lab")
                .and_then(|t| t["id"].as_str()?.parse().ok())
        });
        if let Some(id) = existing {
            return id;
        }
        let (status, body) = self
            .post("/api/v1/teams", &self.admin, json!({ "name": "Lab" }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        id_of(&body)
    }

    /// Puts `user` in `team` with `role` (straight into the table: the teams API has its
    /// own tests).
    pub async fn join(&self, team: Uuid, user: &TestUser, role: &str) {
        use sea_orm::ConnectionTrait;
        self.db
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3)",
                [team.into(), user.id.into(), role.into()],
            ))
            .await
            .expect("join team");
    }

    /// A user who is a member of the Lab team.
    pub async fn member(&self) -> TestUser {
        let user = self.user().await;
        self.join(self.lab().await, &user, "member").await;
        user
    }

    pub async fn members(&self, n: usize) -> Vec<TestUser> {
        let lab = self.lab().await;
        let mut users = Vec::with_capacity(n);
        for user in self.users(n).await {
            self.join(lab, &user, "member").await;
            users.push(user);
        }
        users
    }

    /// A resource of `team`, made by an admin.
    pub async fn team_resource(&self, team: Uuid, name: &str, policy: Value) -> Uuid {
        let (status, body) = self
            .post(
                "/api/v1/resources",
                &self.admin,
                json!({ "teamId": team, "name": name, "description": "test server", "capacity": 8, "policy": policy }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        id_of(&body)
    }

    /// A resource of the Lab team.
    pub async fn resource(&self, name: &str, policy: Value) -> Uuid {
        self.team_resource(self.lab().await, name, policy).await
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

    pub async fn active_bookings(&self, resource: Uuid) -> i64 {
        self.query_count(&format!(
            "SELECT count(*) FROM resource_bookings WHERE resource_id = '{resource}' AND status = 'active'"
        ))
        .await
    }
}
