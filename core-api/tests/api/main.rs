//! HTTP tests of core-api against real Postgres and Redis. Each test gets its own database,
//! Redis key prefix and ports (see `helpers`).

mod admin;
mod admin_console;
mod architecture;
mod auth;
mod bookings;
mod calendar;
mod cancellation;
mod catalog;
mod compact;
mod connections;
mod faults;
mod general_admission;
mod group_commit;
mod helpers;
mod holds;
mod lifecycle;
mod login_limits;
mod money;
mod notifications;
mod openapi;
mod read_replica;
mod reservations;
mod secrets;
mod seed;
mod sessions;
mod stream;
