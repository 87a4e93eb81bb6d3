//! Redis Cluster for real: core-api and the gateway on a private six-node cluster, buyers
//! holding, reserving and cancelling through the gateway while the primary that serves their
//! performance's slot is killed (`kill -9`). Its replica takes over; nothing is sold twice,
//! every request is answered (503 at worst), and selling resumes without a restart.

mod buyers;

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use holdfast_contract::{keys::perf_tag, testing::RedisCluster};
use serde_json::Value;

use self::buyers::{Answers, cycle, double_sales_and_mismatches};
use crate::helpers::{Stack, eventually};

const BUYERS: usize = 12;
const SEATS: u32 = 24;
/// Cycles per buyer at most: the run is bounded in count as well as in time.
const MAX_CYCLES: usize = 400;

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
    let probed = Answers::default();
    let probe_reserved = eventually(Duration::from_secs(30), || async {
        cycle(&client, gateway.addr, &probe, perf, &seats, &probed).await;
        probed.reserved.load(Ordering::Relaxed) > 0
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
    let mut bad = answers
        .unacceptable
        .lock()
        .map(|b| b.clone())
        .unwrap_or_default();
    bad.extend(
        probed
            .unacceptable
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default(),
    );
    assert!(
        bad.is_empty(),
        "answers other than 2xx, 4xx or 503: {bad:?}"
    );

    // Nothing was sold twice, and the seat rows agree with the live reservations.
    assert_eq!(double_sales_and_mismatches(&stack, perf).await, (0, 0));
}
