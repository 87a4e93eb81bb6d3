//! Validated values of this context: each newtype's `parse` is the only way in, so the rest
//! of the code can trust what it holds. Bad input becomes `Error::Validation` naming the field.

pub mod booking;
pub mod feed;
pub mod ical;
pub mod recurrence;
pub mod resource;
pub mod schedule;
pub mod time;
