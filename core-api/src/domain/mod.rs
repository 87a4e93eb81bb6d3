//! Validated values: each newtype's `parse` is the only way in, so the rest of the code can
//! trust what it holds. Bad input becomes `Error::Validation` naming the field.

mod attendee;
mod cancellation;
mod email;
pub mod ical;
mod password;
pub mod recurrence;
mod reservation_number;
mod role;
pub mod seat_selection;
pub mod status;

pub use attendee::{Attendee, AttendeeInput};
pub use cancellation::{CancelWindow, MAX_REFUND_CUTOFF_MINUTES};
pub use email::Email;
pub use password::Password;
pub use reservation_number::ReservationNumber;
pub use role::Role;
pub use seat_selection::SeatSelection;
