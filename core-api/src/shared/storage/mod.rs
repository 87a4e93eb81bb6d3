//! Every SeaORM and fred call of this context; services see plain Rust types.

pub(crate) mod account_changes;
pub(crate) mod audit;
pub(crate) mod entity;
pub(crate) mod idempotency;
pub(crate) mod login_throttle;
pub(crate) mod notifications;
pub mod users;
pub(crate) mod wallets;
