//! Every SeaORM and fred call of this context; services see plain Rust types.

pub mod catalog;
pub mod entity;
pub mod ga;
pub mod holds;
pub mod lifecycle;
pub mod pg_holds;
pub mod queue_mirror;
pub mod queue_settings;
pub mod redis_holds;
pub mod reservations;
pub mod seat_events;
pub mod seats;
pub mod status;
