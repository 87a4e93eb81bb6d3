//! Thin handlers, one module per resource: extract, call a service, wrap the answer.

pub mod admin;
pub mod admin_users;
pub mod auth;
pub mod bookings;
pub mod catalog;
pub mod health;
pub mod holds;
pub mod products;
pub mod queue;
pub mod reservations;
pub mod resources;
pub mod stream;
pub mod wallet;
