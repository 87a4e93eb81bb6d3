//! The seat stream under load: what a gone client leaves behind, the connection caps, the
//! shared snapshot, and a client too slow to keep up.
//!
//! The shared helpers are here; the tests in `caps` and `snapshots`.

mod caps;
mod snapshots;

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use uuid::Uuid;

use core_api::ticketing::{
    domain::status::{SeatChangeReason, SeatStatus},
    storage::seat_events::SeatEvent,
};

use crate::helpers::{SseReader, TcpProxy, TestApp, error_code, eventually, redis_client};

/// A distinct client address for the i-th connection, as the gateway would forward it.
fn address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

async fn open_from(app: &TestApp, performance_id: Uuid, ip: &str) -> SseReader {
    let request = app
        .stream_request(performance_id)
        .header("x-forwarded-for", ip);
    let mut reader = SseReader::send(request).await.expect("admitted");
    let (event, _, _) = reader
        .next(Duration::from_secs(10))
        .await
        .expect("a first event");
    assert_eq!(event, "snapshot");
    reader
}

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}
