//! One flash sale as each of its buyers sees it: the API, the performance and its seats, the
//! buyers' tokens, and the counters they all update. The scenario (`flash_sale`) fills it,
//! every buyer (`buyer`) reads it.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64},
};

use crate::{client::Api, config::FlashSaleArgs, setup::Seat};

pub(super) struct Shared {
    pub(super) api: Api,
    pub(super) run: String,
    pub(super) perf: String,
    pub(super) seats: Vec<Seat>,
    pub(super) front: usize,
    pub(super) tokens: Vec<Option<String>>,
    pub(super) emails: Vec<String>,
    pub(super) args: FlashSaleArgs,
    pub(super) sold_out: Arc<AtomicBool>,
    pub(super) idempotency_mismatch: AtomicU64,
    pub(super) bought: AtomicU64,
}
