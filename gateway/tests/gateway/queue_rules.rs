//! The waiting room's rules on an injected clock: nobody is admitted before the sale opens, the
//! line has a maximum length, people who stop polling lose their place, unused passes free
//! their slot, and two gateways together never exceed `maxActive`.

use holdfast_contract::clock::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Gateway, Stack, User, code};
use crate::queue::{join, status};

/// A stack with one gateway and a 4-seat performance on sale behind a waiting room set so.
async fn queued(settings: Value) -> (Stack, Gateway, Uuid, Vec<Uuid>) {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let (perf, seats) = stack.performance(4, 4).await;
    stack.configure_queue(perf, settings).await;
    gw.ticker.tick_all().await;
    (stack, gw, perf, seats)
}

fn ticket(data: &Value) -> String {
    data["queueToken"].as_str().expect("ticket").to_owned()
}

async fn stats(stack: &Stack, gw: std::net::SocketAddr, perf: Uuid) -> Value {
    let path = format!("/api/v1/admin/queue/{perf}");
    let (s, _, body) = stack
        .send(gw, Method::GET, &path, Some(&stack.admin), &[], None)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["data"].clone()
}

async fn hold(
    stack: &Stack,
    gw: std::net::SocketAddr,
    user: &User,
    pass: &str,
    body: Value,
) -> (StatusCode, Value) {
    let (s, _, body) = stack
        .send(
            gw,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[("Queue-Token", pass)],
            Some(body),
        )
        .await;
    (s, body)
}

#[tokio::test]
async fn nobody_is_admitted_before_the_sale_opens_and_the_line_opens_with_the_prequeue() {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let opens = chrono::Utc::now() + chrono::Duration::minutes(20);
    let (perf, _) = stack.performance_opening(4, 4, Some(opens)).await;
    stack
        .configure_queue(
            perf,
            json!({ "enabled": true, "admitPerMinute": 600, "prequeueMinutes": 10 }),
        )
        .await;
    gw.ticker.tick_all().await;
    let (early, user) = (stack.user().await, stack.user().await);

    // Twenty minutes before the open the line is not open yet.
    let (s, _, body) = stack
        .send(
            gw.addr,
            Method::POST,
            &format!("/api/v1/queue/{perf}/join"),
            Some(&early.token),
            &[],
            None,
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::CONFLICT, "QUEUE_NOT_OPEN"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["saleOpensAt"], opens.timestamp());

    // Ten minutes before: the pre-queue; no place yet, a join token and the seed's hash.
    stack.clock.advance_ms(10 * 60_000 + 5_000);
    gw.ticker.tick_all().await;
    let joined = join(&stack, gw.addr, perf, &user).await;
    assert_eq!(joined["status"], "PREQUEUE", "{joined}");
    assert_eq!(joined["position"], 0);
    assert_eq!(joined["joinToken"].as_str().map(str::len), Some(64));
    assert_eq!(joined["seedHash"].as_str().map(str::len), Some(64));
    for _ in 0..9 {
        stack.clock.advance_ms(59_000);
        for (_, tick) in gw.ticker.tick_all().await {
            assert_eq!(tick.admitted.unwrap_or(0), 0, "admitted before the open");
        }
        assert_eq!(
            status(&stack, gw.addr, perf, &user, &ticket(&joined)).await["status"],
            "PREQUEUE"
        );
    }
    assert_eq!(stats(&stack, gw.addr, perf).await["admitted"], 0);

    // At the open: the draw, then admission.
    stack.clock.advance_ms(70_000);
    gw.ticker.tick_all().await;
    let drawn = status(&stack, gw.addr, perf, &user, &ticket(&joined)).await;
    assert_eq!(
        (drawn["status"].as_str(), drawn["position"].as_i64()),
        (Some("WAITING"), Some(1)),
        "{drawn}"
    );
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    let admitted = status(&stack, gw.addr, perf, &user, &ticket(&joined)).await;
    assert_eq!(admitted["status"], "ADMITTED", "{admitted}");
}

#[tokio::test]
async fn past_max_queue_length_joins_get_queue_full_with_retry_after() {
    let (stack, gw, perf, _) =
        queued(json!({ "enabled": true, "admitPerMinute": 60, "maxQueueLength": 3 })).await;
    let users = stack.users(4).await;
    for u in &users[..3] {
        assert_eq!(join(&stack, gw.addr, perf, u).await["status"], "WAITING");
    }
    let (s, headers, body) = stack
        .send(
            gw.addr,
            Method::POST,
            &format!("/api/v1/queue/{perf}/join"),
            Some(&users[3].token),
            &[],
            None,
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, "QUEUE_FULL"),
        "{body}"
    );
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!((1..=600).contains(&retry), "{retry}");
    // Those in line keep their place; once someone is admitted there is room again.
    assert_eq!(join(&stack, gw.addr, perf, &users[0]).await["position"], 1);
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    assert_eq!(
        join(&stack, gw.addr, perf, &users[3]).await["status"],
        "WAITING"
    );
}

#[tokio::test]
async fn people_who_stop_polling_lose_their_place_and_nobody_ahead_moves_back() {
    let (stack, gw, perf, _) =
        queued(json!({ "enabled": true, "admitPerMinute": 60, "abandonAfterPolls": 1 })).await;
    let users = stack.users(4).await;
    let mut tickets = Vec::new();
    for u in &users {
        tickets.push(ticket(&join(&stack, gw.addr, perf, u).await));
    }
    // users[1] and users[3] keep polling; users[0] and users[2] go quiet.
    let mut last = [i64::MAX; 4];
    for _ in 0..2 {
        stack.clock.advance_ms(10_000);
        for i in [1, 3] {
            let d = status(&stack, gw.addr, perf, &users[i], &tickets[i]).await;
            let p = d["position"].as_i64().expect("position");
            assert!(p <= last[i], "position moved back: {d}");
            last[i] = p;
        }
    }
    // users[0] asks after 20 s: the place is gone, said plainly, and a rejoin goes to the end.
    let gone = status(&stack, gw.addr, perf, &users[0], &tickets[0]).await;
    assert_eq!(
        (gone["status"].as_str(), gone["reason"].as_str()),
        (Some("EXPIRED"), Some("ABANDONED")),
        "{gone}"
    );
    // The ticks skip users[0] and users[2]: users[1] then users[3] are admitted.
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    assert_eq!(
        status(&stack, gw.addr, perf, &users[1], &tickets[1]).await["status"],
        "ADMITTED"
    );
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    assert_eq!(
        status(&stack, gw.addr, perf, &users[3], &tickets[3]).await["status"],
        "ADMITTED"
    );
    let quiet = status(&stack, gw.addr, perf, &users[2], &tickets[2]).await;
    assert_eq!(quiet["reason"], "ABANDONED", "{quiet}");
    let again = join(&stack, gw.addr, perf, &users[0]).await;
    assert_eq!(
        (again["status"].as_str(), again["position"].as_i64()),
        (Some("WAITING"), Some(1)),
        "{again}"
    );
    let text = crate::helpers::metrics_text(&stack, &gw).await;
    assert!(
        text.contains("gateway_queue_abandoned_total"),
        "no abandoned metric"
    );
}

#[tokio::test]
async fn an_unused_pass_frees_its_slot_and_is_refused_while_a_used_one_keeps_it() {
    let (stack, gw, perf, seats) = queued(
        json!({ "enabled": true, "admitPerMinute": 600, "maxActive": 1, "passUnusedSeconds": 10 }),
    )
    .await;
    let (idle, buyer) = (stack.user().await, stack.user().await);
    let idle_ticket = ticket(&join(&stack, gw.addr, perf, &idle).await);
    let buyer_ticket = ticket(&join(&stack, gw.addr, perf, &buyer).await);
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    let idle_pass = status(&stack, gw.addr, perf, &idle, &idle_ticket).await["passToken"]
        .as_str()
        .expect("pass")
        .to_owned();
    assert_eq!(
        status(&stack, gw.addr, perf, &buyer, &buyer_ticket).await["status"],
        "WAITING"
    );

    // Ten seconds without a hold: the slot goes to the buyer.
    stack.clock.advance_ms(11_000);
    gw.ticker.tick_all().await;
    let lost = status(&stack, gw.addr, perf, &idle, &idle_ticket).await;
    assert_eq!(
        (lost["status"].as_str(), lost["reason"].as_str()),
        (Some("EXPIRED"), Some("PASS_UNUSED")),
        "{lost}"
    );
    let (s, body) = hold(
        &stack,
        gw.addr,
        &idle,
        &idle_pass,
        json!({ "performanceId": perf, "seatIds": [seats[0]] }),
    )
    .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::FORBIDDEN, "QUEUE_PASS_REQUIRED"),
        "{body}"
    );
    let pass = status(&stack, gw.addr, perf, &buyer, &buyer_ticket).await["passToken"]
        .as_str()
        .expect("pass")
        .to_owned();
    let (s, body) = hold(
        &stack,
        gw.addr,
        &buyer,
        &pass,
        json!({ "performanceId": perf, "seatIds": [seats[1]] }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // Used: the slot lasts the pass window, past the ten seconds.
    stack.clock.advance_ms(20_000);
    gw.ticker.tick_all().await;
    assert_eq!(stats(&stack, gw.addr, perf).await["activePasses"], 1);
}

#[tokio::test]
async fn two_gateways_ticking_together_never_exceed_max_active() {
    let stack = Stack::new().await;
    let (a, b) = (stack.gateway().await, stack.gateway().await);
    let (perf, _) = stack.performance(4, 4).await;
    stack
        .configure_queue(perf, json!({ "enabled": true, "admitPerMinute": 6000, "maxActive": 5, "passUnusedSeconds": 30, "abandonAfterPolls": 100 }))
        .await;
    a.ticker.tick_all().await;
    b.ticker.tick_all().await;
    for n in 0..40 {
        a.ticker
            .queue
            .join(Uuid::new_v4(), perf, stack.clock.now_ms())
            .await
            .expect("join");
        if n % 8 == 0 {
            stack.clock.advance_ms(100);
        }
    }
    let mut admitted = 0;
    for second in 1..=70 {
        stack.clock.advance_ms(1_000);
        // Both tick at once, as two processes would.
        let (ta, tb) = tokio::join!(a.ticker.tick_all(), b.ticker.tick_all());
        for (_, tick) in ta.into_iter().chain(tb) {
            admitted += tick.admitted.unwrap_or(0);
            assert!(tick.active <= 5, "second {second}: {} active", tick.active);
        }
        let live = stats(&stack, a.addr, perf).await["activePasses"]
            .as_i64()
            .expect("n");
        assert!(live <= 5, "second {second}: {live} active");
    }
    // Three rounds of 5: at the start, after 30 s and after 60 s (unused slots are freed).
    assert_eq!(admitted, 15);
}

#[tokio::test]
async fn the_chance_compares_the_seats_left_with_the_people_ahead() {
    // Four seats, nothing sold yet: a buyer is assumed to take maxSeatsPerUser (4).
    let (stack, gw, perf, _) = queued(json!({ "enabled": true, "admitPerMinute": 60 })).await;
    let users = stack.users(2).await;
    let mut tickets = Vec::new();
    for u in &users {
        tickets.push(ticket(&join(&stack, gw.addr, perf, u).await));
    }
    // core-api's sync publishes the supply every 2 s; the gateway reads it on its tick (the
    // clock stands still, so nobody is admitted meanwhile).
    let known = crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
        gw.ticker.tick_all().await;
        !status(&stack, gw.addr, perf, &users[0], &tickets[0]).await["seatsLeft"].is_null()
    })
    .await;
    assert!(known, "the supply never reached the gateway");
    let first = status(&stack, gw.addr, perf, &users[0], &tickets[0]).await;
    let second = status(&stack, gw.addr, perf, &users[1], &tickets[1]).await;
    assert_eq!(
        (first["seatsLeft"].as_i64(), first["chance"].as_f64()),
        (Some(4), Some(1.0)),
        "{first}"
    );
    assert_eq!(second["chance"].as_f64(), Some(0.0), "{second}");
}
