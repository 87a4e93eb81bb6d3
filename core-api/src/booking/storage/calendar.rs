//! Calendar feeds (secret subscription URLs) and the Google Calendar outbox.

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};
use uuid::Uuid;

use crate::storage::sql;

#[derive(Clone, Debug, FromQueryResult)]
pub struct FeedRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub resource_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One claimed outbox row.
#[derive(Clone, Debug, FromQueryResult)]
pub struct OutboxRow {
    pub id: i64,
    pub booking_id: Uuid,
    pub attempts: i32,
}

const FEED_COLUMNS: &str = "id, user_id, resource_id, created_at, revoked_at";

#[derive(Clone)]
pub struct CalendarRepo {
    db: DatabaseConnection,
}

impl CalendarRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        CalendarRepo { db }
    }

    pub async fn insert_feed(
        &self,
        c: &impl ConnectionTrait,
        user_id: Uuid,
        resource_id: Option<Uuid>,
        token_hash: Vec<u8>,
    ) -> StoreResult<FeedRow> {
        FeedRow::find_by_statement(sql(
            &format!(
                "INSERT INTO calendar_feeds (id, user_id, resource_id, token_hash) VALUES ($1, $2, $3, $4) \
                 RETURNING {FEED_COLUMNS}"
            ),
            [
                Uuid::now_v7().into(),
                user_id.into(),
                resource_id.into(),
                token_hash.into(),
            ],
        ))
        .one(c)
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted.into())
    }

    pub async fn feeds_of(&self, user_id: Uuid) -> StoreResult<Vec<FeedRow>> {
        FeedRow::find_by_statement(sql(
            &format!("SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE user_id = $1 ORDER BY created_at DESC"),
            [user_id.into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }

    pub async fn feed(&self, id: Uuid) -> StoreResult<Option<FeedRow>> {
        FeedRow::find_by_statement(sql(
            &format!("SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// The live (not revoked) feed a token opens.
    pub async fn feed_by_token(&self, token_hash: Vec<u8>) -> StoreResult<Option<FeedRow>> {
        FeedRow::find_by_statement(sql(
            &format!(
                "SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL"
            ),
            [token_hash.into()],
        ))
        .one(&self.db)
        .await.map_err(Into::into)
    }

    pub async fn revoke_feed(
        &self,
        c: &impl ConnectionTrait,
        id: Uuid,
    ) -> StoreResult<Option<FeedRow>> {
        FeedRow::find_by_statement(sql(
            &format!(
                "UPDATE calendar_feeds SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING {FEED_COLUMNS}"
            ),
            [id.into()],
        ))
        .one(c)
        .await.map_err(Into::into)
    }

    /// Leases up to `limit` due outbox rows (optionally of one booking) for `lease_secs`:
    /// another worker skips them until the lease runs out, so a crashed worker's rows come back.
    pub async fn claim(
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

    pub async fn complete(&self, ids: &[i64]) -> StoreResult<()> {
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
    pub async fn retry_later(&self, ids: &[i64], retry_in_ms: i64, error: &str) -> StoreResult<()> {
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

    pub async fn set_google_event_id(&self, booking_id: Uuid, event_id: &str) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "UPDATE resource_bookings SET google_event_id = $2 WHERE id = $1",
                [booking_id.into(), event_id.into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    /// Outbox rows not done yet (the operations page and metrics).
    pub async fn backlog(&self) -> StoreResult<i64> {
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

/// Asks for a calendar push of these bookings, in the caller's transaction. With
/// `leased_secs`, the rows start leased to the caller for that long: the worker leaves them
/// alone meanwhile, while `claim` for their booking still takes them (never attempted yet).
pub async fn enqueue(
    c: &impl ConnectionTrait,
    booking_ids: &[Uuid],
    leased_secs: Option<i64>,
) -> StoreResult<()> {
    c.execute_raw(sql(
        "INSERT INTO calendar_outbox (booking_id, next_attempt_at) \
         SELECT unnest($1::uuid[]), now() + make_interval(secs => $2)",
        [
            booking_ids.to_vec().into(),
            (leased_secs.unwrap_or(0) as f64).into(),
        ],
    ))
    .await
    .map(|_| ())
    .map_err(Into::into)
}
