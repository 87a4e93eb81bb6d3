//! Redis down at the gateway: local rate limits keep working; duplicate blocking fails open
//! for ordinary performances and closed for queued ones; the waiting room answers 503; the
//! metrics say so.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Stack, TcpProxy, code, metrics_text};

#[tokio::test]
async fn without_redis_plain_writes_fail_open_and_queued_ones_fail_closed() {
    let stack = Stack::new().await;
    let mut redis = TcpProxy::to_redis().await;
    let gw = stack
        .gateway_with(&[
            ("REDIS_URL", format!("redis://{}", redis.addr)),
            ("GATEWAY_REDIS_TIMEOUT_MS", "200".to_owned()),
            ("GATEWAY_RATE_PER_USER_PER_SEC", "1".to_owned()),
            ("GATEWAY_RATE_PER_USER_BURST", "3".to_owned()),
        ])
        .await;
    let (plain, plain_seats) = stack.performance(4, 4).await;
    let (queued, queued_seats) = stack.performance(4, 4).await;
    stack.enable_queue(queued, 60, 10).await;
    gw.ticker.tick_all().await;
    let (buyer, waiter, greedy) = (stack.user().await, stack.user().await, stack.user().await);

    redis.cut().await;

    let (s, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&buyer.token),
            &[],
            Some(json!({ "performanceId": plain, "seatIds": [plain_seats[0]] })),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CREATED,
        "fail-open for a performance without a queue: {body}"
    );
    let pass_for_nobody = "x";
    let (s, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&waiter.token),
            &[("Queue-Token", pass_for_nobody)],
            Some(json!({ "performanceId": queued, "seatIds": [queued_seats[0]] })),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::FORBIDDEN, "QUEUE_PASS_REQUIRED"),
        "{body}"
    );
    let (s, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            &format!("/api/v1/queue/{queued}/join"),
            Some(&waiter.token),
            &[],
            None,
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")
    );
    let mut limited = 0;
    for _ in 0..5 {
        let (s, _, _) = stack
            .send(
                gw.addr,
                Method::GET,
                "/api/v1/auth/me",
                Some(&greedy.token),
                &[],
                None,
            )
            .await;
        limited += usize::from(s == StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(limited, 2, "local rate limits still apply");

    let metrics = metrics_text(&stack, &gw).await;
    assert!(
        metrics.contains(r#"gateway_redis_fallbacks_total{outcome="open",policy="dedupe"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"gateway_redis_fallbacks_total{outcome="closed",policy="queue"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"gateway_rejects_total{reason="rate_limited"} 2"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_queued_write_with_a_valid_pass_is_refused_when_redis_cannot_dedupe_it() {
    let stack = Stack::new().await;
    let mut redis = TcpProxy::to_redis().await;
    let gw = stack
        .gateway_with(&[
            ("REDIS_URL", format!("redis://{}", redis.addr)),
            ("GATEWAY_REDIS_TIMEOUT_MS", "200".to_owned()),
        ])
        .await;
    let (queued, seats) = stack.performance(4, 4).await;
    stack.enable_queue(queued, 60, 10).await;
    gw.ticker.tick_all().await;
    let user = stack.user().await;
    let (_, _, joined) = stack
        .send(
            gw.addr,
            Method::POST,
            &format!("/api/v1/queue/{queued}/join"),
            Some(&user.token),
            &[],
            None,
        )
        .await;
    let ticket = joined["data"]["queueToken"]
        .as_str()
        .expect("ticket")
        .to_owned();
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    let (_, _, standing) = stack
        .send(
            gw.addr,
            Method::GET,
            &format!("/api/v1/queue/{queued}/status"),
            Some(&user.token),
            &[("Queue-Token", &ticket)],
            None,
        )
        .await;
    let pass = standing["data"]["passToken"]
        .as_str()
        .expect("pass")
        .to_owned();

    redis.cut().await;
    let (s, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[("Queue-Token", &pass)],
            Some(json!({ "performanceId": queued, "seatIds": [seats[0]] })),
        )
        .await;

    assert_eq!(
        (s, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "DEPENDENCY_UNAVAILABLE"),
        "{body}"
    );
    let metrics = metrics_text(&stack, &gw).await;
    assert!(
        metrics.contains(r#"gateway_redis_fallbacks_total{outcome="closed",policy="dedupe"} 1"#),
        "{metrics}"
    );
}
