//! Shared server time: overlap-free bookings (Postgres EXCLUDE), policies, recurrence,
//! time zones, availability, dashboard and audit. Helpers here; tests per concern.

mod changes;
mod dashboard;
mod overlaps;
mod recurrence;
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

    pub async fn active_bookings(&self, resource: Uuid) -> i64 {
        self.query_count(&format!(
            "SELECT count(*) FROM resource_bookings WHERE resource_id = '{resource}' AND status = 'active'"
        ))
        .await
    }
}
