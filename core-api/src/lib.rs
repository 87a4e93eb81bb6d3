//! Holdfast core API. Two products side by side, each with its own `http`, `services`,
//! `storage` and `domain`: `ticketing` (seats, general admission, reservations, payments) and
//! `booking` (shared server time); what both use lives in `shared` (accounts, wallet, audit,
//! idempotency). `http` holds the router and the layers, `storage` the connections.

pub mod app;
pub mod booking;
pub mod config;
pub mod error;
pub mod http;
pub(crate) mod metrics;
pub mod shared;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod ticketing;
