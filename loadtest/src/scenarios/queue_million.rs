//! queue-million: one line, many joins. Everyone joins one performance's waiting room through
//! the gateway (tokens minted by the driver, no database rows: the waiting room needs only a
//! signed-in user id), then the driver measures:
//!
//! - join latency at the gateway (p50/p99 of `join`), and status latency on a sample;
//! - Redis memory per waiting person (`used_memory` before and after the joins);
//! - admission accuracy: with the line full, the rate is raised to `--admit-per-minute` and the
//!   admitted count is read from the gateway's admin view over `--measure-secs`; one minute at
//!   60,000/min admits what ten minutes at 6,000/min would (accelerated time).
//!
//! Nobody polls during the run, so the line is set to forget nobody (`abandonAfterPolls`
//! 1000) and to take every join (`maxQueueLength` at least `--joins`).

use std::{
    sync::{Arc, Mutex, atomic::AtomicBool},
    time::{Duration, Instant},
};

use fred::{
    prelude::*,
    types::{ClusterHash, CustomCommand},
};
use holdfast_contract::claims::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{progress, run_users};
use crate::{
    client::{Api, Call, http_client},
    config::{Common, QueueMillionArgs},
    invariant::{Check, Outcome},
    report::Recorder,
    setup::{self, PerfSpec},
};

pub struct Finished {
    pub report: Value,
    pub recorder: Arc<Recorder>,
    pub outcome: Outcome,
}

async fn used_memory(client: &Client) -> anyhow::Result<i64> {
    let info: String = client
        .custom(
            CustomCommand::new_static("INFO", ClusterHash::FirstKey, false),
            vec!["memory"],
        )
        .await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("INFO memory has no used_memory"))
}

async fn admitted(api: &Api, admin: &str, perf: &str) -> anyhow::Result<(Instant, i64)> {
    let reply = api
        .send(Call::new("admin", Method::GET, format!("/admin/queue/{perf}")).token(admin))
        .await;
    let n = reply.data()["admitted"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("admin queue view: {}", reply.body))?;
    Ok((Instant::now(), n))
}

async fn set_queue(api: &Api, admin: &str, perf: &str, settings: Value) -> anyhow::Result<()> {
    let reply = api
        .send(
            Call::new(
                "admin",
                Method::PUT,
                format!("/admin/performances/{perf}/queue"),
            )
            .token(admin)
            .json(settings),
        )
        .await;
    anyhow::ensure!(reply.ok(), "setting the waiting room: {}", reply.body);
    Ok(())
}

pub async fn run(args: QueueMillionArgs) -> anyhow::Result<Finished> {
    let common: &Common = &args.common;
    let rec = Arc::new(Recorder::new());
    let http = http_client()?;
    let gateway = Api::new(http.clone(), &common.target, rec.clone());
    let direct = Api::new(http, &common.direct, rec.clone());
    let db = setup::connect(common).await?;
    let run = setup::run_id();
    let admin = setup::admin_token(common, &db, &run).await?;
    let perf = setup::create_performance(
        &direct,
        &admin,
        PerfSpec {
            run: &run,
            seats: 10,
            seats_per_row: 10,
            max_seats_per_user: 4,
            queue: None,
        },
    )
    .await?
    .id;
    // A trickle while people join, so nearly all of them are waiting when memory is read.
    let line = (args.joins as i64).clamp(1, 10_000_000);
    set_queue(
        &direct,
        &admin,
        &perf,
        json!({"enabled": true, "admitPerMinute": 1, "maxActive": 1_000_000,
        "maxQueueLength": line, "abandonAfterPolls": 1_000}),
    )
    .await?;
    // The gateway picks the settings up on its next tick.
    tokio::time::sleep(Duration::from_millis(2_500)).await;

    let redis = holdfast_contract::redis::pool(&common.redis_url, Duration::from_secs(5))?;
    redis.wait_for_connect().await?;
    let before = used_memory(redis.next()).await?;

    let bar = progress(common, args.joins, "joins");
    let tickets: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let sample_every = (args.joins / args.status_sample.max(1)).max(1);
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    {
        let (gateway, perf, tickets, failures) = (
            gateway.clone(),
            perf.clone(),
            tickets.clone(),
            failures.clone(),
        );
        let owned = common.clone();
        let stop = Arc::new(AtomicBool::new(false));
        run_users(common, args.joins, &bar, stop, move |i| {
            let common = owned.clone();
            let (gateway, perf, tickets, failures) = (
                gateway.clone(),
                perf.clone(),
                tickets.clone(),
                failures.clone(),
            );
            async move {
                let Ok(token) = setup::mint_token(&common, Uuid::new_v4(), Role::User) else {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return;
                };
                let reply = gateway
                    .send(
                        Call::new("join", Method::POST, format!("/queue/{perf}/join"))
                            .token(&token),
                    )
                    .await;
                if !reply.ok() {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else if i % sample_every == 0
                    && let Some(t) = reply.data()["queueToken"].as_str()
                    && let Ok(mut v) = tickets.lock()
                {
                    v.push((token, t.to_owned()));
                }
            }
        })
        .await;
    }
    let join_seconds = started.elapsed().as_secs_f64();
    let after = used_memory(redis.next()).await?;
    let joined = args.joins - failures.load(std::sync::atomic::Ordering::Relaxed);
    let per_person = (after - before) as f64 / joined.max(1) as f64;

    let sample = tickets.lock().map(|v| v.clone()).unwrap_or_default();
    for (token, ticket) in &sample {
        gateway
            .send(
                Call::new("status", Method::GET, format!("/queue/{perf}/status"))
                    .token(token)
                    .header("Queue-Token", ticket.clone()),
            )
            .await;
    }

    set_queue(
        &direct,
        &admin,
        &perf,
        json!({"enabled": true, "admitPerMinute": args.admit_per_minute}),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let (t0, a0) = admitted(&gateway, &admin, &perf).await?;
    tokio::time::sleep(Duration::from_secs(args.measure_secs)).await;
    let (t1, a1) = admitted(&gateway, &admin, &perf).await?;
    let expected = args.admit_per_minute as f64 * (t1 - t0).as_secs_f64() / 60.0;
    anyhow::ensure!(
        expected < (joined as f64) * 0.9,
        "the line ran dry while measuring: lower --admit-per-minute or --measure-secs, or join more"
    );
    let got = (a1 - a0) as f64;
    let accuracy = got / expected.max(1.0);
    set_queue(&direct, &admin, &perf, json!({"enabled": false})).await?;

    let report = json!({
        "scenario": "queue-million",
        "joins": args.joins,
        "joined": joined,
        "joinSeconds": join_seconds,
        "joinP50Ms": rec.quantile_ms("join", 0.5),
        "joinP99Ms": rec.quantile_ms("join", 0.99),
        "statusSample": sample.len(),
        "statusP99Ms": rec.quantile_ms("status", 0.99),
        "redisBytesPerWaitingPerson": per_person,
        "admitPerMinute": args.admit_per_minute,
        "measureSeconds": (t1 - t0).as_secs_f64(),
        "admittedExpected": expected,
        "admitted": got,
        "admissionAccuracy": accuracy,
        "ops": rec.ops_json(started.elapsed()),
    });
    let outcome = Outcome {
        checks: vec![
            Check {
                name: "every join answered 200",
                pass: joined == args.joins,
                detail: format!("{joined}/{}", args.joins),
            },
            Check {
                name: "admission within ±2 % of admitPerMinute",
                pass: (0.98..=1.02).contains(&accuracy),
                detail: format!("{got:.0} admitted, {expected:.0} expected ({accuracy:.3})"),
            },
        ],
        sold: 0,
        capacity: 0,
    };
    Ok(Finished {
        report,
        recorder: rec,
        outcome,
    })
}
