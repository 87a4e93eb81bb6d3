//! Command line and environment of the load driver: one subcommand per scenario, shared flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "loadtest",
    about = "Flash-crowd scenarios against Holdfast, each followed by an invariant check"
)]
pub struct Cli {
    #[command(subcommand)]
    pub scenario: Scenario,
}

#[derive(Subcommand, Debug)]
pub enum Scenario {
    /// N buyers against M seats through the gateway: queue, hold, reserve, pay.
    FlashSale(FlashSaleArgs),
    /// K clients on one seat, R rounds: exactly one winner per round.
    HotSeat(HotSeatArgs),
    /// Distinct-seat hold throughput through the gateway and straight to core-api, then
    /// reservation commits/s.
    Holds(HoldsArgs),
    /// Many people join one waiting room: join p99, Redis memory per waiting person, and
    /// admission accuracy against admitPerMinute (docs/benchmarks.md).
    QueueMillion(QueueMillionArgs),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Fixed arrival rate (`--rate` per second), in-flight capped by `--concurrency`.
    Open,
    /// `--concurrency` workers, each starting the next virtual user when its last one ends.
    Closed,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Base URL users talk to (the gateway); several, separated by commas, take turns
    /// (`http://127.0.0.1:8080,http://127.0.0.1:8081`: two gateways of one system).
    #[arg(long, env = "LOADTEST_TARGET", default_value = "http://127.0.0.1:8080")]
    pub target: String,
    /// core-api's own URL (admin setup may use either; `holds` compares both).
    #[arg(long, env = "LOADTEST_DIRECT", default_value = "http://127.0.0.1:3000")]
    pub direct: String,
    /// PostgreSQL of the system under test: buyers are created there and the invariant
    /// check reads it.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/holdfast"
    )]
    pub database_url: String,
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    pub redis_url: String,
    /// Same value as core-api's CORE_REDIS_KEY_PREFIX.
    #[arg(long, env = "CORE_REDIS_KEY_PREFIX", default_value = "")]
    pub redis_prefix: String,
    /// core-api's HS256 key: the driver mints access tokens for most buyers with it
    /// (`scripts/up` keeps the one it generated in `.holdfast/secrets.env`).
    #[arg(long, env = "CORE_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: String,
    #[arg(long, env = "CORE_JWT_ISSUER", default_value = "holdfast")]
    pub jwt_issuer: String,
    #[arg(long, env = "CORE_JWT_AUDIENCE", default_value = "holdfast-api")]
    pub jwt_audience: String,
    #[arg(long, value_enum, default_value_t = Mode::Open)]
    pub mode: Mode,
    /// Open loop: virtual users started per second.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Most virtual users in flight at once (open loop) / number of workers (closed loop).
    #[arg(long, default_value_t = 512)]
    pub concurrency: usize,
    /// Write the JSON report here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write an HTML page with SVG charts of throughput and latency over time here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// No progress bar (CI logs).
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct FlashSaleArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, default_value_t = 50_000)]
    pub buyers: usize,
    #[arg(long, default_value_t = 10_000)]
    pub seats: usize,
    /// Share of buyers that log in through the real /auth/login (argon2); the rest get
    /// tokens minted by the driver.
    #[arg(long, default_value_t = 0.02)]
    pub login_share: f64,
    /// Waiting room: admissions per minute and most active passes.
    #[arg(long, default_value_t = 1_000_000)]
    pub admit_per_minute: i32,
    #[arg(long, default_value_t = 1_000_000)]
    pub max_active: i32,
    /// Upper bound on the queue status poll interval (the server's pollAfterMs is capped).
    #[arg(long, default_value_t = 500)]
    pub poll_cap_ms: u64,
    /// Share of holders that walk away from their hold (half release it, half let it expire).
    #[arg(long, default_value_t = 0.05)]
    pub abandon_share: f64,
    /// Share of buyers that double-click "hold".
    #[arg(long, default_value_t = 0.05)]
    pub double_click_share: f64,
    /// Share of buyers that resend reserve/pay with the same Idempotency-Key.
    #[arg(long, default_value_t = 0.05)]
    pub retry_share: f64,
    /// Give up the whole run after this many seconds (the check still runs).
    #[arg(long, default_value_t = 900)]
    pub deadline_secs: u64,
    /// An organizer watches the sale in the control room the whole run (one admin reading
    /// the live stream through the first target); the report gains `controlRoom`.
    #[arg(long)]
    pub watch_control_room: bool,
}

#[derive(Args, Debug, Clone)]
pub struct HotSeatArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, default_value_t = 256)]
    pub clients: usize,
    #[arg(long, default_value_t = 50)]
    pub rounds: usize,
    /// `label=URL` to run the same rounds against several targets in one run (e.g.
    /// `redis=http://127.0.0.1:3001 postgres=http://127.0.0.1:3002`); default: --target.
    #[arg(long = "against", value_name = "LABEL=URL")]
    pub against: Vec<String>,
    /// Also run the rounds against the first target on a closed sale (every hold refused from
    /// cached rules, no store touched): the ceiling any hold path could reach here.
    #[arg(long)]
    pub ceiling: bool,
}

#[derive(Args, Debug, Clone)]
pub struct HoldsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Holds per path (gateway and direct each hold this many distinct seats).
    #[arg(long, default_value_t = 4_000)]
    pub holds: usize,
}

#[derive(Args, Debug, Clone)]
pub struct QueueMillionArgs {
    #[command(flatten)]
    pub common: Common,
    /// People who join the one line.
    #[arg(long, default_value_t = 1_000_000)]
    pub joins: usize,
    /// Admission rate while measuring accuracy (accelerated: 60000/min for one minute stands
    /// for 6000/min over ten).
    #[arg(long, default_value_t = 60_000)]
    pub admit_per_minute: i32,
    /// How long admission is measured.
    #[arg(long, default_value_t = 60)]
    pub measure_secs: u64,
    /// Status polls timed after the joins (a sample of the joined).
    #[arg(long, default_value_t = 1_000)]
    pub status_sample: usize,
}
