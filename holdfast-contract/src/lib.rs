//! What core-api and the gateway both speak, kept in one place: which secrets are refused at
//! start ([`secrets`]) unless development mode is on ([`dev_mode`]), and how access-token
//! keys are loaded and checked ([`token_keys`]), how both read the time ([`clock`]), and how both log ([`telemetry`]: secrets in
//! URLs never reach a log line). The `testing` feature adds helpers for the
//! tests of both services.

pub mod clock;
pub mod dev_mode;
pub mod secrets;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token_keys;
