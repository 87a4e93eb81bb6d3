//! Business rules of this context. Handlers call these; these call the stores in `storage`
//! and see only domain types and `StoreError`.

mod audit;
pub(crate) mod bookings;
pub(crate) mod calendar;
pub(crate) mod gcal;
pub mod resources;
pub mod teams;
