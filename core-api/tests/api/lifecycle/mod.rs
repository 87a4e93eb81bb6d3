//! Expiry across instances, the live seat stream across instances, Redis lost mid-run.
//!
//! The shared helpers are here; the tests in `expiry` and `redis_outage`.

mod expiry;
mod redis_outage;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::{
    helpers::{SseReader, TcpProxy, TestApp, error_code, eventually, uuids},
    money::assert_money_is_conserved,
};

fn fast_expiry(v: &mut std::collections::HashMap<String, String>) {
    v.insert("CORE_RESERVATION_TTL_MS".into(), "1500".into());
    v.insert("CORE_SWEEP_INTERVAL_MS".into(), "100".into());
}
