//! hot-seat: K clients ask for the same seat at the same instant, R rounds; exactly one may
//! win each round (the winner then lets go, so the next round fights over it again). Run
//! against several targets in one invocation (e.g. HOLD_STRATEGY=redis and =postgres
//! instances) to compare how fast each settles the fight.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Barrier;
use uuid::Uuid;

use super::progress;
use crate::{
    client::{Api, Call, http_client},
    config::HotSeatArgs,
    report::Recorder,
    setup::{self, PerfSpec, str_of},
};

pub struct TargetResult {
    pub label: String,
    pub perf: Uuid,
    pub rounds_with_one_winner: usize,
    pub rounds: usize,
    pub report: Value,
}

pub async fn run(args: HotSeatArgs) -> anyhow::Result<(Vec<TargetResult>, Arc<Recorder>)> {
    let common = &args.common;
    let db = setup::connect(common).await?;
    let rec = Arc::new(Recorder::new());
    let http = http_client()?;
    let run = setup::run_id();
    let admin = setup::create_users(&db, &run, 1, "ADMIN").await?;
    let admin = setup::mint_token(common, admin[0].id, "ADMIN")?;
    let users = setup::create_users(&db, &run, args.clients, "USER").await?;
    let tokens: Vec<String> = users
        .iter()
        .map(|u| setup::mint_token(common, u.id, "USER"))
        .collect::<anyhow::Result<_>>()?;
    let targets: Vec<(String, String)> = if args.against.is_empty() {
        vec![("target".to_owned(), common.target.clone())]
    } else {
        args.against
            .iter()
            .map(|a| {
                let (l, u) = a.split_once('=').unwrap_or(("target", a.as_str()));
                (l.to_owned(), u.to_owned())
            })
            .collect()
    };

    let mut results = Vec::new();
    for (label, url) in targets {
        let api = Api::new(http.clone(), &url, rec.clone());
        let perf = setup::create_performance(
            &api,
            &admin,
            PerfSpec {
                run: &format!("{run}-{label}"),
                seats: 1,
                seats_per_row: 1,
                max_seats_per_user: 4,
                queue: None,
            },
        )
        .await?;
        let seat = perf.seats[0].id.clone();
        let op: &'static str = Box::leak(format!("hold[{label}]").into_boxed_str());
        let bar = progress(common, args.rounds, &label);
        let mut one_winner = 0;
        let mut busy = Duration::ZERO;
        for _ in 0..args.rounds {
            let barrier = Arc::new(Barrier::new(args.clients));
            let started = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for t in &tokens {
                let (api, t, barrier) = (api.clone(), t.clone(), barrier.clone());
                let body = json!({"performanceId": perf.id, "seatIds": [seat]});
                tasks.spawn(async move {
                    barrier.wait().await;
                    let r = api
                        .send(Call::new(op, Method::POST, "/holds").token(&t).json(body))
                        .await;
                    (r.status == 201).then(|| (t, str_of(&r.data()["holdId"])))
                });
            }
            let mut winners = Vec::new();
            while let Some(done) = tasks.join_next().await {
                if let Ok(Some(w)) = done {
                    winners.push(w);
                }
            }
            busy += started.elapsed();
            if winners.len() == 1 {
                one_winner += 1;
            }
            for (t, hold) in winners {
                api.send(Call::new("release", Method::DELETE, format!("/holds/{hold}")).token(&t))
                    .await;
            }
            bar.inc(1);
        }
        bar.finish();
        let requests = (args.clients * args.rounds) as f64;
        results.push(TargetResult {
            label: label.clone(),
            perf: perf.id.parse()?,
            rounds_with_one_winner: one_winner,
            rounds: args.rounds,
            report: json!({
                "label": label,
                "url": url,
                "clients": args.clients,
                "rounds": args.rounds,
                "roundsWithExactlyOneWinner": one_winner,
                "settleSeconds": busy.as_secs_f64(),
                "requestsPerSecond": requests / busy.as_secs_f64().max(1e-9),
                "p50Ms": rec.quantile_ms(op, 0.5),
                "p99Ms": rec.quantile_ms(op, 0.99),
            }),
        });
    }
    Ok((results, rec))
}
