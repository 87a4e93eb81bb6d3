//! Log setup: [`holdfast_contract::telemetry`], shared with the gateway (human-readable or
//! JSON lines; calendar feed tokens redacted from every line, request spans included).

pub use holdfast_contract::telemetry::{init, init_with};
