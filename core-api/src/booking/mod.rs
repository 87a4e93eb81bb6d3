//! Shared server time: servers (resources), their bookings, recurrence and calendar feeds.
//! Nothing here knows about seats or tickets.

pub mod domain;
pub mod http;
pub mod services;
pub(crate) mod storage;
