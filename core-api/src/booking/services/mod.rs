//! Business rules of this context. Handlers call these; these call the stores in `storage`
//! and see only domain types and `StoreError`.

mod audit;
pub mod bookings;
pub mod calendar;
pub mod gcal;
pub mod resources;
