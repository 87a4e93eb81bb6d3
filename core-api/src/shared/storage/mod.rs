//! Every SeaORM and fred call of this context; services see plain Rust types.

pub mod account_changes;
pub mod audit;
pub mod entity;
pub mod idempotency;
pub mod login_throttle;
pub mod users;
pub mod wallets;
