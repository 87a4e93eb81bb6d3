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
    pub(crate) queue_max_length: i32,
    pub(crate) queue_prequeue_minutes: i32,
    pub(crate) queue_abandon_after_polls: i32,
    pub(crate) queue_pass_unused_seconds: i32,
    pub(crate) queue_pow_bits: i32,
    pub(crate) queue_bind_passes: bool,
    /// When the sale opens, in ms since the epoch: nobody is admitted before.
    pub(crate) sale_opens_at_ms: i64,
    /// No seat of the performance is AVAILABLE, or it was cancelled: either way the
    /// waiting room tells its line that nothing is left.
    pub(crate) sold_out: bool,
}

const SELECT: &str = "SELECT p.id, p.queue_enabled, p.queue_admit_per_minute, p.queue_max_active, \
     p.queue_max_length, p.queue_prequeue_minutes, p.queue_abandon_after_polls, p.queue_pass_unused_seconds, \
     p.queue_pow_bits, p.queue_bind_passes, \
     (extract(epoch FROM p.sale_opens_at) * 1000)::bigint AS sale_opens_at_ms, \
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

    /// Seats still AVAILABLE, and seats per reservation so far (the performance's
    /// `max_seats_per_user` while nothing is sold: the cautious guess), for the waiting room's
    /// "your chance". Reads every seat of the performance: the periodic sync only.
    pub(crate) async fn supply(&self, performance_id: Uuid) -> StoreResult<Option<(i64, f64)>> {
        #[derive(FromQueryResult)]
        struct SupplyRow {
            seats_left: i64,
            seats_per_buyer: f64,
        }
        let row = SupplyRow::find_by_statement(sql(
            "SELECT count(*) FILTER (WHERE s.status = 'AVAILABLE') AS seats_left, \
             COALESCE(count(s.reservation_id)::float8 / NULLIF(count(DISTINCT s.reservation_id), 0), \
                      max(p.max_seats_per_user)::float8) AS seats_per_buyer \
             FROM performances p LEFT JOIN seats s ON s.performance_id = p.id WHERE p.id = $1",
            [performance_id.into()],
        ))
        .one(&self.db)
        .await?;
        Ok(row.map(|r| (r.seats_left, r.seats_per_buyer)))
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
        row: &QueueSettingsRow,
        entry: Option<crate::shared::storage::audit::Entry<'_>>,
    ) -> StoreResult<bool> {
        let touched = crate::shared::storage::audit::audited(
            &self.db,
            vec![sql(
                "UPDATE performances SET queue_enabled = $2, queue_admit_per_minute = $3, queue_max_active = $4, \
                 queue_max_length = $5, queue_prequeue_minutes = $6, queue_abandon_after_polls = $7, \
                 queue_pass_unused_seconds = $8, queue_pow_bits = $9, queue_bind_passes = $10 WHERE id = $1",
                [
                    row.id.into(),
                    row.queue_enabled.into(),
                    row.queue_admit_per_minute.into(),
                    row.queue_max_active.into(),
                    row.queue_max_length.into(),
                    row.queue_prequeue_minutes.into(),
                    row.queue_abandon_after_polls.into(),
                    row.queue_pass_unused_seconds.into(),
                    row.queue_pow_bits.into(),
                    row.queue_bind_passes.into(),
                ],
            )],
            entry,
        )
        .await?;
        Ok(touched.first() == Some(&1))
    }
}
