//! Postgres access, one module per aggregate. Hot or set-based statements are plain SQL run
//! through SeaORM; simple rows use the entity API.

pub mod audit;
pub mod bookings;
pub mod calendar;
pub mod catalog;
pub mod ga;
pub mod idempotency;
pub mod lifecycle;
pub mod pg_holds;
pub mod queue;
pub mod reservations;
pub mod resources;
pub mod seats;
pub mod users;
pub mod wallets;

use sea_orm::{DbBackend, Statement, Value};

pub(crate) fn sql(query: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, query, values)
}
