//! Every SeaORM and fred call of this context; services see plain Rust types.

pub(crate) mod cancellations;
pub mod catalog;
pub(crate) mod entity;
pub(crate) mod ga;
pub(crate) mod ga_admin;
pub mod holds;
pub(crate) mod lifecycle;
pub(crate) mod live;
pub(crate) mod orders;
pub(crate) mod pg_holds;
pub(crate) mod proof_ids;
pub(crate) mod queue_mirror;
pub(crate) mod queue_settings;
pub mod redis_holds;
pub mod reservations;
pub mod seat_events;
pub(crate) mod seats;
pub(crate) mod status;
