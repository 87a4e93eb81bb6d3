//! Validated values of this context: each newtype's `parse` is the only way in, so the rest
//! of the code can trust what it holds. Bad input becomes `Error::Validation` naming the field.
//! Also the types services take and return: bookings, resources, feeds and the dashboard's
//! views, free of SeaORM and of the HTTP shapes.

pub(crate) mod booking;
pub(crate) mod feed;
pub(crate) mod ical;
pub(crate) mod recurrence;
pub mod resource;
pub(crate) mod schedule;
pub(crate) mod team;
pub(crate) mod time;
