//! Every SeaORM and fred call of this context; services see plain Rust types.

pub mod bookings;
pub mod calendar;
pub mod resources;
