//! The Google Calendar outbox: rows a booking write adds (`BookingTx::enqueue_push`), leased,
//! completed or put back by the push worker.

use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::storage::{StoreResult, sql};

/// One claimed outbox row.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct OutboxRow {
    pub(crate) id: i64,
    pub(crate) booking_id: Uuid,
    pub(crate) attempts: i32,
}

/// A booking's team calendar and the calendar its event was written to.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct Calendars {
    pub(crate) team_calendar_id: Option<String>,
    pub(crate) is_default: bool,
    /// NULL with an event id: the global calendar (events written before teams had their own).
    pub(crate) event_calendar_id: Option<String>,
}

#[derive(Clone)]
pub(crate) struct OutboxRepo {
    db: DatabaseConnection,
}

impl OutboxRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        OutboxRepo { db }
    }

    /// Leases up to `limit` due outbox rows (optionally of one booking) for `lease_secs`:
    /// another worker skips them until the lease runs out, so a crashed worker's rows come back.
    pub(crate) async fn claim(
        &self,
        booking_id: Option<Uuid>,
        limit: u64,
        lease_secs: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        OutboxRow::find_by_statement(sql(
            "UPDATE calendar_outbox o SET attempts = o.attempts + 1, \
                 next_attempt_at = now() + make_interval(secs => $3) \
             WHERE o.id IN ( \
                 SELECT id FROM calendar_outbox WHERE done_at IS NULL \
                 AND (next_attempt_at <= now() OR ($1::uuid IS NOT NULL AND attempts = 0)) \
                 AND ($1::uuid IS NULL OR booking_id = $1) ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
             RETURNING o.id, o.booking_id, o.attempts",
            [booking_id.into(), (limit as i64).into(), (lease_secs as f64).into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }

    pub(crate) async fn complete(&self, ids: &[i64]) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "UPDATE calendar_outbox SET done_at = now(), last_error = NULL WHERE id = ANY($1)",
                [ids.to_vec().into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    /// Puts rows back for another try after `retry_in_ms`, keeping the error for operators.
    pub(crate) async fn retry_later(
        &self,
        ids: &[i64],
        retry_in_ms: i64,
        error: &str,
    ) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "UPDATE calendar_outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 \
                 WHERE id = ANY($1)",
                [
                    ids.to_vec().into(),
                    (retry_in_ms as f64 / 1000.0).into(),
                    error.chars().take(500).collect::<String>().into(),
                ],
            ))
            .await
            .map(|_| ()).map_err(Into::into)
    }

    /// Where a booking's event belongs and where it is now.
    pub(crate) async fn calendars(&self, booking_id: Uuid) -> StoreResult<Option<Calendars>> {
        Calendars::find_by_statement(sql(
            "SELECT t.google_calendar_id AS team_calendar_id, t.is_default, \
                 b.google_calendar_id AS event_calendar_id \
             FROM resource_bookings b JOIN resources r ON r.id = b.resource_id JOIN teams t ON t.id = r.team_id \
             WHERE b.id = $1",
            [booking_id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Records the event (`Some((event id, calendar id))`) a booking has now, or that it has none.
    pub(crate) async fn set_google_event(
        &self,
        booking_id: Uuid,
        event: Option<(&str, &str)>,
    ) -> StoreResult<()> {
        let (event_id, calendar_id) = event.unzip();
        self.db
            .execute_raw(sql(
                "UPDATE resource_bookings SET google_event_id = $2, google_calendar_id = $3 WHERE id = $1",
                [booking_id.into(), event_id.into(), calendar_id.into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    /// Outbox rows not done yet (the operations page and metrics).
    pub(crate) async fn backlog(&self) -> StoreResult<i64> {
        #[derive(FromQueryResult)]
        struct N {
            n: i64,
        }
        Ok(N::find_by_statement(sql(
            "SELECT count(*) AS n FROM calendar_outbox WHERE done_at IS NULL",
            [],
        ))
        .one(&self.db)
        .await?
        .map_or(0, |r| r.n))
    }
}
