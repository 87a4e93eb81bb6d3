//! A PostgreSQL read replica (DATABASE_READ_URL) on a real primary + hot standby pair: buyers'
//! listings come from it within the lag bound and the sale never does (`routing`), and
//! losing it mid-run fails no request (`failover`). The shared helpers are here.

mod failover;
mod routing;

use std::{collections::BTreeSet, time::Duration};

use reqwest::{Method, StatusCode};

use crate::helpers::{PgPair, Stores, TestApp, TestUser, eventually};

/// Settings for an app reading through the pair's replica, measuring its lag every 100 ms.
pub(super) fn through_replica(
    vars: &mut std::collections::HashMap<String, String>,
    replica_url: &str,
    max_lag_ms: &str,
) {
    vars.insert("DATABASE_READ_URL".into(), replica_url.to_owned());
    vars.insert("DATABASE_READ_MAX_LAG_MS".into(), max_lag_ms.to_owned());
    vars.insert("DATABASE_READ_LAG_CHECK_MS".into(), "100".into());
}

/// A pair, a fresh database on its primary, and an app reading through its replica.
pub(super) async fn app_on_a_pair(
    max_lag_ms: &str,
    extra: &[(&str, &str)],
) -> (PgPair, TestApp, String) {
    let pair = PgPair::start().await;
    let stores = Stores::fresh_on(&pair.primary_server()).await;
    let replica_url = pair.replica_url(&stores.database_name);
    let app = TestApp::spawn_on_stores_with(stores, |v| {
        through_replica(v, &replica_url, max_lag_ms);
        for (name, value) in extra {
            v.insert((*name).into(), (*value).into());
        }
    })
    .await;
    (pair, app, replica_url)
}

/// What `/readyz` says about the replica (and that the instance is ready).
pub(super) async fn replica_state(app: &TestApp) -> String {
    let (status, ready) = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "ready whatever the replica does: {ready}"
    );
    ready["data"]["postgresReplica"]
        .as_str()
        .unwrap_or("absent")
        .to_owned()
}

pub(super) async fn replica_becomes(app: &TestApp, state: &str) -> bool {
    eventually(Duration::from_secs(15), || async {
        replica_state(app).await == state
    })
    .await
}

/// Event ids `GET /events` lists, for `user` (an admin sees drafts, read on the primary) or
/// for anyone.
pub(super) async fn listed_events(app: &TestApp, user: Option<&TestUser>) -> BTreeSet<String> {
    let token = user.map(|u| u.token.as_str());
    let (status, body) = app.call(Method::GET, "/api/v1/events", token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_owned))
        .collect()
}

/// Reads through the replica counted by `db_reads_total{target=...}` (the test process has
/// this one app).
pub(super) async fn reads_served_by(app: &TestApp, target: &str) -> u64 {
    let text = app
        .client
        .get(format!("http://{}/metrics", app.metrics_addr))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    let label = format!("target=\"{target}\"");
    text.lines()
        .filter(|l| l.starts_with("db_reads_total{") && l.contains(&label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}
