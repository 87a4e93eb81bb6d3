//! Calendar feeds (secret subscription URLs): reads on the repo, creating and revoking as
//! operations of a [`BookingTx`]. Only a token's SHA-256 is stored.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, FromQueryResult};
use uuid::Uuid;

use super::tx::BookingTx;
use crate::{
    booking::domain::feed::Feed,
    storage::{StoreResult, sql},
};

#[derive(FromQueryResult)]
struct FeedRow {
    id: Uuid,
    user_id: Uuid,
    resource_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<FeedRow> for Feed {
    fn from(f: FeedRow) -> Self {
        Feed {
            id: f.id,
            user_id: f.user_id,
            resource_id: f.resource_id,
            created_at: f.created_at,
            revoked_at: f.revoked_at,
        }
    }
}

const FEED_COLUMNS: &str = "id, user_id, resource_id, created_at, revoked_at";

#[derive(Clone)]
pub(crate) struct FeedRepo {
    db: DatabaseConnection,
}

impl FeedRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        FeedRepo { db }
    }

    pub(crate) async fn begin(&self) -> StoreResult<BookingTx> {
        BookingTx::begin(&self.db).await
    }

    pub(crate) async fn feeds_of(&self, user_id: Uuid) -> StoreResult<Vec<Feed>> {
        let rows = FeedRow::find_by_statement(sql(
            &format!("SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE user_id = $1 ORDER BY created_at DESC"),
            [user_id.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub(crate) async fn feed(&self, id: Uuid) -> StoreResult<Option<Feed>> {
        Ok(FeedRow::find_by_statement(sql(
            &format!("SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await?
        .map(Into::into))
    }

    /// The live (not revoked) feed a token opens.
    pub(crate) async fn feed_by_token(&self, token_hash: Vec<u8>) -> StoreResult<Option<Feed>> {
        Ok(FeedRow::find_by_statement(sql(
            &format!(
                "SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL"
            ),
            [token_hash.into()],
        ))
        .one(&self.db)
        .await?
        .map(Into::into))
    }
}

impl BookingTx {
    pub(crate) async fn insert_feed(
        &self,
        user_id: Uuid,
        resource_id: Option<Uuid>,
        token_hash: Vec<u8>,
    ) -> StoreResult<Feed> {
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
        .one(&self.txn)
        .await?
        .map(Into::into)
        .ok_or_else(|| DbErr::RecordNotInserted.into())
    }

    pub(crate) async fn revoke_feed(&self, id: Uuid) -> StoreResult<Option<Feed>> {
        Ok(FeedRow::find_by_statement(sql(
            &format!(
                "UPDATE calendar_feeds SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING {FEED_COLUMNS}"
            ),
            [id.into()],
        ))
        .one(&self.txn)
        .await?
        .map(Into::into))
    }
}
