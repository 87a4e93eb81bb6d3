//! What core-api and the gateway both speak, kept in one place: which secrets are refused at
//! start ([`secrets`]) and how access-token keys are loaded and checked ([`token_keys`]).

pub mod secrets;
pub mod token_keys;
