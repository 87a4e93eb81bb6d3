//! A PostgreSQL read replica (DATABASE_READ_URL) on a real primary + hot standby pair: buyers'
//! listings come from it within the lag bound, the sale never does, and losing it mid-run
//! fails no request.

use std::{
    collections::BTreeSet,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{PgPair, Stores, TestApp, TestUser, eventually};

/// Settings for an app reading through the pair's replica, measuring its lag every 100 ms.
fn through_replica(
    vars: &mut std::collections::HashMap<String, String>,
    replica_url: &str,
    max_lag_ms: &str,
) {
    vars.insert("DATABASE_READ_URL".into(), replica_url.to_owned());
    vars.insert("DATABASE_READ_MAX_LAG_MS".into(), max_lag_ms.to_owned());
    vars.insert("DATABASE_READ_LAG_CHECK_MS".into(), "100".into());
}

/// A pair, a fresh database on its primary, and an app reading through its replica.
async fn app_on_a_pair(max_lag_ms: &str, extra: &[(&str, &str)]) -> (PgPair, TestApp, String) {
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
async fn replica_state(app: &TestApp) -> String {
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

async fn replica_becomes(app: &TestApp, state: &str) -> bool {
    eventually(Duration::from_secs(15), || async {
        replica_state(app).await == state
    })
    .await
}

/// Event ids `GET /events` lists, for `user` (an admin sees drafts, read on the primary) or
/// for anyone.
async fn listed_events(app: &TestApp, user: Option<&TestUser>) -> BTreeSet<String> {
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
async fn reads_served_by(app: &TestApp, target: &str) -> u64 {
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

#[tokio::test]
async fn listings_come_from_the_replica_within_the_lag_bound_and_the_sale_never_does() {
    // `patient` accepts ten minutes of lag, `strict` one second; both on one pair.
    let (pair, patient, replica_url) = app_on_a_pair("600000", &[]).await;
    let strict = patient
        .sibling(|v| through_replica(v, &replica_url, "1000"))
        .await;
    assert!(
        replica_becomes(&patient, "up").await,
        "the replica is measured and used"
    );
    assert!(replica_becomes(&strict, "up").await);
    let before = patient.performance(1, 4, 4).await;
    let all_before = listed_events(&patient, Some(&patient.admin)).await;
    let caught_up = eventually(Duration::from_secs(15), || async {
        listed_events(&patient, None).await == all_before
    })
    .await;
    assert!(caught_up, "the replica has the first event");

    // Arrange: the replica stops replaying, then a new on-sale event, performance and buyer
    // are written to the primary only.
    pair.pause_replay().await;
    let after = patient.performance(1, 4, 4).await;
    let buyer = patient.user().await;
    let all_after = listed_events(&patient, Some(&patient.admin)).await;
    let new_events: Vec<&String> = all_after.difference(&all_before).collect();
    assert_eq!(
        new_events.len(),
        1,
        "organizers read the primary: {all_after:?}"
    );

    // (a) Buyers' listings come from the replica: the new event and performance are not
    // there yet.
    assert_eq!(listed_events(&patient, None).await, all_before);
    let path = format!("/api/v1/performances/{}", after.id);
    let (status, _) = patient.call(Method::GET, &path, None, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the replica has no such performance"
    );
    let path = format!("/api/v1/performances/{}", before.id);
    let (status, _) = patient.call(Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK);

    // (b) Everything that sells reads the primary: the new buyer signs in, holds, reserves,
    // charges and pays for seats of the performance the replica has never seen.
    let seats = &after.seat_ids[0..2];
    let (status, hold) = patient.hold(&buyer, after.id, seats).await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let (status, reservation) = patient
        .reserve(&buyer, hold["data"]["holdId"].as_str().expect("hold id"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reservation}");
    let reservation_id = reservation["data"]["reservationId"]
        .as_str()
        .expect("reservation id");
    let (status, wallet) = patient
        .post(
            "/api/v1/wallet/charge",
            &buyer,
            json!({ "amount": 100_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{wallet}");
    let (status, paid) = patient
        .post(
            "/api/v1/payments",
            &buyer,
            json!({ "reservationId": reservation_id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    let (status, mine) = patient.get("/api/v1/me/reservations", &buyer).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let sold: Vec<Uuid> = patient
        .seat_map(after.id)
        .await
        .into_iter()
        .filter(|(_, status)| status == "SOLD")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        sold,
        seats.to_vec(),
        "the seat map's status is the primary's"
    );

    // (c) Past its one-second bound `strict` reads the primary (and says the replica lags);
    // `patient`, within its bound, still reads the replica.
    let moved = eventually(Duration::from_secs(15), || async {
        replica_state(&strict).await == "lagging" && listed_events(&strict, None).await == all_after
    })
    .await;
    assert!(moved, "past the lag bound, listings come from the primary");
    assert_eq!(listed_events(&patient, None).await, all_before);
    assert_eq!(replica_state(&patient).await, "up");

    // Replay resumes: both read the replica again, and it has everything.
    pair.resume_replay().await;
    assert!(
        replica_becomes(&strict, "up").await,
        "back within the bound"
    );
    let synced = eventually(Duration::from_secs(15), || async {
        listed_events(&patient, None).await == all_after
    })
    .await;
    assert!(synced, "the replica caught up");
}

#[tokio::test]
async fn stopping_the_replica_mid_run_fails_no_catalog_or_seat_map_read() {
    let (pair, app, _) = app_on_a_pair("5000", &[("CORE_SEAT_MAP_CACHE_MS", "0")]).await;
    let perfs = [
        app.performance(2, 5, 4).await,
        app.performance(2, 5, 4).await,
        app.performance(2, 5, 4).await,
    ];
    let (status, product) = app
        .post(
            &format!("/api/v1/admin/performances/{}/products", perfs[0].id),
            &app.admin,
            json!({ "name": "Standing", "price": 30_000, "capacity": 100 }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{product}");
    let everything = listed_events(&app, Some(&app.admin)).await;
    assert!(replica_becomes(&app, "up").await);
    let caught_up = eventually(Duration::from_secs(15), || async {
        listed_events(&app, None).await == everything
    })
    .await;
    assert!(caught_up, "the replica has every event");
    let mut paths = vec!["/api/v1/events".to_owned()];
    for event in &everything {
        paths.push(format!("/api/v1/events/{event}"));
        paths.push(format!("/api/v1/events/{event}/performances"));
    }
    for perf in &perfs {
        paths.push(format!("/api/v1/performances/{}", perf.id));
        paths.push(format!("/api/v1/performances/{}/products", perf.id));
        paths.push(format!("/api/v1/performances/{}/seats", perf.id));
    }

    // Four readers go round the catalog and the seat maps until told to stop.
    let app = Arc::new(app);
    let (stop, answered) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let readers: Vec<_> = (0..4)
        .map(|n| {
            let (app, stop, answered, paths) =
                (app.clone(), stop.clone(), answered.clone(), paths.clone());
            tokio::spawn(async move {
                let mut failed = Vec::new();
                for path in paths.iter().cycle().skip(n * 3) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let (status, body) = app.call(Method::GET, path, None, None).await;
                    if status != StatusCode::OK {
                        failed.push(format!("{path}: {status} {body}"));
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                failed
            })
        })
        .collect();
    let answered_at_least = |n: usize| {
        let answered = answered.clone();
        async move {
            eventually(Duration::from_secs(60), || {
                let answered = answered.clone();
                async move { answered.load(Ordering::Relaxed) >= n }
            })
            .await
        }
    };
    assert!(answered_at_least(100).await, "the readers are reading");
    let from_replica = reads_served_by(&app, "replica").await;
    assert!(
        from_replica > 0,
        "the replica served reads before it stopped"
    );

    // Act: the replica stops while the readers read.
    pair.stop_replica().await;
    let stopped_at = answered.load(Ordering::Relaxed);
    let from_primary = reads_served_by(&app, "primary").await;
    assert!(
        answered_at_least(stopped_at + 200).await,
        "the readers go on"
    );
    assert!(
        replica_becomes(&app, "down").await,
        "/readyz says so, and stays 200"
    );
    stop.store(true, Ordering::Relaxed);
    let mut failed = Vec::new();
    for reader in readers {
        failed.extend(reader.await.expect("reader"));
    }

    // Assert: every request answered 200; the primary took the reads over.
    assert!(failed.is_empty(), "failed requests: {failed:#?}");
    assert!(reads_served_by(&app, "primary").await > from_primary);

    // The replica comes back: reads return to it without a restart.
    pair.start_replica().await;
    assert!(
        replica_becomes(&app, "up").await,
        "the replica is used again"
    );
    let back = eventually(Duration::from_secs(15), || async {
        let (status, _) = app.call(Method::GET, "/api/v1/events", None, None).await;
        status == StatusCode::OK && reads_served_by(&app, "replica").await > from_replica
    })
    .await;
    assert!(back, "reads are served by the replica again");
}
