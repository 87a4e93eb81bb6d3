//! Every SeaORM call of this context; services see plain Rust types and `StoreError`.
//! Writes go through one transaction type, [`tx::BookingTx`], begun by a store.

pub(crate) mod bookings;
pub(crate) mod feeds;
pub(crate) mod live;
pub(crate) mod outbox;
pub(crate) mod resources;
pub(crate) mod teams;
pub(crate) mod tx;
