//! Gateway overhead benchmark (not a test): throughput and latency of the same requests sent
//! straight to core-api, through the gateway with its whole pipeline on, and through a bare
//! TCP relay (the ceiling for any proxy on the same cores), in one run; and the gateway's
//! memory with 10,000 open client connections.
//!
//! Run (release binaries first; PostgreSQL and Redis as for the tests):
//!
//! ```sh
//! cargo build --release -p core-api -p gateway && cargo bench -p gateway --bench proxy
//! ```
//!
//! Knobs: BENCH_SECS (10), BENCH_CONNECTIONS (64), BENCH_IDLE_CONNECTIONS (10000, per set),
//! BENCH_BIN_DIR (the release directory of CARGO_TARGET_DIR or ./target).

use std::{
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{Arc, LazyLock},
    time::{Duration, Instant},
};

use core_api::shared::{
    domain::{Password, Role},
    services::auth::JwtKeys,
    storage::users::UserRepo,
};
use holdfast_contract::testing::random_secret;
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Fresh secrets per run: the services refuse published ones.
static JWT_SECRET: LazyLock<String> = LazyLock::new(random_secret);
static QUEUE_SECRET: LazyLock<String> = LazyLock::new(random_secret);

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends one HTTP/1.1 request on a kept-alive connection and reads the whole response
/// (Content-Length framed). Returns the status.
async fn roundtrip(
    stream: &mut TcpStream,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<u16> {
    stream.write_all(request).await?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
    }
}

struct Run {
    requests: u64,
    errors: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Closed loop: `connections` clients each sending back to back for `secs`.
async fn load(addr: SocketAddr, request: Arc<Vec<u8>>, connections: usize, secs: u64) -> Run {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut buf = Vec::with_capacity(16 * 1024);
            let Ok(mut stream) = TcpStream::connect(addr).await else {
                return (latencies, 1);
            };
            let _ = stream.set_nodelay(true);
            while Instant::now() < deadline {
                let t = Instant::now();
                match roundtrip(&mut stream, &request, &mut buf).await {
                    Ok(200) => latencies.push(t.elapsed()),
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        match TcpStream::connect(addr).await {
                            Ok(s) => stream = s,
                            Err(_) => break,
                        }
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Run {
        requests: all.len() as u64,
        errors,
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmRSS:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().to_owned())
            })
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Opens `n` connections to the gateway; each sends `request` (if any) and reads the answer.
/// Returns once the gateway has accepted every one of them: a last request on a fresh
/// connection is answered only after the accept loop has taken all the earlier ones.
async fn open_connections(addr: SocketAddr, n: usize, request: Option<&[u8]>) -> Vec<TcpStream> {
    let mut open = Vec::with_capacity(n);
    let mut buf = Vec::new();
    for _ in 0..n {
        match TcpStream::connect(addr).await {
            Ok(mut s) => match request {
                Some(request) => {
                    if let Ok(200) = roundtrip(&mut s, request, &mut buf).await {
                        open.push(s);
                    }
                }
                None => open.push(s),
            },
            Err(e) => {
                eprintln!("connect failed after {} connections: {e}", open.len());
                break;
            }
        }
    }
    if let Ok(mut s) = TcpStream::connect(addr).await {
        let _ = roundtrip(
            &mut s,
            b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n",
            &mut buf,
        )
        .await;
    }
    open
}

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// User plus system CPU time of a process so far, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// A bare TCP relay in front of `upstream`: what a proxy that does nothing but the two extra
/// loopback hops would cost. It runs in this process, beside the client.
async fn start_relay(upstream: SocketAddr) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind relay");
    let addr = listener.local_addr().expect("relay addr");
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    addr
}

async fn wait_ready(url_addr: SocketAddr) {
    for _ in 0..200 {
        if let Ok(mut s) = TcpStream::connect(url_addr).await {
            let mut buf = Vec::new();
            if let Ok(200) = roundtrip(
                &mut s,
                b"GET /readyz HTTP/1.1\r\nHost: bench\r\n\r\n",
                &mut buf,
            )
            .await
            {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url_addr} never became ready");
}

#[tokio::main]
async fn main() {
    let secs = env_or("BENCH_SECS", 10);
    let connections = env_or("BENCH_CONNECTIONS", 64) as usize;
    let idle_connections = env_or("BENCH_IDLE_CONNECTIONS", 10_000) as usize;
    let bin_dir = std::env::var("BENCH_BIN_DIR").unwrap_or_else(|_| {
        format!(
            "{}/release",
            std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "../target".to_owned())
        )
    });
    let base = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let redis_url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let db_name = format!("holdfast_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&base).await.expect("postgres");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {db_name}"))
        .await
        .expect("create db");
    let db_url = format!(
        "{}/{db_name}",
        base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s)
    );
    let db = Database::connect(&db_url).await.expect("bench db");
    migration::Migrator::up(&db, None).await.expect("migrate");
    let prefix = format!("bench:{}:", uuid::Uuid::new_v4().simple());

    let core_port = free_port();
    let core_addr: SocketAddr = format!("127.0.0.1:{core_port}").parse().expect("addr");
    let core = Proc(
        Command::new(format!("{bin_dir}/core-api"))
            .env("DATABASE_URL", &db_url)
            .env("REDIS_URL", &redis_url)
            .env("CORE_REDIS_KEY_PREFIX", &prefix)
            .env("CORE_JWT_SECRET", JWT_SECRET.as_str())
            .env("CORE_QUEUE_PASS_SECRET", QUEUE_SECRET.as_str())
            .env("CORE_LISTEN_ADDR", core_addr.to_string())
            .env("CORE_METRICS_ADDR", format!("127.0.0.1:{}", free_port()))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start core-api (build it with cargo build --release -p core-api)"),
    );
    wait_ready(core_addr).await;
    let gw_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let gateway = Proc(
        Command::new(format!("{bin_dir}/gateway"))
            .env("REDIS_URL", &redis_url)
            .env("GATEWAY_REDIS_KEY_PREFIX", &prefix)
            .env("GATEWAY_JWT_SECRET", JWT_SECRET.as_str())
            .env("GATEWAY_QUEUE_PASS_SECRET", QUEUE_SECRET.as_str())
            .env("GATEWAY_LISTEN_ADDR", gw_addr.to_string())
            .env("GATEWAY_METRICS_ADDR", format!("127.0.0.1:{}", free_port()))
            .env("GATEWAY_UPSTREAMS", core_addr.to_string())
            // The pipeline stays on; the budgets are sized so that one benchmark client is not refused.
            .env("GATEWAY_RATE_PER_IP_PER_SEC", "1000000")
            .env("GATEWAY_RATE_PER_IP_BURST", "1000000")
            .env("GATEWAY_RATE_PER_USER_PER_SEC", "1000000")
            .env("GATEWAY_RATE_PER_USER_BURST", "1000000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start gateway (build it with cargo build --release -p gateway)"),
    );
    wait_ready(gw_addr).await;

    // A user with a real token, and a small venue whose seat map is the request under test.
    let user = UserRepo::new(db.clone())
        .insert(
            "bench@holdfast.dev",
            &Password::parse("bench-password")
                .and_then(|p| p.hash())
                .expect("hash"),
            "Bench",
            "ADMIN",
        )
        .await
        .expect("user");
    let core_config = core_api::config::Config::from_vars(
        [("CORE_JWT_SECRET", JWT_SECRET.as_str())]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
    .expect("config");
    let token = JwtKeys::new(&core_config)
        .issue(user.id, Role::Admin, 0)
        .expect("token");
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("http://{core_addr}/api/v1{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let venue: serde_json::Value = post("/admin/venues", json!({ "name": "Bench Hall", "layout": { "sections": [{ "name": "A", "priceTier": "R", "rows": 3, "seatsPerRow": 3 }] } }))
        .await.expect("venue").json().await.expect("json");
    let event: serde_json::Value = post(
        "/admin/events",
        json!({ "venueId": venue["data"]["id"], "title": "Bench Event" }),
    )
    .await
    .expect("event")
    .json()
    .await
    .expect("json");
    let now = chrono::Utc::now();
    let perf: serde_json::Value = post(&format!("/admin/events/{}/performances", event["data"]["id"].as_str().unwrap_or_default()), json!({
        "startsAt": now + chrono::Duration::days(7), "saleOpensAt": now - chrono::Duration::hours(1),
        "saleClosesAt": now + chrono::Duration::days(7), "prices": { "R": 50000 } }))
        .await.expect("perf").json().await.expect("json");
    let perf_id = perf["data"]["id"].as_str().unwrap_or_default().to_owned();

    let relay_addr = start_relay(core_addr).await;
    let scenarios = [
        (
            "GET /api/v1/performances/{id}/seats (9 seats, with token)",
            format!(
                "GET /api/v1/performances/{perf_id}/seats HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
            ),
        ),
        (
            "GET /api/v1/auth/me",
            format!(
                "GET /api/v1/auth/me HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
            ),
        ),
    ];
    println!(
        "\n# gateway benchmark: {secs}s per run, {connections} connections, same client, one run\n"
    );
    println!(
        "| request | target | req/s | p50 ms | p99 ms | errors | p50 ms at 1 connection | CPU µs per request: gateway / core-api / client |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---|");
    for (name, request) in scenarios {
        let request = Arc::new(request.into_bytes());
        let mut results = Vec::new();
        for (target, addr) in [
            ("core-api direct", core_addr),
            ("through gateway", gw_addr),
            ("through a bare TCP relay", relay_addr),
        ] {
            let _warmup = load(addr, request.clone(), connections, 2).await;
            let pids = [gateway.0.id(), core.0.id(), std::process::id()];
            let cpu_before = pids.map(cpu_ticks);
            let run = load(addr, request.clone(), connections, secs).await;
            let cpu = [0, 1, 2].map(|i| {
                let ticks = cpu_ticks(pids[i]).saturating_sub(cpu_before[i]);
                ticks as f64 * 1e6 / TICKS_PER_SEC / run.requests.max(1) as f64
            });
            let single = load(addr, request.clone(), 1, secs.min(5)).await;
            println!(
                "| {name} | {target} | {:.0} | {:.2} | {:.2} | {} | {:.3} | {:.0} / {:.0} / {:.0} |",
                run.rps, run.p50_ms, run.p99_ms, run.errors, single.p50_ms, cpu[0], cpu[1], cpu[2]
            );
            results.push((run, single));
        }
        let (direct, via, relay) = (&results[0], &results[1], &results[2]);
        println!(
            "| {name} | **gateway ÷ direct** | **{:.2}×** | | | | **+{:.3} ms** | |",
            via.0.rps / direct.0.rps.max(1.0),
            via.1.p50_ms - direct.1.p50_ms
        );
        println!(
            "| {name} | relay ÷ direct (the most any proxy could keep here) | {:.2}× | | | | +{:.3} ms | |",
            relay.0.rps / direct.0.rps.max(1.0),
            relay.1.p50_ms - direct.1.p50_ms
        );
    }

    // Memory with many open client connections: first connections that never send a byte,
    // then connections that made one request the gateway answers itself (`/healthz`), then
    // connections that made one proxied request (the seat map). Each set is closed before the
    // next one opens; the figure is the RSS while the set is open.
    let after_runs = rss_kib(gateway.0.id());
    println!(
        "\n| open client connections | gateway RSS MiB | KiB per connection |\n|---|---:|---:|\n| none (after the runs) | {:.1} | |",
        after_runs as f64 / 1024.0
    );
    let seat_map = format!(
        "GET /api/v1/performances/{perf_id}/seats HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    let phases: [(&str, Option<&[u8]>); 3] = [
        ("never sent a byte", None),
        (
            "one `GET /healthz` each",
            Some(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"),
        ),
        ("one proxied seat-map read each", Some(seat_map.as_bytes())),
    ];
    let fds = open_fds(gateway.0.id());
    for (name, request) in phases {
        let base = rss_kib(gateway.0.id());
        let open = open_connections(gw_addr, idle_connections, request).await;
        let with_open = rss_kib(gateway.0.id());
        println!(
            "| {} × {name} | {:.1} | {:.1} |",
            open.len(),
            with_open as f64 / 1024.0,
            with_open.saturating_sub(base) as f64 / open.len().max(1) as f64
        );
        drop(open);
        // The next set starts once the gateway has closed this one's sockets.
        let deadline = Instant::now() + Duration::from_secs(30);
        while open_fds(gateway.0.id()) > fds + 16 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(gateway);
    drop(core);
    drop(db);
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))
        .await;
}
