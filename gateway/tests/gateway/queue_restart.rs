//! The line survives Redis restarting: a Redis of its own with the persistence the operations
//! guide asks for (AOF), 5,000 people in line, `kill -9`, a restart on the same directory:
//! everyone still has their place and admission goes on from where it was.

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use fred::prelude::*;
use futures::{StreamExt, stream};
use gateway::{
    admission::{queue::Queue, standing::Status},
    redis::Redis,
};
use holdfast_contract::keys::{self, config_field as f};
use uuid::Uuid;

use crate::helpers::eventually;

/// Whether a Redis answers PING on `port` (a plain TCP exchange, before any pool exists).
fn answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

fn start_redis(dir: &Path, port: u16) -> Child {
    Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "yes", "--appendfsync", "always"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server runs")
}

#[tokio::test]
async fn five_thousand_people_keep_their_places_across_a_redis_kill_and_restart() {
    let dir = std::env::temp_dir().join(format!("holdfast-aof-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("redis://127.0.0.1:{port}");
    let mut server = start_redis(&dir, port);
    assert!(
        eventually(Duration::from_secs(10), || async { answers(port) }).await,
        "redis did not start"
    );
    let redis = Redis::connect(&url, "restart:", Duration::from_secs(1)).expect("pool");
    assert!(
        eventually(Duration::from_secs(10), || async {
            redis.ping().await.is_ok()
        })
        .await,
        "no connection"
    );
    let queue = std::sync::Arc::new(Queue::new(redis.clone(), 600));
    let perf = Uuid::new_v4();
    // The settings core-api mirrors for a performance whose sale is open.
    let config: Vec<(&str, &str)> = vec![
        (f::ENABLED, "1"),
        (f::ADMIT_PER_MINUTE, "600"),
        (f::MAX_ACTIVE, "100000"),
        (f::SALE_OPENS_AT_MS, "0"),
        (f::ABANDON_AFTER_POLLS, "1000"),
    ];
    let () = redis
        .client()
        .hset(redis.queue_key(perf, keys::Queue::Config), config)
        .await
        .expect("config");
    let mut now = 1_000_000;
    queue.tick(perf, now, "a", 5_000).await.expect("tick");
    let users: Vec<Uuid> = (0..5_000).map(|_| Uuid::new_v4()).collect();
    let seqs: Vec<i64> = stream::iter(users.iter())
        .map(|u| {
            let q = queue.clone();
            async move { q.join(*u, perf, now).await.expect("join").seq }
        })
        .buffered(64)
        .collect()
        .await;
    now += 10_000;
    let before = queue
        .tick(perf, now, "a", 5_000)
        .await
        .expect("tick")
        .admitted
        .expect("leader");
    assert!(before > 0);

    server.kill().expect("kill -9");
    server.wait().expect("reaped");
    let mut server = start_redis(&dir, port);
    assert!(
        eventually(Duration::from_secs(10), || async { answers(port) }).await,
        "redis did not restart"
    );
    assert!(
        eventually(Duration::from_secs(10), || async {
            queue.status(users[0], perf, now).await.is_ok()
        })
        .await,
        "the pool did not reconnect"
    );

    let standings: Vec<(i64, Status, i64)> = stream::iter(users.iter().zip(&seqs))
        .map(|(u, seq)| {
            let q = queue.clone();
            async move {
                let s = q.status(*u, perf, now).await.expect("status");
                (*seq, s.status, s.seq)
            }
        })
        .buffered(64)
        .collect()
        .await;
    for (seq, status, after) in standings {
        assert_eq!(after, seq, "a place changed across the restart");
        let expected = if seq <= before {
            Status::Admitted
        } else {
            Status::Waiting
        };
        assert_eq!(status, expected, "seq {seq}");
    }
    now += 10_000;
    let tick = queue.tick(perf, now, "a", 5_000).await.expect("tick");
    assert!(
        tick.admitted.unwrap_or(0) > 0,
        "admission did not continue: {tick:?}"
    );
    let next = seqs
        .iter()
        .position(|s| *s == before + 1)
        .expect("the next in line");
    assert_eq!(
        queue
            .status(users[next], perf, now)
            .await
            .expect("status")
            .status,
        Status::Admitted
    );

    server.kill().ok();
    server.wait().ok();
    std::fs::remove_dir_all(&dir).ok();
}
