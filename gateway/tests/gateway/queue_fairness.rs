//! The pre-queue's fairness proof: 10,000 people join before the open; at the open the order
//! is exactly the one the revealed seed gives (recomputed here from the published data with a
//! separate HMAC), the seed matches its earlier commitment, and the verifier CLI agrees.

use std::{collections::HashMap, process::Command};

use futures::{StreamExt, stream};
use holdfast_contract::clock::Clock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::Stack;

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// HMAC-SHA256 from its definition (RFC 2104), independent of the gateway's implementation.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

async fn fairness_page(
    stack: &Stack,
    gw: std::net::SocketAddr,
    perf: Uuid,
    offset: usize,
) -> Value {
    let path = format!("/api/v1/queue/{perf}/fairness?offset={offset}&limit=4000");
    let (s, _, body) = stack.send(gw, Method::GET, &path, None, &[], None).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn ten_thousand_prequeue_joins_are_ordered_exactly_as_the_revealed_seed_says() {
    let stack = Stack::new().await;
    let gw = stack.gateway().await;
    let opens = chrono::Utc::now() + chrono::Duration::minutes(5);
    let (perf, _) = stack.performance_opening(4, 4, Some(opens)).await;
    stack
        .configure_queue(perf, json!({ "enabled": true, "admitPerMinute": 600, "prequeueMinutes": 30, "abandonAfterPolls": 1000 }))
        .await;
    gw.ticker.tick_all().await;
    let committed = fairness_page(&stack, gw.addr, perf, 0).await["data"].clone();
    let seed_hash = committed["seedHash"]
        .as_str()
        .expect("seed hash committed")
        .to_owned();
    assert!(
        committed["seed"].is_null(),
        "seed revealed early: {committed}"
    );

    let queue = gw.ticker.queue.clone();
    let now = stack.clock.now_ms();
    let joined: Vec<(Uuid, String)> = stream::iter(0..10_000)
        .map(|_| {
            let queue = queue.clone();
            async move {
                let user = Uuid::new_v4();
                let s = queue.join(user, perf, now).await.expect("join");
                assert_eq!(s.seq, 0, "a place before the draw");
                (user, s.join_token)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    for _ in 0..4 {
        stack.clock.advance_ms(60_000);
        for (_, tick) in gw.ticker.tick_all().await {
            assert_eq!(tick.admitted.unwrap_or(0), 0, "admitted before the open");
        }
    }

    stack.clock.advance_ms(120_000);
    gw.ticker.tick_all().await;
    let mut hashes = Vec::new();
    let mut pages = Vec::new();
    while hashes.len() < 10_000 {
        let page = fairness_page(&stack, gw.addr, perf, hashes.len()).await;
        let data = &page["data"];
        assert_eq!(data["seedHash"], seed_hash.as_str());
        assert_eq!(data["joinTokenHashesTotal"], 10_000);
        hashes.extend(
            data["joinTokenHashes"]
                .as_array()
                .expect("hashes")
                .iter()
                .map(|h| h.as_str().expect("hex").to_owned()),
        );
        pages.push(page);
    }
    let seed = pages[0]["data"]["seed"]
        .as_str()
        .expect("seed revealed")
        .to_owned();
    assert_eq!(
        sha256_hex(&seed),
        seed_hash,
        "the seed is the committed one"
    );
    let mut keyed: Vec<(Vec<u8>, &String)> = hashes
        .iter()
        .map(|h| (hmac_sha256(seed.as_bytes(), h.as_bytes()), h))
        .collect();
    keyed.sort();
    let place_of: HashMap<&String, i64> = keyed
        .iter()
        .enumerate()
        .map(|(i, (_, h))| (*h, i as i64 + 1))
        .collect();

    let now = stack.clock.now_ms();
    let standings: Vec<(i64, i64)> = stream::iter(joined.iter())
        .map(|(user, token)| {
            let queue = queue.clone();
            let expected = place_of[&sha256_hex(token)];
            async move {
                (
                    expected,
                    queue.status(*user, perf, now).await.expect("status").seq,
                )
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    for (expected, seq) in standings {
        assert_eq!(seq, expected, "a place differs from the seed's order");
    }

    // The verifier CLI reads the same pages and finds the same place.
    let dir = std::env::temp_dir().join(format!("holdfast-fairness-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let files: Vec<String> = pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let path = dir.join(format!("page{i}.json"));
            std::fs::write(&path, page.to_string()).expect("write page");
            path.display().to_string()
        })
        .collect();
    let (user, token) = &joined[1234];
    let out = Command::new(env!("CARGO_BIN_EXE_holdfast-queue-verify"))
        .arg("--token")
        .arg(token)
        .args(&files)
        .output()
        .expect("run the verifier");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let place: i64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a place");
    assert_eq!(
        place,
        queue.status(*user, perf, now).await.expect("status").seq
    );

    // Admission starts after the open, from place 1.
    stack.clock.advance_ms(1_000);
    let admitted: i64 = gw
        .ticker
        .tick_all()
        .await
        .iter()
        .map(|(_, t)| t.admitted.unwrap_or(0))
        .sum();
    assert!(admitted > 0, "admission did not start after the open");
    let first = keyed[0].1;
    let (user, _) = joined
        .iter()
        .find(|(_, t)| &sha256_hex(t) == first)
        .expect("first");
    assert_eq!(
        queue
            .status(*user, perf, now + 1_000)
            .await
            .expect("status")
            .status,
        gateway::admission::standing::Status::Admitted
    );
}
