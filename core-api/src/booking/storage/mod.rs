//! Every SeaORM call of this context; services see plain Rust types and `StoreError`.
//! Writes go through one transaction type, [`tx::BookingTx`], begun by a store.

pub mod bookings;
pub mod feeds;
pub mod outbox;
pub mod resources;
pub mod tx;
