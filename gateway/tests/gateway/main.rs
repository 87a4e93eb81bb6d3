//! Gateway tests: the real gateway in front of real core-apis, on port 0, each test with a
//! fresh database and its own Redis key prefix.

mod auth;
mod bookings;
mod cluster_failover;
mod connections;
mod dedupe;
mod edge;
mod helpers;
mod limits;
mod proxy;
mod queue;
mod queue_fairness;
mod queue_friction;
mod queue_restart;
mod queue_rules;
mod redis_down;
mod secrets;
mod security;
mod state;
mod tls;
mod upstream;
