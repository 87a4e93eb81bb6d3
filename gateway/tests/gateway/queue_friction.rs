//! Bot friction in the waiting room: the proof-of-work challenge on join (refused without or
//! with a wrong solution, accepted once with a right one, harder as the line grows) and passes
//! bound to the client's key (a proof from another key, or a replayed proof, is refused by the
//! gateway and by core-api when asked directly). A line without either behaves as before.

use std::net::SocketAddr;

use gateway::admission::pow;
use holdfast_contract::{clock::Clock, dpop::testing::ClientKey};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Stack, User, code};
use crate::queue::status;

const HOLDS: &str = "/api/v1/holds";

async fn post(
    stack: &Stack,
    addr: SocketAddr,
    path: &str,
    user: &User,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (s, _, body) = stack
        .send(addr, Method::POST, path, Some(&user.token), headers, body)
        .await;
    (s, body)
}

async fn challenge(stack: &Stack, gw: SocketAddr, perf: Uuid, user: &User) -> Value {
    let path = format!("/api/v1/queue/{perf}/challenge");
    let (s, body) = post(stack, gw, &path, user, &[], None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["data"].clone()
}

fn solution(c: &Value) -> Value {
    let text = c["challenge"].as_str().expect("challenge");
    let bits = c["difficulty"].as_i64().expect("difficulty");
    json!({ "challenge": text, "nonce": pow::solve(text, bits) })
}

/// A nonce that does not solve the challenge.
fn wrong_nonce(c: &Value) -> String {
    let text = c["challenge"].as_str().expect("challenge");
    let bits = c["difficulty"].as_i64().expect("difficulty");
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| pow::leading_zero_bits(&pow::solution_digest(text, n)) < bits)
        .expect("a wrong nonce")
}

async fn join_with(
    stack: &Stack,
    gw: SocketAddr,
    perf: Uuid,
    user: &User,
    body: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/queue/{perf}/join");
    post(stack, gw, &path, user, &[], Some(body)).await
}

async fn waiting(stack: &Stack, gw: SocketAddr, perf: Uuid) -> i64 {
    let path = format!("/api/v1/admin/queue/{perf}");
    let (s, _, body) = stack
        .send(gw, Method::GET, &path, Some(&stack.admin), &[], None)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["data"]["waiting"].as_i64().expect("waiting")
}

#[tokio::test]
async fn a_join_needs_a_right_solution_and_a_solution_is_used_once() {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let (perf, _) = stack.performance(4, 4).await;
    let (other_perf, _) = stack.performance(4, 4).await;
    let line =
        json!({ "enabled": true, "admitPerMinute": 60, "powBits": 6, "maxQueueLength": 100 });
    stack.configure_queue(perf, line.clone()).await;
    stack.configure_queue(other_perf, line).await;
    gw.ticker.tick_all().await;
    let (user, someone) = (stack.user().await, stack.user().await);
    let join_path = format!("/api/v1/queue/{perf}/join");

    // Without a solution.
    let (s, body) = post(&stack, gw.addr, &join_path, &user, &[], None).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::FORBIDDEN, "POW_REQUIRED"),
        "{body}"
    );
    assert_eq!(
        body["error"]["details"]["challengeUrl"],
        format!("/api/v1/queue/{perf}/challenge")
    );

    // With a wrong one, and with one of a challenge for another line or someone else.
    let c = challenge(&stack, gw.addr, perf, &user).await;
    assert_eq!(
        (c["required"].as_bool(), c["difficulty"].as_i64()),
        (Some(true), Some(6))
    );
    let wrong = json!({ "pow": { "challenge": c["challenge"], "nonce": wrong_nonce(&c) } });
    let (s, body) = join_with(&stack, gw.addr, perf, &user, wrong).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::FORBIDDEN, "POW_INVALID"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["reason"], "WRONG_SOLUTION");
    let elsewhere = challenge(&stack, gw.addr, other_perf, &user).await;
    let (s, body) = join_with(
        &stack,
        gw.addr,
        perf,
        &user,
        json!({ "pow": solution(&elsewhere) }),
    )
    .await;
    assert_eq!(
        (s, body["error"]["details"]["reason"].as_str()),
        (StatusCode::FORBIDDEN, Some("NOT_ISSUED"))
    );
    let (s, body) = join_with(
        &stack,
        gw.addr,
        perf,
        &someone,
        json!({ "pow": solution(&c) }),
    )
    .await;
    assert_eq!(
        (s, body["error"]["details"]["reason"].as_str()),
        (StatusCode::FORBIDDEN, Some("NOT_ISSUED"))
    );
    let (s, body) = join_with(&stack, gw.addr, perf, &user, json!({ "pow": "x" })).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
        "{body}"
    );
    assert_eq!(
        waiting(&stack, gw.addr, perf).await,
        0,
        "refused joins changed nothing"
    );

    // With a right one: in line.
    let right = json!({ "pow": solution(&c) });
    let (s, body) = join_with(&stack, gw.addr, perf, &user, right.clone()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        (
            body["data"]["status"].as_str(),
            body["data"]["position"].as_i64()
        ),
        (Some("WAITING"), Some(1))
    );

    // The same solution again is refused.
    let (s, body) = join_with(&stack, gw.addr, perf, &user, right).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::FORBIDDEN, "POW_INVALID"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["reason"], "USED");
    assert_eq!(waiting(&stack, gw.addr, perf).await, 1);
}

#[tokio::test]
async fn the_difficulty_rises_with_the_pressure_on_the_line() {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let (perf, _) = stack.performance(4, 4).await;
    stack
        .configure_queue(
            perf,
            json!({ "enabled": true, "admitPerMinute": 60, "powBits": 3, "maxQueueLength": 8 }),
        )
        .await;
    gw.ticker.tick_all().await;
    let users = stack.users(6).await;

    // One bit more for every eighth of maxQueueLength in line: 3 bits empty, 3 + n with n in line.
    let mut seen = Vec::new();
    for (n, user) in users.iter().enumerate() {
        let c = challenge(&stack, gw.addr, perf, user).await;
        assert_eq!(c["peopleInLine"].as_i64(), Some(n as i64), "{c}");
        seen.push(c["difficulty"].as_i64().expect("difficulty"));
        let (s, body) =
            join_with(&stack, gw.addr, perf, user, json!({ "pow": solution(&c) })).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    assert_eq!(seen, vec![3, 4, 5, 6, 7, 8]);
}

/// A line that binds passes, one admitted user with their key; returns what a hold needs.
struct Bound {
    stack: Stack,
    gw: crate::helpers::Gateway,
    perf: Uuid,
    seats: Vec<Uuid>,
    user: User,
    key: ClientKey,
    pass: String,
}

async fn bound_and_admitted() -> Bound {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let (perf, seats) = stack.performance(6, 6).await;
    stack
        .configure_queue(
            perf,
            json!({ "enabled": true, "admitPerMinute": 60, "maxActive": 10, "bindPasses": true }),
        )
        .await;
    gw.ticker.tick_all().await;
    let user = stack.user().await;
    let key = ClientKey::generate();

    let (s, body) = join_with(&stack, gw.addr, perf, &user, json!({})).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["field"], "jwk");
    let (s, body) = join_with(
        &stack,
        gw.addr,
        perf,
        &user,
        json!({ "jwk": { "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA" } }),
    )
    .await;
    assert_eq!(
        (s, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("jwk"))
    );

    let (s, body) = join_with(&stack, gw.addr, perf, &user, json!({ "jwk": key.jwk })).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let ticket = body["data"]["queueToken"]
        .as_str()
        .expect("ticket")
        .to_owned();
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    let standing = status(&stack, gw.addr, perf, &user, &ticket).await;
    assert_eq!(standing["status"], "ADMITTED", "{standing}");
    assert_eq!(
        standing["passBoundTo"].as_str(),
        Some(key.thumbprint().as_str())
    );
    let pass = standing["passToken"].as_str().expect("pass").to_owned();
    Bound {
        stack,
        gw,
        perf,
        seats,
        user,
        key,
        pass,
    }
}

impl Bound {
    fn now_secs(&self) -> i64 {
        self.stack.clock.now_ms() / 1000
    }

    async fn hold(
        &self,
        addr: SocketAddr,
        seat: usize,
        proof: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut headers = vec![("Queue-Token", self.pass.as_str())];
        if let Some(proof) = proof {
            headers.push(("DPoP", proof));
        }
        let body = json!({ "performanceId": self.perf, "seatIds": [self.seats[seat]] });
        post(&self.stack, addr, HOLDS, &self.user, &headers, Some(body)).await
    }
}

fn refusal(result: &(StatusCode, Value)) -> (StatusCode, &str, &str) {
    (
        result.0,
        code(&result.1),
        result.1["error"]["details"]["reason"]
            .as_str()
            .unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_bound_pass_is_refused_at_the_gateway_with_a_proof_from_another_key_or_replayed() {
    let b = bound_and_admitted().await;
    let gw = b.gw.addr;
    let url = format!("http://{gw}{HOLDS}");
    let forbidden = StatusCode::FORBIDDEN;

    let r = b.hold(gw, 0, None).await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "MISSING"),
        "{}",
        r.1
    );
    let thief = ClientKey::generate();
    let r = b
        .hold(gw, 0, Some(&thief.proof("POST", &url, b.now_secs())))
        .await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "WRONG_KEY"),
        "{}",
        r.1
    );
    let r = b
        .hold(gw, 0, Some(&b.key.proof("GET", &url, b.now_secs())))
        .await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "WRONG_REQUEST")
    );
    let r = b
        .hold(gw, 0, Some(&b.key.proof("POST", &url, b.now_secs() - 120)))
        .await;
    assert_eq!(refusal(&r), (forbidden, "DPOP_PROOF_INVALID", "STALE"));

    let proof = b.key.proof("POST", &url, b.now_secs());
    let (s, body) = b.hold(gw, 0, Some(&proof)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let r = b.hold(gw, 1, Some(&proof)).await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "REPLAYED"),
        "{}",
        r.1
    );
    let (s, body) = b
        .hold(gw, 1, Some(&b.key.proof("POST", &url, b.now_secs())))
        .await;
    assert_eq!(s, StatusCode::CREATED, "a fresh proof is fine: {body}");
}

#[tokio::test]
async fn a_bound_pass_is_refused_by_core_api_directly_with_a_proof_from_another_key_or_replayed() {
    let b = bound_and_admitted().await;
    let core = b.stack.cores[0].addr;
    let url = format!("http://{core}{HOLDS}");
    let forbidden = StatusCode::FORBIDDEN;

    let r = b.hold(core, 0, None).await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "MISSING"),
        "{}",
        r.1
    );
    let thief = ClientKey::generate();
    let r = b
        .hold(core, 0, Some(&thief.proof("POST", &url, b.now_secs())))
        .await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "WRONG_KEY"),
        "{}",
        r.1
    );
    let r = b
        .hold(
            core,
            0,
            Some(&b.key.proof("POST", "/api/v1/reservations", b.now_secs())),
        )
        .await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "WRONG_REQUEST")
    );

    let proof = b.key.proof("POST", &url, b.now_secs());
    let (s, body) = b.hold(core, 0, Some(&proof)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let r = b.hold(core, 1, Some(&proof)).await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "REPLAYED"),
        "{}",
        r.1
    );

    // A proof the gateway let through cannot be replayed at core-api either.
    let through = b.key.proof(
        "POST",
        &format!("http://{}{HOLDS}", b.gw.addr),
        b.now_secs(),
    );
    let (s, body) = b.hold(b.gw.addr, 2, Some(&through)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let r = b.hold(core, 3, Some(&through)).await;
    assert_eq!(
        refusal(&r),
        (forbidden, "DPOP_PROOF_INVALID", "REPLAYED"),
        "{}",
        r.1
    );
}

#[tokio::test]
async fn a_line_without_friction_behaves_as_before() {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let (perf, seats) = stack.performance(4, 4).await;
    stack.enable_queue(perf, 60, 10).await;
    gw.ticker.tick_all().await;
    let user = stack.user().await;

    // No body at join; a key sent anyway is ignored; the pass is not bound.
    let c = challenge(&stack, gw.addr, perf, &user).await;
    assert_eq!(
        (c["required"].as_bool(), c["difficulty"].as_i64()),
        (Some(false), Some(0))
    );
    let key = ClientKey::generate();
    let (s, body) = join_with(&stack, gw.addr, perf, &user, json!({ "jwk": key.jwk })).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let ticket = body["data"]["queueToken"]
        .as_str()
        .expect("ticket")
        .to_owned();
    stack.clock.advance_ms(1_000);
    gw.ticker.tick_all().await;
    let standing = status(&stack, gw.addr, perf, &user, &ticket).await;
    assert_eq!(standing["status"], "ADMITTED", "{standing}");
    assert_eq!(standing["passBoundTo"], Value::Null);
    let pass = standing["passToken"].as_str().expect("pass");
    let hold = json!({ "performanceId": perf, "seatIds": [seats[0]] });
    let (s, body) = post(
        &stack,
        gw.addr,
        HOLDS,
        &user,
        &[("Queue-Token", pass)],
        Some(hold),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
}
