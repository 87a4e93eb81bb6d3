//! The replica stopped mid-run: every catalog and seat-map read is still answered, and the
//! replica is used again once it is back, without a restart.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{app_on_a_pair, listed_events, reads_served_by, replica_becomes};
use crate::helpers::eventually;

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
