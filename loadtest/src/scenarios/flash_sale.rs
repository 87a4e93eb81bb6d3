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

use rand::Rng;
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{progress, run_users};
use crate::{
    client::{Api, Call, Reply, http_client},
    config::FlashSaleArgs,
    report::Recorder,
    setup::{self, PerfSpec, Seat, str_of},
};

pub struct Finished {
    pub perf: Uuid,
    pub sold_out_expected: bool,
    pub report: Value,
    pub recorder: Arc<Recorder>,
}

struct Shared {
    api: Api,
    run: String,
    perf: String,
    seats: Vec<Seat>,
    front: usize,
    tokens: Vec<Option<String>>,
    emails: Vec<String>,
    args: FlashSaleArgs,
    sold_out: Arc<AtomicBool>,
    idempotency_mismatch: AtomicU64,
    bought: AtomicU64,
}

pub async fn run(args: FlashSaleArgs) -> anyhow::Result<Finished> {
    let common = args.common.clone();
    let db = setup::connect(&common).await?;
    let rec = Arc::new(Recorder::new());
    let api = Api::new(http_client()?, &common.target, rec.clone());
    let run = setup::run_id();
    let admins = setup::create_users(&db, &run, 1, "ADMIN").await?;
    let admin = setup::mint_token(&common, admins[0].id, "ADMIN")?;
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
    let users = setup::create_users(&db, &run, args.buyers, "USER").await?;
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
            Some(setup::mint_token(&common, u.id, "USER")?)
        });
    }
    let perf_id: Uuid = perf.id.parse()?;
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
                        "SELECT count(*) FROM seats WHERE performance_id = $1 AND status <> 'SOLD'",
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
    });
    Ok(Finished {
        perf: perf_id,
        sold_out_expected: args.buyers as f64 * (1.0 - args.abandon_share) > args.seats as f64,
        report,
        recorder: rec,
    })
}

fn sleep_ms(ms: u64) -> tokio::time::Sleep {
    tokio::time::sleep(Duration::from_millis(ms))
}

/// Sleeps as a polite client after a refusal (Retry-After, or a short back-off).
async fn back_off(reply: &Reply, default_ms: u64) {
    let secs = reply.body["error"]["details"]["retryAfterSeconds"].as_u64();
    sleep_ms(secs.map_or(default_ms, |s| s * 1000)).await;
}

async fn buyer(s: &Shared, i: usize) {
    let api = &s.api;
    let token = match &s.tokens[i] {
        Some(t) => t.clone(),
        None => {
            let r = api
                .send(
                    Call::new("login", Method::POST, "/auth/login")
                        .json(json!({"email": s.emails[i], "password": setup::PASSWORD})),
                )
                .await;
            match r.data()["accessToken"].as_str() {
                Some(t) => t.to_owned(),
                None => return,
            }
        }
    };
    let token = token.as_str();
    let Some(pass) = wait_in_queue(s, token).await else {
        return;
    };

    let (mut quantity, style, double_click) = {
        let mut rng = rand::rng();
        (
            rng.random_range(1..=4usize),
            rng.random_range(0..10u8),
            rng.random_bool(s.args.double_click_share),
        )
    };
    if style == 0 {
        // A few look at the whole seat map first, as a browser would.
        api.send(Call::new(
            "seat_map",
            Method::GET,
            format!("/performances/{}/seats", s.perf),
        ))
        .await;
    }
    let mut explicit = style < 6;
    let started = Instant::now();
    let hold = loop {
        if s.sold_out.load(Ordering::Relaxed) || started.elapsed() > Duration::from_secs(90) {
            return;
        }
        let body = if explicit {
            let pool = if style < 4 { s.front } else { s.seats.len() };
            let at = rand::rng().random_range(0..pool.saturating_sub(quantity).max(1));
            let ids: Vec<&str> = s.seats[at..(at + quantity).min(s.seats.len())]
                .iter()
                .map(|x| x.id.as_str())
                .collect();
            json!({"performanceId": s.perf, "seatIds": ids})
        } else {
            json!({"performanceId": s.perf, "quantity": quantity})
        };
        let call = || {
            Call::new("hold", Method::POST, "/holds")
                .token(token)
                .header("Queue-Token", pass.clone())
                .json(body.clone())
        };
        let (r, twin) = if double_click {
            let (a, b) = tokio::join!(api.send(call()), api.send(call()));
            (a, Some(b))
        } else {
            (api.send(call()).await, None)
        };
        // A double click may win twice (best-available): give the spare back.
        let r = match twin {
            Some(b) if b.ok() && !r.ok() => b,
            Some(b) if b.ok() => {
                release(api, token, &b).await;
                r
            }
            _ => r,
        };
        if r.status == 201 {
            break r;
        }
        match (r.status, r.code()) {
            (409, "SEAT_UNAVAILABLE") => explicit = false,
            (422, "SEATS_NOT_AVAILABLE_TOGETHER") if quantity > 1 => quantity -= 1,
            // The rest is held by others; abandoned holds come back when they expire.
            (422, "SEATS_NOT_AVAILABLE_TOGETHER") => {
                let pause = rand::rng().random_range(1000..2000);
                sleep_ms(pause).await
            }
            (409, "DUPLICATE_REQUEST") | (429, _) => back_off(&r, 1000).await,
            (403, _) | (401, _) | (422, "SEAT_LIMIT_EXCEEDED") => return,
            // 503 (a dependency is saturated) or no answer: back off like a polite client.
            _ => back_off(&r, 1000).await,
        }
    };

    let (abandon, retry, pay_now) = {
        let mut rng = rand::rng();
        (
            rng.random_bool(s.args.abandon_share),
            rng.random_bool(s.args.retry_share),
            rng.random_bool(0.5),
        )
    };
    if abandon {
        // Half close the tab (the hold expires), half press "cancel".
        if i % 2 == 0 {
            release(api, token, &hold).await;
        }
        return;
    }
    let hold_id = str_of(&hold.data()["holdId"]);
    let amount = hold.data()["totalAmount"].as_i64().unwrap_or(40_000);
    let charge = api
        .send(
            Call::new("wallet_charge", Method::POST, "/wallet/charge")
                .token(token)
                .header("Idempotency-Key", format!("lt-{}-{i}-charge", s.run))
                .json(json!({"amount": amount})),
        )
        .await;
    if !charge.ok() {
        return;
    }
    let reserve_body = json!({
        "holdId": hold_id,
        "attendee": {"name": format!("Buyer {i}"), "phone": "010-0000-0000"},
        "payNow": pay_now,
    });
    let key = format!("lt-{}-{i}-reserve", s.run);
    let Some(reservation) = send_retrying(
        s,
        "reserve",
        "/reservations",
        token,
        &key,
        &reserve_body,
        retry,
    )
    .await
    else {
        return;
    };
    if !pay_now {
        let key = format!("lt-{}-{i}-pay", s.run);
        let body = json!({"reservationId": reservation});
        if send_retrying(s, "pay", "/payments", token, &key, &body, retry)
            .await
            .is_none()
        {
            return;
        }
    }
    s.bought.fetch_add(1, Ordering::Relaxed);
}

/// Joins the waiting room and polls until admitted; the pass token, or None when sold out.
async fn wait_in_queue(s: &Shared, token: &str) -> Option<String> {
    let api = &s.api;
    let mut r = api
        .send(
            Call::new(
                "queue_join",
                Method::POST,
                format!("/queue/{}/join", s.perf),
            )
            .token(token),
        )
        .await;
    let ticket = r.data()["queueToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    loop {
        if s.sold_out.load(Ordering::Relaxed) {
            return None;
        }
        match (r.status, r.data()["status"].as_str()) {
            (200, Some("ADMITTED")) => return r.data()["passToken"].as_str().map(str::to_owned),
            (200, Some("WAITING")) => {
                let wait = r.data()["pollAfterMs"].as_u64().unwrap_or(1000);
                sleep_ms(wait.min(s.args.poll_cap_ms)).await;
            }
            (200, _) => return None,
            (429, _) => back_off(&r, 1000).await,
            _ if ticket.is_empty() => return None,
            _ => sleep_ms(500).await,
        }
        r = api
            .send(
                Call::new(
                    "queue_status",
                    Method::GET,
                    format!("/queue/{}/status", s.perf),
                )
                .token(token)
                .header("Queue-Token", ticket.clone()),
            )
            .await;
    }
}

/// Sends a write with an Idempotency-Key, retrying 503s with the same key; when `retry`,
/// resends it after the success (a double click at once and a late retry) and checks the
/// replay names the same id. Returns the reservation id.
async fn send_retrying(
    s: &Shared,
    op: &str,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
    retry: bool,
) -> Option<String> {
    let call = || {
        Call::new(op, Method::POST, path)
            .token(token)
            .header("Idempotency-Key", key.to_owned())
            .json(body.clone())
    };
    let mut first = None;
    for _ in 0..5 {
        let r = s.api.send(call()).await;
        if r.status == 201 || r.status == 200 {
            first = Some(str_of(&r.data()["reservationId"]));
            break;
        }
        if r.status == 503 || r.status == 0 || r.code() == "DUPLICATE_REQUEST" {
            back_off(&r, 300).await;
            continue;
        }
        return None;
    }
    let first = first?;
    if retry {
        // Immediately: the gateway sees the same write in flight (409) or core-api replays it.
        let again = s.api.send(call()).await;
        if again.ok() && str_of(&again.data()["reservationId"]) != first {
            s.idempotency_mismatch.fetch_add(1, Ordering::Relaxed);
        }
        // Later, past the gateway's duplicate window: core-api must replay the first answer
        // (a 503 is not stored, so it is retried like any 503).
        sleep_ms(3_100).await;
        for _ in 0..5 {
            let late = s.api.send(call()).await;
            if late.ok() {
                if str_of(&late.data()["reservationId"]) != first {
                    s.idempotency_mismatch.fetch_add(1, Ordering::Relaxed);
                }
                break;
            }
            if late.status != 503 && late.status != 0 && late.code() != "DUPLICATE_REQUEST" {
                s.idempotency_mismatch.fetch_add(1, Ordering::Relaxed);
                break;
            }
            back_off(&late, 1000).await;
        }
    }
    Some(first)
}

async fn release(api: &Api, token: &str, hold: &Reply) {
    let id = str_of(&hold.data()["holdId"]);
    api.send(Call::new("release", Method::DELETE, format!("/holds/{id}")).token(token))
        .await;
}
