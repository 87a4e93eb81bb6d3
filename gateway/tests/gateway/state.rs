//! Redis state: writes naming performances that do not exist leave nothing behind, and every
//! key the gateway writes for a real performance expires.

use std::collections::BTreeSet;

use fred::prelude::*;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use gateway::{
    admission::dedupe::{self, Dedupe, Outcome},
    redis::Redis,
};

use crate::helpers::{Stack, eventually, keys_under, redis_client, redis_url};

#[tokio::test]
async fn a_hundred_thousand_writes_on_made_up_performances_leave_no_redis_key() {
    let stack = Stack::new().await;
    let redis = redis_client().await;
    let before = keys_under(&redis, &stack.redis_prefix).await;
    let pool = Redis::connect(
        &redis_url(),
        &stack.redis_prefix,
        std::time::Duration::from_secs(5),
    )
    .expect("redis pool");
    // Connected first: a cluster client routes nothing before it has read the slot table.
    let connected = eventually(std::time::Duration::from_secs(10), || async {
        pool.ping().await.is_ok()
    })
    .await;
    assert!(connected, "Redis never answered");
    let dedupe = Dedupe::new(pool, 3_000);
    let user = Uuid::new_v4();

    // The admission code path the gateway runs for every write, 100,000 times, 256 at once.
    let outcomes: Vec<Outcome> = futures::stream::iter(0..100_000)
        .map(|i| {
            let dedupe = &dedupe;
            async move {
                let digest = dedupe::digest("POST", "/api/v1/holds", format!("{i}").as_bytes());
                dedupe
                    .check(user, "/api/v1/holds", Some(Uuid::new_v4()), &digest, "req")
                    .await
                    .expect("dedupe call")
            }
        })
        .buffer_unordered(256)
        .collect()
        .await;

    assert!(outcomes.iter().all(|o| *o == Outcome::UnknownPerformance));
    assert_eq!(keys_under(&redis, &stack.redis_prefix).await, before);
}

#[tokio::test]
async fn holds_on_made_up_performances_through_the_gateway_get_404_and_leave_no_redis_key() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let (perf, _) = stack.performance(2, 2).await;
    let user = stack.user().await;
    let redis = redis_client().await;
    let before: BTreeSet<String> = keys_under(&redis, &stack.redis_prefix)
        .await
        .into_iter()
        .collect();

    let statuses: Vec<StatusCode> = futures::stream::iter(0..500)
        .map(|_| async {
            let body = json!({ "performanceId": Uuid::new_v4(), "seatIds": [Uuid::new_v4()] });
            stack
                .send(
                    gateway.addr,
                    Method::POST,
                    "/api/v1/holds",
                    Some(&user.token),
                    &[],
                    Some(body),
                )
                .await
                .0
        })
        .buffer_unordered(64)
        .collect()
        .await;

    let after: BTreeSet<String> = keys_under(&redis, &stack.redis_prefix)
        .await
        .into_iter()
        .collect();
    let new: Vec<_> = after.difference(&before).collect();
    assert!(new.is_empty(), "new keys: {new:?}");
    assert!(
        statuses.iter().all(|s| *s == StatusCode::NOT_FOUND),
        "{:?}",
        statuses.iter().find(|s| **s != StatusCode::NOT_FOUND)
    );
    // The known performance still gets its sequence.
    assert!(
        before
            .iter()
            .any(|k| k.contains(&format!("{{perf:{perf}}}:config")))
    );
}

#[tokio::test]
async fn every_key_the_gateway_writes_for_a_known_performance_expires() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let (perf, seats) = stack.performance(4, 4).await;
    let (buyer, waiting) = (stack.user().await, stack.user().await);

    // Dedupe + sequence (per performance), and a write without a performance (per user).
    let (s, headers, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&buyer.token),
            &[],
            Some(json!({ "performanceId": perf, "seatIds": [seats[0]] })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert!(headers.get("x-request-id").is_some());
    let hold = body["data"]["holdId"].as_str().expect("hold id").to_owned();
    let (s, _, body) = stack
        .send(
            gateway.addr,
            Method::DELETE,
            &format!("/api/v1/holds/{hold}"),
            Some(&buyer.token),
            &[],
            None,
        )
        .await;
    assert!(s.is_success(), "{s} {body}");
    // The waiting room: join, then an admission tick.
    stack.enable_queue(perf, 60, 10).await;
    let (s, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            &format!("/api/v1/queue/{perf}/join"),
            Some(&waiting.token),
            &[],
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    gateway.ticker.tick_all().await;
    stack.clock.advance_ms(2_000);
    gateway.ticker.tick_all().await;

    let redis = redis_client().await;
    let prefix = &stack.redis_prefix;
    let queue = format!("{prefix}queue:{{perf:{perf}}}:");
    let written: Vec<String> = keys_under(&redis, prefix)
        .await
        .into_iter()
        .filter(|k| {
            k.starts_with(&format!("{prefix}gw:"))
                || [
                    "members", "line", "seq", "admitted", "active", "tick", "lease",
                ]
                .iter()
                .any(|n| *k == format!("{queue}{n}"))
        })
        .collect();
    for name in [
        "gw:{perf:",
        "gw:{user:",
        "members",
        "seq",
        "admitted",
        "active",
        "tick",
        "lease",
    ] {
        assert!(
            written.iter().any(|k| k.contains(name)),
            "no key like {name} in {written:?}"
        );
    }
    for key in &written {
        let ttl: i64 = redis.pttl(key).await.expect("pttl");
        assert!(ttl > 0, "{key} has no expiry ({ttl})");
    }
}
