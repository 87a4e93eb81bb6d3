//! What core-api and the gateway both speak, kept in one place:
//! - who a token says the caller is: access-token claims and their check ([`claims`]), with
//!   the keys they are signed with ([`token_keys`]), and the waiting-room pass and ticket
//!   ([`queue_pass`]), and the proofs of possession that bind a pass to a client's key
//!   ([`dpop`]);
//! - the Redis key layout both write and read ([`keys`]), and how both connect ([`redis`]);
//! - the error codes of the JSON envelope ([`error_code`]);
//! - how configuration is read and refused ([`env`]), which secrets are refused at start
//!   ([`secrets`]) unless development mode is on ([`dev_mode`]);
//! - how a binary starts, logs and stops ([`process`], [`telemetry`]: secrets in URLs never
//!   reach a log line), and how both read the time ([`clock`]).
//!
//! The `testing` feature adds helpers for the tests of both services.

pub mod claims;
pub mod clock;
pub mod dev_mode;
pub mod dpop;
pub mod env;
pub mod error_code;
pub mod keys;
pub mod process;
pub mod queue_pass;
pub mod redis;
pub mod secrets;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token_keys;
