//! Holdfast core API: accounts, catalog, seat holds and reservations.

pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod services;
pub mod startup;
pub mod storage;
pub mod telemetry;
