//! `TestApp`: one core-api on port 0 with a fresh database and its own Redis key prefix
//! (`app`), what tests do through it (`requests`), what they look at below HTTP (`inspect`),
//! a seat-stream client (`sse`), and a PostgreSQL primary with a read replica (`pg_pair`). The store URLs, `TcpProxy` and `eventually` are
//! `holdfast_contract::testing`'s, shared with the gateway's tests.

mod app;
mod inspect;
mod pg_pair;
mod requests;
mod sse;

pub use holdfast_contract::testing::{TcpProxy, error_code, eventually, redis_client, redis_url};
use serde_json::Value;
use uuid::Uuid;

pub use self::{
    app::{Performance, Stores, TestApp, TestUser},
    pg_pair::PgPair,
    sse::SseReader,
};

pub fn uuids(value: &Value) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = value
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    ids.sort();
    ids
}
