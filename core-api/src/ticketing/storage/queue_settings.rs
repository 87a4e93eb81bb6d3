//! Waiting-room settings of performances, and whether a performance has seats left.

use crate::storage::StoreResult;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::storage::sql;

#[derive(Clone, Copy, Debug, PartialEq, Eq, FromQueryResult)]
pub(crate) struct QueueSettingsRow {
    pub(crate) id: Uuid,
    pub(crate) queue_enabled: bool,
    pub(crate) queue_admit_per_minute: i32,
    pub(crate) queue_max_active: i32,
    /// No seat of the performance is AVAILABLE, or it was cancelled: either way the
    /// waiting room tells its line that nothing is left.
    pub(crate) sold_out: bool,
}

const SELECT: &str = "SELECT p.id, p.queue_enabled, p.queue_admit_per_minute, p.queue_max_active, \
     (p.cancelled_at IS NOT NULL \
      OR NOT EXISTS (SELECT 1 FROM seats s WHERE s.performance_id = p.id AND s.status = 'AVAILABLE')) AS sold_out \
     FROM performances p";

#[derive(Clone)]
pub(crate) struct QueueRepo {
    db: DatabaseConnection,
}

impl QueueRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        QueueRepo { db }
    }

    pub(crate) async fn settings(
        &self,
        performance_id: Uuid,
    ) -> StoreResult<Option<QueueSettingsRow>> {
        QueueSettingsRow::find_by_statement(sql(
            &format!("{SELECT} WHERE p.id = $1"),
            [performance_id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Every performance with its waiting room on whose sale has not closed.
    pub(crate) async fn queued(&self) -> StoreResult<Vec<QueueSettingsRow>> {
        QueueSettingsRow::find_by_statement(sql(
            &format!("{SELECT} WHERE p.queue_enabled AND p.sale_closes_at > now()"),
            [],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    /// The id of every performance.
    pub(crate) async fn all_ids(&self) -> StoreResult<Vec<Uuid>> {
        #[derive(FromQueryResult)]
        struct IdRow {
            id: Uuid,
        }
        let rows = IdRow::find_by_statement(sql("SELECT id FROM performances", []))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Changes the settings, with the admin's audit entry (if any) in the same transaction.
    pub(crate) async fn set(
        &self,
        performance_id: Uuid,
        (enabled, admit_per_minute, max_active): (bool, i32, i32),
        entry: Option<crate::shared::storage::audit::Entry<'_>>,
    ) -> StoreResult<bool> {
        let touched = crate::shared::storage::audit::audited(
            &self.db,
            vec![sql(
                "UPDATE performances SET queue_enabled = $2, queue_admit_per_minute = $3, queue_max_active = $4 WHERE id = $1",
                [performance_id.into(), enabled.into(), admit_per_minute.into(), max_active.into()],
            )],
            entry,
        )
        .await?;
        Ok(touched.first() == Some(&1))
    }
}
