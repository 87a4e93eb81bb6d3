//! Reads that a read replica may serve: catalog listings and seat layouts, never anything
//! that decides availability, money or a booking (those stores read the primary's pool).
//!
//! [`ReadDb`] sends each read to the replica while it is usable (see `replica`) and to the
//! primary otherwise. A read the replica fails (it went down mid-request, a query cancelled
//! by a recovery conflict, no answer within the dependency timeout) is retried once on the
//! primary, so losing the replica fails no request.

use std::{future::Future, sync::Arc};

use sea_orm::{DatabaseConnection, DbErr, FromQueryResult, Statement};

use super::{StoreResult, db, replica::Replica};

/// Which server answered a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Served {
    Primary,
    Replica,
}

/// The primary, and the replica when one is configured.
#[derive(Clone)]
pub(crate) struct ReadDb {
    primary: DatabaseConnection,
    replica: Option<Arc<Replica>>,
}

impl ReadDb {
    pub(crate) fn new(primary: DatabaseConnection, replica: Option<Arc<Replica>>) -> Self {
        ReadDb { primary, replica }
    }

    /// Every read on the primary.
    pub(crate) fn primary_only(primary: DatabaseConnection) -> Self {
        Self::new(primary, None)
    }

    /// The rows of `statement`. `op` names the read in metrics (a fixed name, never data).
    pub(crate) async fn all<M>(&self, op: &'static str, statement: Statement) -> StoreResult<Vec<M>>
    where
        M: FromQueryResult + Send + Sync,
    {
        let (rows, _) = self.run(op, |db| all(db, statement.clone())).await?;
        Ok(rows)
    }

    pub(crate) async fn one<M>(
        &self,
        op: &'static str,
        statement: Statement,
    ) -> StoreResult<Option<M>>
    where
        M: FromQueryResult + Send + Sync,
    {
        let (row, _) = self
            .run(op, |db| {
                let statement = statement.clone();
                async move { M::find_by_statement(statement).one(&db).await }
            })
            .await?;
        Ok(row)
    }

    /// Rows that are written all at once and never change (a performance's seat layout): an
    /// empty answer from the replica may only mean they have not reached it yet, so the
    /// primary is asked too. What the replica does return is complete and final.
    pub(crate) async fn all_written_once<M>(
        &self,
        op: &'static str,
        statement: Statement,
    ) -> StoreResult<Vec<M>>
    where
        M: FromQueryResult + Send + Sync,
    {
        let (rows, served) = self.run(op, |db| all(db, statement.clone())).await?;
        if rows.is_empty() && served == Served::Replica {
            count(op, Served::Primary);
            return Ok(all(self.primary.clone(), statement).await?);
        }
        Ok(rows)
    }

    async fn run<T, F, Fut>(&self, op: &'static str, read: F) -> StoreResult<(T, Served)>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = Result<T, DbErr>>,
    {
        if let Some(replica) = self.replica.as_ref().filter(|r| r.usable()) {
            match tokio::time::timeout(replica.timeout, read(replica.conn.clone())).await {
                Ok(Ok(value)) => {
                    count(op, Served::Replica);
                    return Ok((value, Served::Replica));
                }
                Ok(Err(err)) => {
                    if db::is_connection_error(&err) {
                        replica.mark_down();
                    }
                    tracing::warn!(op, error = %err, "read failed on the replica; retrying on the primary");
                }
                Err(_) => {
                    replica.mark_down();
                    tracing::warn!(op, "read timed out on the replica; retrying on the primary");
                }
            }
            metrics::counter!("db_replica_fallbacks_total", "op" => op).increment(1);
        }
        let value = read(self.primary.clone()).await?;
        count(op, Served::Primary);
        Ok((value, Served::Primary))
    }
}

async fn all<M>(db: DatabaseConnection, statement: Statement) -> Result<Vec<M>, DbErr>
where
    M: FromQueryResult + Send + Sync,
{
    M::find_by_statement(statement).all(&db).await
}

/// `db_reads_total{op, target}`: which server served each replica-eligible read.
fn count(op: &'static str, served: Served) {
    let target = match served {
        Served::Primary => "primary",
        Served::Replica => "replica",
    };
    metrics::counter!("db_reads_total", "op" => op, "target" => target).increment(1);
}
