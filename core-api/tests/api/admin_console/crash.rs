//! Must hold: cancelling a performance with 10,000 paid reservations refunds each exactly
//! once, also when the real core-api binary running the job is killed with SIGKILL in the
//! middle and started again.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use holdfast_contract::testing::{Spawned, random_secret};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use super::paid::{assert_all_cancelled_and_refunded_once, reserve_every_seat};
use crate::helpers::{TestApp, redis_url};

/// The real binary on the test's stores; its job lease is short so a successor takes over
/// a dead instance's job within seconds.
fn core_api(app: &TestApp) -> (Spawned, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_core-api"));
    command.env_clear().envs([
        ("DATABASE_URL", app.stores.database_url.clone()),
        ("REDIS_URL", redis_url()),
        ("CORE_REDIS_KEY_PREFIX", app.stores.redis_prefix.clone()),
        ("CORE_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("CORE_METRICS_ADDR", "127.0.0.1:0".to_owned()),
        ("CORE_LOG_FORMAT", "json".to_owned()),
        ("CORE_JWT_SECRET", app.stores.jwt_secret.clone()),
        ("CORE_QUEUE_PASS_SECRET", random_secret()),
        ("CORE_CANCEL_BATCH_SIZE", "200".to_owned()),
        ("CORE_CANCEL_BATCH_PAUSE_MS", "20".to_owned()),
        ("CORE_JOB_LEASE_MS", "2000".to_owned()),
    ]);
    let mut process = Spawned::start(command).expect("start core-api");
    let listening = process
        .line_within(Duration::from_secs(60), |line| {
            line.contains("\"listening\"")
        })
        .expect("core-api logs that it listens");
    let addr = listening
        .split("\"api\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the api address")
        .to_owned();
    (process, addr)
}

async fn job_progress(app: &TestApp, job_id: &str) -> (String, i64) {
    let status = app
        .query_strings(&format!(
            "SELECT status FROM admin_jobs WHERE id = '{job_id}'"
        ))
        .await;
    let done = app
        .query_count(&format!(
            "SELECT done::bigint FROM admin_jobs WHERE id = '{job_id}'"
        ))
        .await;
    (status.concat(), done)
}

#[tokio::test]
async fn a_bulk_cancellation_killed_mid_way_resumes_and_refunds_every_reservation_exactly_once() {
    // Arrange: this in-process app only sets up and inspects; with its long lease it never
    // looks for a lapsed job during the test, so the job runs in the real binaries only.
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_JOB_LEASE_MS".to_owned(), "600000".to_owned());
    })
    .await;
    let performance = app.performance(100, 100, 4).await;
    let (total, paid) = reserve_every_seat(&app, performance.id, 100).await;
    assert_eq!(total, 10_000);
    let (first, addr) = core_api(&app);

    // Act: start the cancellation on the first binary, kill it mid-way, start another.
    let response = app
        .client
        .post(format!(
            "http://{addr}/api/v1/admin/performances/{}/cancel",
            performance.id
        ))
        .bearer_auth(&app.admin.token)
        .json(&json!({ "reason": "the band is ill" }))
        .send()
        .await
        .expect("cancel sent");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: serde_json::Value = response.json().await.expect("json");
    let job_id = body["data"]["jobId"].as_str().expect("job id").to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, done) = job_progress(&app, &job_id).await;
        if done >= 1_000 {
            break;
        }
        assert!(Instant::now() < deadline, "the job made no progress");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(first); // SIGKILL
    let (status, done_at_kill) = job_progress(&app, &job_id).await;
    assert_eq!(status, "RUNNING");
    assert!(
        done_at_kill < total,
        "the job finished before the kill ({done_at_kill})"
    );
    let (_second, _) = core_api(&app);

    // Assert: the restarted binary takes the job over and finishes it; every reservation
    // cancelled, each paid one refunded once, every ledger adding up.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, _) = job_progress(&app, &job_id).await;
        if status == "DONE" {
            break;
        }
        assert_ne!(status, "FAILED");
        assert!(Instant::now() < deadline, "the job was not resumed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, done) = job_progress(&app, &job_id).await;
    assert_eq!(done, total);
    let refunded = app
        .query_count(&format!(
            "SELECT refunded::bigint FROM admin_jobs WHERE id = '{job_id}'"
        ))
        .await;
    assert_eq!(refunded, paid);
    assert_all_cancelled_and_refunded_once(&app, performance.id, paid).await;
    let _: Uuid = job_id.parse().expect("a uuid");
}
