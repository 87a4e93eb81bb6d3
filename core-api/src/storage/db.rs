//! Postgres connection pool and classification of its errors.

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, RuntimeErr};

pub async fn connect(
    url: &str,
    max_connections: u32,
    timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(timeout)
        .acquire_timeout(timeout)
        // Ping a pooled connection before handing it out only when it sat idle for a second or
        // more. sqlx pings on every acquire by default (and again on every release), one extra
        // round trip on each request's path; a connection in steady use has just proved itself.
        // If Postgres drops connections that were in use a moment ago (a restart), the next
        // request on each gets a 503 and the dead connection is discarded.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        // Start even while Postgres is down; /readyz says so and requests get 503 until it is back.
        .connect_lazy(true)
        .sqlx_logging(false);
    Database::connect(options).await
}

pub(crate) async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    }
}

/// True when the error means "Postgres is unreachable or went away", not "the query was wrong".
pub(crate) fn is_connection_error(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as E;
    if matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) {
        return true;
    }
    match sqlx_error(err) {
        Some(
            E::Io(_)
            | E::Tls(_)
            | E::PoolTimedOut
            | E::PoolClosed
            | E::WorkerCrashed
            | E::Protocol(_),
        ) => true,
        // SQLSTATE class 08 (connection exception) and 57P (operator intervention: shutdown).
        Some(E::Database(db)) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        _ => false,
    }
}

/// The name of the constraint a statement violated, if that is what failed.
pub(crate) fn violated_constraint(err: &DbErr) -> Option<String> {
    match sqlx_error(err)? {
        sea_orm::sqlx::Error::Database(db) => db.constraint().map(str::to_owned),
        _ => None,
    }
}
