//! Redis Cluster for real: core-api and the gateway on a private six-node cluster, buyers
//! holding, reserving and cancelling through the gateway while the primary that serves their
//! performance's slot is killed (`kill -9`). Its replica takes over; nothing is sold twice,
//! every request is answered (503 at worst), and selling resumes without a restart.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use holdfast_contract::{keys::perf_tag, testing::RedisCluster};
use rand::seq::IndexedRandom;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Stack, User, eventually};

const BUYERS: usize = 12;
const SEATS: u32 = 24;
/// Cycles per buyer at most: the run is bounded in count as well as in time.
const MAX_CYCLES: usize = 400;

/// What every answer was, by "step status" (or "step error" when none came), and the
/// answers no client should get (no answer at all, 5xx other than 503).
#[derive(Default)]
struct Answers {
    counts: Mutex<BTreeMap<String, usize>>,
    unacceptable: Mutex<Vec<String>>,
    reserved: AtomicUsize,
}

impl Answers {
    fn note(&self, step: &str, outcome: &Result<(StatusCode, Value), String>) {
        let (label, acceptable) = match outcome {
            Ok((status, _)) => (
                format!("{step} {}", status.as_u16()),
                matches!(status.as_u16(), 200..=499 | 503),
            ),
            Err(e) => (format!("{step} error: {e}"), false),
        };
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(label.clone()).or_default() += 1;
        }
        if !acceptable {
            if let Ok(mut bad) = self.unacceptable.lock() {
                bad.push(format!("{label}: {outcome:?}"));
            }
        }
    }

    fn snapshot(&self) -> BTreeMap<String, usize> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// One request through the gateway, answered within 10 s or counted as a hang.
async fn call(
    client: &reqwest::Client,
    gateway: SocketAddr,
    token: &str,
    path: &str,
    body: Value,
) -> Result<(StatusCode, Value), String> {
    let response = client
        .post(format!("http://{gateway}{path}"))
        .bearer_auth(token)
        .json(&body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timeout".to_owned()
            } else {
                e.to_string()
            }
        })?;
    let status = response.status();
    let text = response.text().await.map_err(|e| e.to_string())?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Hold one or two random seats, reserve them, and usually cancel again so seats keep
/// changing hands; every answer is noted.
async fn cycle(
    client: &reqwest::Client,
    gateway: SocketAddr,
    buyer: &User,
    perf: Uuid,
    seats: &[Uuid],
    answers: &Answers,
) {
    let wanted: Vec<Uuid> = {
        let mut rng = rand::rng();
        let n = if rand::random_bool(0.5) { 1 } else { 2 };
        seats.choose_multiple(&mut rng, n).copied().collect()
    };
    let hold = call(
        client,
        gateway,
        &buyer.token,
        "/api/v1/holds",
        json!({ "performanceId": perf, "seatIds": wanted }),
    )
    .await;
    answers.note("hold", &hold);
    let Ok((StatusCode::CREATED, hold)) = hold else {
        return;
    };
    let hold_id = hold["data"]["holdId"].clone();
    let reservation = call(
        client,
        gateway,
        &buyer.token,
        "/api/v1/reservations",
        json!({ "holdId": hold_id, "attendee": { "name": "Kim", "phone": "010-1234-5678" } }),
    )
    .await;
    answers.note("reserve", &reservation);
    let Ok((StatusCode::CREATED, reservation)) = reservation else {
        return;
    };
    answers.reserved.fetch_add(1, Ordering::Relaxed);
    if rand::random_bool(0.75) {
        let id = reservation["data"]["reservationId"]
            .as_str()
            .unwrap_or_default();
        let cancel = call(
            client,
            gateway,
            &buyer.token,
            &format!("/api/v1/reservations/{id}/cancel"),
            json!({}),
        )
        .await;
        answers.note("cancel", &cancel);
    }
}

/// Seats in more than one live reservation, and seats whose row disagrees with the live
/// reservations (RESERVED or SOLD without exactly one, or AVAILABLE with one).
async fn double_sales_and_mismatches(stack: &Stack, perf: Uuid) -> (i64, i64) {
    use sea_orm::ConnectionTrait;
    let count = |sql: String| async move {
        let row = stack
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql,
            ))
            .await
            .expect("query")
            .expect("row");
        row.try_get_by_index::<i64>(0).expect("count")
    };
    let doubles = count(
        "SELECT count(*) FROM (SELECT seat_id FROM reservation_seats rs \
           JOIN reservations r ON r.id = rs.reservation_id \
          WHERE r.status IN ('PENDING_PAYMENT', 'CONFIRMED') \
          GROUP BY seat_id HAVING count(*) > 1) d"
            .to_owned(),
    )
    .await;
    let mismatches = count(format!(
        "SELECT count(*) FROM seats s WHERE s.performance_id = '{perf}' AND \
           (SELECT count(*) FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id \
             WHERE rs.seat_id = s.id AND r.status IN ('PENDING_PAYMENT', 'CONFIRMED') \
               AND r.id = s.reservation_id) \
           <> CASE WHEN s.status IN ('RESERVED', 'SOLD') THEN 1 ELSE 0 END"
    ))
    .await;
    (doubles, mismatches)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_primary_of_a_sale_mid_run_sells_nothing_twice_and_selling_resumes_by_itself() {
    // Arrange: both services on the cluster; unpaid reservations lapse after 2 s, so seats
    // keep coming back on sale (the sweeper clears their markers in Redis) all through.
    let mut cluster = RedisCluster::start().await;
    let url = cluster.url();
    let stack = Stack::with_core_vars(&[
        ("REDIS_URL", url.clone()),
        ("CORE_RESERVATION_TTL_MS", "2000".to_owned()),
        ("CORE_SWEEP_INTERVAL_MS", "200".to_owned()),
    ])
    .await;
    let gateway = stack.gateway_with(&[("REDIS_URL", url.clone())]).await;
    let (perf, seats) = stack.performance(SEATS, 4).await;
    let buyers = stack.users(BUYERS).await;
    let probe = stack.user().await;
    let victim = cluster
        .primary_for(&perf_tag(perf))
        .await
        .expect("a primary serves the performance");
    let heir = cluster
        .replica_of(victim)
        .await
        .expect("the primary has a replica");
    assert!(
        eventually(Duration::from_secs(10), || cluster.replica_in_sync(heir)).await,
        "the replica never caught up with its primary"
    );

    let answers = Arc::new(Answers::default());
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for buyer in buyers {
        let (client, answers, stop, seats) =
            (client.clone(), answers.clone(), stop.clone(), seats.clone());
        let addr = gateway.addr;
        tasks.spawn(async move {
            for _ in 0..MAX_CYCLES {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                cycle(&client, addr, &buyer, perf, &seats, &answers).await;
            }
        });
    }
    let reserved = |n: usize| {
        let answers = answers.clone();
        move || {
            let answers = answers.clone();
            async move { answers.reserved.load(Ordering::Relaxed) >= n }
        }
    };
    assert!(
        eventually(Duration::from_secs(60), reserved(20)).await,
        "the sale never got going: {:?}",
        answers.snapshot()
    );

    // Act: kill -9 the primary serving the performance, mid-sale.
    cluster.kill(victim);
    let killed_at = std::time::Instant::now();
    let at_kill = answers.snapshot();
    let before = answers.reserved.load(Ordering::Relaxed);

    // Assert: its replica takes over...
    let took_over = eventually(Duration::from_secs(30), || async {
        cluster.primary_for(&perf_tag(perf)).await == Some(heir) && cluster.state_ok().await
    })
    .await;
    assert!(
        took_over,
        "the replica on {heir} did not take over from {victim}"
    );
    eprintln!("replica took over after {:?}", killed_at.elapsed());

    // ...and holds go through Redis again, without restarting anything.
    let core = stack.cores[0].addr;
    let back_on_redis = eventually(Duration::from_secs(30), || async {
        let ready: Value = match client.get(format!("http://{core}/readyz")).send().await {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        ready["data"]["redis"] == "up" && ready["data"]["holdPath"] == "redis"
    })
    .await;
    assert!(back_on_redis, "core-api did not go back to Redis holds");
    eprintln!("holds on Redis again after {:?}", killed_at.elapsed());
    let probe_reserved = eventually(Duration::from_secs(30), || async {
        let seat = *seats.choose(&mut rand::rng()).expect("a seat");
        let hold = call(
            &client,
            gateway.addr,
            &probe.token,
            "/api/v1/holds",
            json!({ "performanceId": perf, "seatIds": [seat] }),
        )
        .await;
        let Ok((StatusCode::CREATED, hold)) = hold else {
            return false;
        };
        let reservation = call(
            &client,
            gateway.addr,
            &probe.token,
            "/api/v1/reservations",
            json!({ "holdId": hold["data"]["holdId"], "attendee": { "name": "Lee", "phone": "010-0000-0000" } }),
        )
        .await;
        matches!(reservation, Ok((StatusCode::CREATED, _)))
    })
    .await;
    assert!(
        probe_reserved,
        "no hold became a reservation after the failover"
    );
    eprintln!("a reservation went through after {:?}", killed_at.elapsed());
    let during: BTreeMap<String, usize> = answers
        .snapshot()
        .into_iter()
        .map(|(label, n)| (n - at_kill.get(&label).copied().unwrap_or(0), label))
        .filter(|(n, _)| *n > 0)
        .map(|(n, label)| (label, n))
        .collect();
    assert!(
        eventually(Duration::from_secs(60), reserved(before + 20)).await,
        "the buyers did not get going again after the failover: {:?}",
        answers.snapshot()
    );
    stop.store(true, Ordering::Relaxed);
    while let Some(done) = tasks.join_next().await {
        done.expect("a buyer panicked");
    }

    // Every request was answered, with 503 at worst.
    let counts = answers.snapshot();
    eprintln!(
        "answers: {counts:?}; answers during the failover: {:?}",
        during
    );
    let bad = answers
        .unacceptable
        .lock()
        .map(|b| b.clone())
        .unwrap_or_default();
    assert!(
        bad.is_empty(),
        "answers other than 2xx, 4xx or 503: {bad:?}"
    );

    // Nothing was sold twice, and the seat rows agree with the live reservations.
    assert_eq!(double_sales_and_mismatches(&stack, perf).await, (0, 0));
}
