//! holds: distinct-seat hold throughput, through the gateway and straight to core-api in the
//! same run (one user and one seat per hold, `--concurrency` workers), then reservation
//! commits/s: every direct hold turned into a reservation as fast as core-api commits them.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use futures::StreamExt;
use holdfast_contract::claims::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use super::progress;
use crate::{
    client::{Api, Call, http_client},
    config::HoldsArgs,
    report::Recorder,
    setup::{self, PerfSpec, str_of},
};

pub struct Finished {
    pub perf: Uuid,
    pub report: Value,
    pub recorder: Arc<Recorder>,
    pub failures: usize,
}

pub async fn run(args: HoldsArgs) -> anyhow::Result<Finished> {
    let common = &args.common;
    let n = args.holds;
    // Each path first takes `w` holds that are not measured (pools filled, caches and plans
    // warm), so neither path pays the other's start-up.
    let w = (n / 5).clamp(1, 500);
    let db = setup::connect(common).await?;
    let rec = Arc::new(Recorder::new());
    let http = http_client()?;
    let gateway = Api::new(http.clone(), &common.target, rec.clone());
    let direct = Api::new(http, &common.direct, rec.clone());
    let run = setup::run_id();
    let admin = setup::admin_token(common, &db, &run).await?;
    let perf = setup::create_performance(
        &direct,
        &admin,
        PerfSpec {
            run: &run,
            seats: 2 * n + 2 * w,
            seats_per_row: 50,
            max_seats_per_user: 4,
            queue: None,
        },
    )
    .await?;
    let users = setup::create_users(&db, &run, 2 * n + 2 * w, Role::User).await?;
    let tokens: Vec<String> = users
        .iter()
        .map(|u| setup::mint_token(common, u.id, Role::User))
        .collect::<anyhow::Result<_>>()?;
    let c = common.concurrency.max(1);
    let failures = Arc::new(AtomicUsize::new(0));

    // (label, api, seat and token offset)
    let mut phases = Vec::new();
    let mut direct_holds = Vec::new();
    for (label, api, offset, count) in [
        ("warm-up", &gateway, 2 * n, w),
        ("warm-up", &direct, 2 * n + w, w),
        ("gateway", &gateway, 0, n),
        ("direct", &direct, n, n),
    ] {
        let op: &'static str = match label {
            "gateway" => "hold[gateway]",
            "direct" => "hold[direct]",
            _ => "hold[warm-up]",
        };
        let bar = progress(common, count, op);
        let started = Instant::now();
        let holds: Vec<Option<(usize, String)>> = futures::stream::iter(offset..offset + count)
            .map(|k| {
                let body = json!({"performanceId": perf.id, "seatIds": [perf.seats[k].id]});
                let (api, t, bar, failures) = (
                    api.clone(),
                    tokens[k].clone(),
                    bar.clone(),
                    failures.clone(),
                );
                async move {
                    let r = api
                        .send(Call::new(op, Method::POST, "/holds").token(&t).json(body))
                        .await;
                    bar.inc(1);
                    if r.status == 201 {
                        Some((k, str_of(&r.data()["holdId"])))
                    } else {
                        failures.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                }
            })
            .buffer_unordered(c)
            .collect()
            .await;
        let secs = started.elapsed().as_secs_f64();
        bar.finish();
        phases.push((label, count as f64 / secs.max(1e-9)));
        if label == "direct" {
            direct_holds = holds.into_iter().flatten().collect();
        }
    }

    let bar = progress(common, direct_holds.len(), "reserve[direct]");
    let started = Instant::now();
    let committed: usize = futures::stream::iter(direct_holds)
        .map(|(k, hold)| {
            let (api, t, bar) = (direct.clone(), tokens[k].clone(), bar.clone());
            async move {
                let r = api
                    .send(
                        Call::new("reserve[direct]", Method::POST, "/reservations")
                            .token(&t)
                            .json(json!({"holdId": hold, "attendee": {"name": "Load Test", "phone": "010-0000-0000"}})),
                    )
                    .await;
                bar.inc(1);
                usize::from(r.status == 201)
            }
        })
        .buffer_unordered(c)
        .fold(0, |a, b| async move { a + b })
        .await;
    let commit_secs = started.elapsed().as_secs_f64();
    bar.finish();

    let rate = |l: &str| phases.iter().find(|p| p.0 == l).map_or(0.0, |p| p.1);
    let (gw, dr) = (rate("gateway"), rate("direct"));
    let report = json!({
        "scenario": "holds",
        "holdsPerPath": n,
        "concurrency": c,
        "performanceId": perf.id,
        "gatewayHoldsPerSecond": gw,
        "directHoldsPerSecond": dr,
        "gatewayToDirectRatio": gw / dr.max(1e-9),
        "reservationCommits": committed,
        "reservationCommitsPerSecond": committed as f64 / commit_secs.max(1e-9),
        "holdFailures": failures.load(Ordering::Relaxed),
        "ops": rec.ops_json(rec.elapsed()),
    });
    Ok(Finished {
        perf: perf.id.parse()?,
        report,
        recorder: rec,
        failures: failures.load(Ordering::Relaxed),
    })
}
