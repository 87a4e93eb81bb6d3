//! The organizer console's API: cancelling performances and events with refunds as a
//! resumable job (also across a `kill -9` of the real binary), and admin-only access.

mod access;
mod audit;
mod bulk_cancel;
mod crash;
mod events;
mod live;
mod orders;
mod paid;
mod products;
mod venues;
