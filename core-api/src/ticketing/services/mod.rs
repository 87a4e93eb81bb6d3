//! Business rules of this context. Handlers call these; these call the stores in `storage`.

pub mod admin;
pub(crate) mod cancellations;
pub mod catalog;
pub mod committed;
pub mod expiry;
pub mod group_commit;
pub mod holds;
pub(crate) mod live;
pub(crate) mod orders;
pub mod payments;
pub mod products;
pub mod queue;
pub mod queue_pass;
pub mod reservations;
pub mod rules;
pub(crate) mod seat_layout;
pub(crate) mod seat_map_cache;
pub mod stream;
pub mod views;
