//! What core-api and the gateway both speak, kept in one place: which secrets are refused at
//! start ([`secrets`]) and how access-token keys are loaded and checked ([`token_keys`]);
//! `testing` (feature) makes secrets and key files for the tests of both.

pub mod secrets;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token_keys;
