//! flash-sale: N buyers against M seats through the gateway. Each buyer signs in, joins the
//! waiting room, polls until admitted, holds 1–4 seats (front-row fighters, seat-map pickers,
//! best-available), then charges its wallet, reserves and pays. Some abandon their hold, some
//! double-click, some resend with the same Idempotency-Key.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use holdfast_contract::claims::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{buyer::buyer, progress, run_users, sale::Shared, watch};
use crate::{
    client::{Api, http_client},
    config::FlashSaleArgs,
    report::Recorder,
    setup::{self, PerfSpec},
};

pub struct Finished {
    pub perf: Uuid,
    pub sold_out_expected: bool,
    pub report: Value,
    pub recorder: Arc<Recorder>,
}

pub async fn run(args: FlashSaleArgs) -> anyhow::Result<Finished> {
    let common = args.common.clone();
    let db = setup::connect(&common).await?;
    let rec = Arc::new(Recorder::new());
    let api = Api::new(http_client()?, &common.target, rec.clone());
    let run = setup::run_id();
    let admins = setup::create_users(&db, &run, 1, Role::Admin).await?;
    let admin = setup::mint_token(&common, admins[0].id, Role::Admin)?;
    let perf = setup::create_performance(
        &api,
        &admin,
        PerfSpec {
            run: &run,
            seats: args.seats,
            seats_per_row: 50,
            max_seats_per_user: 4,
            queue: Some((args.admit_per_minute, args.max_active)),
        },
    )
    .await?;
    eprintln!(
        "performance {} with {} seats; creating {} buyers",
        perf.id,
        perf.seats.len(),
        args.buyers
    );
    let users = setup::create_users(&db, &run, args.buyers, Role::User).await?;
    let login_every = if args.login_share > 0.0 {
        (1.0 / args.login_share).round().max(1.0) as usize
    } else {
        usize::MAX
    };
    let mut tokens = Vec::with_capacity(users.len());
    for (i, u) in users.iter().enumerate() {
        tokens.push(if i % login_every == 0 {
            None
        } else {
            Some(setup::mint_token(&common, u.id, Role::User)?)
        });
    }
    let perf_id: Uuid = perf.id.parse()?;
    let (stop_watching, stop) = tokio::sync::watch::channel(false);
    let watcher = args.watch_control_room.then(|| {
        let base = common
            .target
            .split(',')
            .next()
            .unwrap_or_default()
            .to_owned();
        let (perf, admin) = (perf.id.clone(), admin.clone());
        tokio::spawn(async move { watch::control_room(&base, &perf, &admin, stop).await })
    });
    let front = (perf.seats.len() / 20).max(8).min(perf.seats.len());
    let shared = Arc::new(Shared {
        api,
        run,
        perf: perf.id.clone(),
        seats: perf.seats,
        front,
        tokens,
        emails: users.into_iter().map(|u| u.email).collect(),
        args: args.clone(),
        sold_out: Arc::new(AtomicBool::new(false)),
        idempotency_mismatch: AtomicU64::new(0),
        bought: AtomicU64::new(0),
    });

    // Sell-out clock: Postgres decides when the last seat is sold.
    let started = Instant::now();
    let sold_out_at = Arc::new(std::sync::Mutex::new(None::<Duration>));
    let monitor = {
        let (db, flag, at) = (db.clone(), shared.sold_out.clone(), sold_out_at.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let left = db
                    .query_one_raw(setup::sql(
                        // Cheap while seats are left (first AVAILABLE one found through
                        // `seats_available_idx`), so the clock does not load the sale.
                        "SELECT (EXISTS (SELECT 1 FROM seats WHERE performance_id = $1 AND status = 'AVAILABLE') \
                          OR EXISTS (SELECT 1 FROM seats WHERE performance_id = $1 AND status = 'RESERVED'))::int::int8",
                        [perf_id.into()],
                    ))
                    .await;
                if let Ok(Some(row)) = left
                    && row.try_get_by_index::<i64>(0).unwrap_or(1) == 0
                {
                    if let Ok(mut at) = at.lock() {
                        *at = Some(started.elapsed());
                    }
                    flag.store(true, Ordering::Relaxed);
                    break;
                }
            }
        })
    };
    let deadline = {
        let (flag, secs) = (shared.sold_out.clone(), args.deadline_secs);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(secs)).await;
            flag.store(true, Ordering::Relaxed);
        })
    };

    let bar = progress(&common, args.buyers, "buyers");
    let s = shared.clone();
    run_users(
        &common,
        args.buyers,
        &bar,
        shared.sold_out.clone(),
        move |i| {
            let s = s.clone();
            async move { buyer(&s, i).await }
        },
    )
    .await;
    let wall = started.elapsed();
    deadline.abort();
    // Give the monitor a last look (the final payment may have just committed).
    tokio::time::sleep(Duration::from_millis(400)).await;
    monitor.abort();
    let sell_out = sold_out_at.lock().ok().and_then(|g| *g);
    stop_watching.send_replace(true);
    let control_room = match watcher {
        Some(w) => Some(w.await?.json()),
        None => None,
    };

    let report = json!({
        "scenario": "flash-sale",
        "buyers": args.buyers,
        "seats": args.seats,
        "mode": format!("{:?}", common.mode).to_lowercase(),
        "rate": common.rate,
        "concurrency": common.concurrency,
        "loginShare": args.login_share,
        "performanceId": shared.perf,
        "wallSeconds": wall.as_secs_f64(),
        "sellOutSeconds": sell_out.map(|d| d.as_secs_f64()),
        "buyersWhoBought": shared.bought.load(Ordering::Relaxed),
        "idempotencyMismatches": shared.idempotency_mismatch.load(Ordering::Relaxed),
        "http5xx": rec.count(None, 500..=599),
        "noAnswer": rec.count(None, 0..=0),
        "ops": rec.ops_json(wall),
        "controlRoom": control_room,
    });
    Ok(Finished {
        perf: perf_id,
        sold_out_expected: args.buyers as f64 * (1.0 - args.abandon_share) > args.seats as f64,
        report,
        recorder: rec,
    })
}
