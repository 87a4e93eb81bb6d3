//! Log setup: [`holdfast_contract::telemetry`], shared with core-api (calendar feed tokens
//! redacted from every line). Pingora's own `log` records come through the same subscriber,
//! and its error lines describe a request by its route label (`Gateway::request_summary`).

pub use holdfast_contract::telemetry::{init, init_with};
