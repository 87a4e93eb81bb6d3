//! What both products share: accounts and sign-in, sessions, roles, the wallet (money),
//! the audit log and idempotency records.

pub mod domain;
pub(crate) mod http;
pub mod services;
pub mod storage;
