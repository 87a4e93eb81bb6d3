//! HTTP tests of core-api against real Postgres and Redis. Each test gets its own database,
//! Redis key prefix and ports (see `helpers`).

mod admin;
mod auth;
mod bookings;
mod calendar;
mod catalog;
mod faults;
mod general_admission;
mod group_commit;
mod helpers;
mod holds;
mod lifecycle;
mod money;
mod reservations;
mod secrets;
