//! Validated values of this context: each newtype's `parse` is the only way in, so the rest
//! of the code can trust what it holds. Bad input becomes `Error::Validation` naming the field.

pub mod attendee;
pub mod cancellation;
pub(crate) mod reservation_number;
pub(crate) mod seat_selection;
pub mod status;
pub(crate) mod status_vector;

pub use attendee::{Attendee, AttendeeInput};
pub use cancellation::CancelWindow;
pub(crate) use cancellation::MAX_REFUND_CUTOFF_MINUTES;
pub(crate) use reservation_number::ReservationNumber;
pub(crate) use seat_selection::SeatSelection;
