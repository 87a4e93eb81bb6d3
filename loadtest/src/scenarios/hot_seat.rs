//! hot-seat: K clients ask for the same seat at the same instant, R rounds; exactly one may
//! win each round (the winner then lets go, so the next round fights over it again). Run
//! against several targets in one invocation (e.g. HOLD_STRATEGY=redis and =postgres
//! instances) to compare how fast each settles the fight.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use holdfast_contract::claims::Role;
use indicatif::ProgressBar;
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

/// Every target's rounds, then (with `--ceiling`) the ceiling's against the first target.
pub async fn run(
    args: HotSeatArgs,
) -> anyhow::Result<(Vec<TargetResult>, Option<Value>, Arc<Recorder>)> {
    let common = &args.common;
    let db = setup::connect(common).await?;
    let rec = Arc::new(Recorder::new());
    let http = http_client()?;
    let run = setup::run_id();
    let admin = setup::create_users(&db, &run, 1, Role::Admin).await?;
    let admin = setup::mint_token(common, admin[0].id, Role::Admin)?;
    let users = setup::create_users(&db, &run, args.clients, Role::User).await?;
    let tokens: Vec<String> = users
        .iter()
        .map(|u| setup::mint_token(common, u.id, Role::User))
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

    let fight = Fight {
        clients: args.clients,
        rounds: args.rounds,
        tokens: &tokens,
        rec: &rec,
    };
    let mut results = Vec::new();
    for (label, url) in &targets {
        let api = Api::new(http.clone(), url, rec.clone());
        let perf = one_seat(&api, &admin, &format!("{run}-{label}")).await?;
        let bar = progress(common, args.rounds, label);
        let (one_winner, busy) = fight.run(&api, &perf, label, &bar).await;
        bar.finish();
        results.push(TargetResult {
            label: label.clone(),
            perf: perf.id.parse()?,
            rounds_with_one_winner: one_winner,
            rounds: args.rounds,
            report: fight.report(label, url, one_winner, busy),
        });
    }
    let ceiling = match targets.first() {
        Some((_, url)) if args.ceiling => {
            let api = Api::new(http, url, rec.clone());
            let bar = progress(common, args.rounds, "ceiling");
            let c = ceiling(&fight, &api, (&admin, &run, url), &bar).await?;
            bar.finish();
            Some(c)
        }
        _ => None,
    };
    Ok((results, ceiling, rec))
}

/// The same rounds against `url`, on a performance whose sale is closed: every hold is
/// refused (422 SALE_NOT_OPEN) from the instance's cached rules, without Redis or
/// PostgreSQL. What it settles is the most any hold path could settle on this machine with
/// this client: the ceiling for the ratio between two hold paths.
async fn ceiling(
    fight: &Fight<'_>,
    api: &Api,
    (admin, run, url): (&str, &str, &str),
    bar: &ProgressBar,
) -> anyhow::Result<Value> {
    let perf = one_seat(api, admin, &format!("{run}-ceiling")).await?;
    let closed = api
        .send(
            Call::new(
                "close-sale",
                Method::POST,
                format!("/admin/performances/{}/close-sale", perf.id),
            )
            .token(admin)
            .json(json!({})),
        )
        .await;
    anyhow::ensure!(
        closed.status == 200,
        "close-sale answered {}",
        closed.status
    );
    let (_, busy) = fight.run(api, &perf, "ceiling", bar).await;
    let asked = fight.clients * fight.rounds;
    let refused = fight.rec.count(Some("hold[ceiling]"), 422..=422) as usize;
    anyhow::ensure!(
        refused == asked,
        "only {refused} of {asked} ceiling requests were refused with 422"
    );
    Ok(fight.report("ceiling", url, 0, busy))
}

async fn one_seat(api: &Api, admin: &str, run: &str) -> anyhow::Result<setup::Performance> {
    setup::create_performance(
        api,
        admin,
        PerfSpec {
            run,
            seats: 1,
            seats_per_row: 1,
            max_seats_per_user: 4,
            queue: None,
        },
    )
    .await
}

struct Fight<'a> {
    clients: usize,
    rounds: usize,
    tokens: &'a [String],
    rec: &'a Arc<Recorder>,
}

impl Fight<'_> {
    /// Runs the rounds; (rounds with exactly one winner, time spent settling them).
    async fn run(
        &self,
        api: &Api,
        perf: &setup::Performance,
        label: &str,
        bar: &ProgressBar,
    ) -> (usize, Duration) {
        let seat = perf.seats[0].id.clone();
        let op: &'static str = Box::leak(format!("hold[{label}]").into_boxed_str());
        let mut one_winner = 0;
        let mut busy = Duration::ZERO;
        for _ in 0..self.rounds {
            let barrier = Arc::new(Barrier::new(self.clients));
            let started = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for t in self.tokens {
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
        (one_winner, busy)
    }

    fn report(&self, label: &str, url: &str, one_winner: usize, busy: Duration) -> Value {
        let op = format!("hold[{label}]");
        let requests = (self.clients * self.rounds) as f64;
        json!({
            "label": label,
            "url": url,
            "clients": self.clients,
            "rounds": self.rounds,
            "roundsWithExactlyOneWinner": one_winner,
            "settleSeconds": busy.as_secs_f64(),
            "requestsPerSecond": requests / busy.as_secs_f64().max(1e-9),
            "p50Ms": self.rec.quantile_ms(&op, 0.5),
            "p99Ms": self.rec.quantile_ms(&op, 0.99),
        })
    }
}
