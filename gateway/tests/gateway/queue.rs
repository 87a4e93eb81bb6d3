//! The waiting room: join order, admission rate on an injected clock, two gateways sharing
//! one budget, passes checked by the gateway and by core-api, sold out.

use std::{collections::HashMap, net::SocketAddr, time::Duration};

use futures::{StreamExt, stream};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Stack, User, code, eventually};

pub async fn join(stack: &Stack, gw: SocketAddr, perf: Uuid, user: &User) -> Value {
    let (status, _, body) = stack
        .send(
            gw,
            Method::POST,
            &format!("/api/v1/queue/{perf}/join"),
            Some(&user.token),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].clone()
}

pub async fn status(stack: &Stack, gw: SocketAddr, perf: Uuid, user: &User, ticket: &str) -> Value {
    let (status, _, body) = stack
        .send(
            gw,
            Method::GET,
            &format!("/api/v1/queue/{perf}/status"),
            Some(&user.token),
            &[("Queue-Token", ticket)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].clone()
}

#[tokio::test]
async fn a_thousand_users_are_admitted_in_join_order_at_the_configured_rate_by_two_gateways_together()
 {
    let stack = Stack::new().await;
    let (a, b) = (stack.gateway().await, stack.gateway().await);
    let (perf, _) = stack.performance(10, 4).await;
    stack.enable_queue(perf, 600, 100_000).await;
    a.ticker.tick_all().await;
    b.ticker.tick_all().await;
    let users = stack.users(1_000).await;

    // Everyone joins, half through each gateway, 50 at a time.
    let joined: Vec<(usize, Value)> = stream::iter(users.iter().enumerate())
        .map(|(i, u)| {
            let gw = if i % 2 == 0 { a.addr } else { b.addr };
            let stack = &stack;
            async move { (i, join(stack, gw, perf, u).await) }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    let mut seq_of: HashMap<usize, i64> = HashMap::new();
    for (i, data) in &joined {
        assert_eq!(data["status"], "WAITING");
        seq_of.insert(*i, data["position"].as_i64().expect("position"));
    }
    let mut positions: Vec<i64> = seq_of.values().copied().collect();
    positions.sort();
    assert_eq!(
        positions,
        (1..=1_000).collect::<Vec<_>>(),
        "every join got its own place"
    );
    let again = join(&stack, a.addr, perf, &users[7]).await;
    assert_eq!(
        again["position"].as_i64(),
        Some(seq_of[&7]),
        "joining twice keeps the place"
    );

    // One minute on the injected clock, both gateways ticking every second.
    let mut admitted_by = [0i64, 0i64];
    for second in 1..=60 {
        stack.clock.advance_ms(1_000);
        for (n, gw) in [&a, &b].into_iter().enumerate() {
            for (_, tick) in gw.ticker.tick_all().await {
                admitted_by[n] += tick.admitted.unwrap_or(0);
            }
        }
        if second == 30 {
            assert_eq!(admitted_by.iter().sum::<i64>(), 300, "half a minute");
        }
    }
    let total: i64 = admitted_by.iter().sum();
    assert!(
        (540..=660).contains(&total),
        "admitted {total} in a minute at 600/min"
    );
    assert!(
        admitted_by.contains(&0),
        "only the lease holder admits: {admitted_by:?}"
    );

    // Exactly the first `total` joiners are in, in join order; the rest wait in order.
    let checks: Vec<(i64, Value)> = stream::iter(joined.iter())
        .map(|(i, data)| {
            let (stack, users) = (&stack, &users);
            let ticket = data["queueToken"].as_str().expect("ticket").to_owned();
            let seq = seq_of[i];
            async move { (seq, status(stack, a.addr, perf, &users[*i], &ticket).await) }
        })
        .buffer_unordered(50)
        .collect()
        .await;
    for (seq, data) in checks {
        if seq <= total {
            assert_eq!(data["status"], "ADMITTED", "seq {seq}: {data}");
            assert!(data["passToken"].is_string());
        } else {
            assert_eq!(data["status"], "WAITING", "seq {seq}: {data}");
            assert_eq!(data["position"].as_i64(), Some(seq - total));
            assert!(
                data["estimatedWaitSeconds"]
                    .as_i64()
                    .is_some_and(|s| s >= 0)
            );
            assert!(
                data["pollAfterMs"]
                    .as_i64()
                    .is_some_and(|ms| (800..=18_000).contains(&ms))
            );
        }
    }
}

#[tokio::test]
async fn a_hold_on_a_queued_performance_needs_a_pass_at_the_gateway_and_at_core_api() {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let (perf, seats) = stack.performance(4, 4).await;
    stack.enable_queue(perf, 60, 10).await;
    gw.ticker.tick_all().await;
    let user = stack.user().await;
    let hold = json!({ "performanceId": perf, "seatIds": [seats[0]] });
    let core = stack.cores[0].addr;

    let (via_gateway, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[],
            Some(hold.clone()),
        )
        .await;
    assert_eq!(
        (via_gateway, code(&body)),
        (StatusCode::FORBIDDEN, "QUEUE_PASS_REQUIRED")
    );
    let (direct, _, body) = stack
        .send(
            core,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[],
            Some(hold.clone()),
        )
        .await;
    assert_eq!(
        (direct, code(&body)),
        (StatusCode::FORBIDDEN, "QUEUE_PASS_REQUIRED")
    );

    let ticket = join(&stack, gw.addr, perf, &user).await["queueToken"]
        .as_str()
        .expect("ticket")
        .to_owned();
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    let standing = status(&stack, gw.addr, perf, &user, &ticket).await;
    assert_eq!(standing["status"], "ADMITTED", "{standing}");
    let pass = standing["passToken"].as_str().expect("pass").to_owned();

    // Someone else's pass, and the ticket itself, are not passes.
    let other = stack.user().await;
    for (who, token) in [(&other, pass.as_str()), (&user, ticket.as_str())] {
        let (s, _, body) = stack
            .send(
                gw.addr,
                Method::POST,
                "/api/v1/holds",
                Some(&who.token),
                &[("Queue-Token", token)],
                Some(hold.clone()),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "QUEUE_PASS_REQUIRED")
        );
        let (s, _, body) = stack
            .send(
                core,
                Method::POST,
                "/api/v1/holds",
                Some(&who.token),
                &[("Queue-Token", token)],
                Some(hold.clone()),
            )
            .await;
        assert_eq!(
            (s, code(&body)),
            (StatusCode::FORBIDDEN, "QUEUE_PASS_REQUIRED")
        );
    }
    let (s, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[("Queue-Token", &pass)],
            Some(hold),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn when_the_last_seat_sells_waiting_users_are_told_sold_out_and_admission_resumes_when_it_comes_back()
 {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let (perf, seats) = stack.performance(1, 1).await;
    stack.enable_queue(perf, 60, 10).await;
    gw.ticker.tick_all().await;
    let (buyer, waiter) = (stack.user().await, stack.user().await);
    let buyer_ticket = join(&stack, gw.addr, perf, &buyer).await["queueToken"]
        .as_str()
        .expect("t")
        .to_owned();
    let waiter_ticket = join(&stack, gw.addr, perf, &waiter).await["queueToken"]
        .as_str()
        .expect("t")
        .to_owned();
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    let pass = status(&stack, gw.addr, perf, &buyer, &buyer_ticket).await["passToken"]
        .as_str()
        .expect("pass")
        .to_owned();

    let (s, _, hold) = stack
        .send(
            gw.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&buyer.token),
            &[("Queue-Token", &pass)],
            Some(json!({ "performanceId": perf, "seatIds": [seats[0]] })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{hold}");
    let (s, _, reservation) = stack
        .send(gw.addr, Method::POST, "/api/v1/reservations", Some(&buyer.token), &[],
            Some(json!({ "holdId": hold["data"]["holdId"], "attendee": { "name": "Kim Minsu", "phone": "010-1234-5678" } })))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reservation}");
    // core-api raises the flag in Redis in the background, just after the commit.
    let flagged = eventually(Duration::from_secs(10), || async {
        let (s, _, stats) = stack
            .send(
                gw.addr,
                Method::GET,
                &format!("/api/v1/admin/queue/{perf}"),
                Some(&stack.admin),
                &[],
                None,
            )
            .await;
        s == StatusCode::OK && stats["data"]["soldOut"] == true
    })
    .await;
    assert!(flagged, "the sold-out flag was not raised");

    stack.clock.advance_ms(60_000);
    gw.ticker.tick_all().await;
    let standing = status(&stack, gw.addr, perf, &waiter, &waiter_ticket).await;
    assert_eq!(standing["status"], "SOLD_OUT", "{standing}");
    assert!(standing.get("passToken").is_none());
    let late = stack.user().await;
    assert_eq!(
        join(&stack, gw.addr, perf, &late).await["status"],
        "SOLD_OUT"
    );

    // The buyer cancels: the seat is back, the flag goes, and the line moves again.
    let cancel = format!(
        "/api/v1/reservations/{}/cancel",
        reservation["data"]["reservationId"].as_str().expect("id")
    );
    let (s, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            &cancel,
            Some(&buyer.token),
            &[],
            Some(json!({})),
        )
        .await;
    assert!(s.is_success(), "{s}: {body}");
    let resumed = eventually(Duration::from_secs(10), || async {
        stack.clock.advance_ms(1_000);
        gw.ticker.tick_all().await;
        status(&stack, gw.addr, perf, &waiter, &waiter_ticket).await["status"] == "ADMITTED"
    })
    .await;
    assert!(resumed, "admission did not resume when the seat came back");
}
