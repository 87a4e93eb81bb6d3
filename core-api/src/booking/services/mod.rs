//! Business rules of this context. Handlers call these; these call the stores in `storage`.

pub mod bookings;
pub mod calendar;
pub mod gcal;
pub mod resources;
