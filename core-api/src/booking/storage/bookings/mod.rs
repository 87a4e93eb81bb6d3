//! Resource bookings and their recurring series. Overlaps are refused by the EXCLUDE
//! constraint `resource_bookings_no_overlap`; these statements never check it themselves.
//! Reads live here; writes are operations of [`BookingTx`] in `writes`.

mod writes;

use anyhow::anyhow;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Value};
use uuid::Uuid;

use super::tx::BookingTx;
use crate::{
    booking::domain::booking::{Booking, BookingFilter, BookingStatus},
    storage::{StoreError, StoreResult, sql},
};

/// The exclusion constraint that keeps one resource's active bookings apart.
pub(crate) const NO_OVERLAP: &str = "resource_bookings_no_overlap";

/// A booking to insert.
pub(crate) struct NewBooking<'a> {
    pub(crate) id: Uuid,
    pub(crate) resource_id: Uuid,
    pub(crate) user_id: Uuid,
    pub(crate) series_id: Option<Uuid>,
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) start_at: DateTime<Utc>,
    pub(crate) end_at: DateTime<Utc>,
}

/// A booking as stored, with the names of its resource and owner.
#[derive(FromQueryResult)]
struct BookingRow {
    id: Uuid,
    resource_id: Uuid,
    resource_name: String,
    team_id: Uuid,
    user_id: Uuid,
    user_name: String,
    series_id: Option<Uuid>,
    title: String,
    description: String,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    status: String,
    sequence: i32,
    google_event_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    cancelled_at: Option<DateTime<Utc>>,
    sync_pending: bool,
}

impl TryFrom<BookingRow> for Booking {
    type Error = StoreError;

    fn try_from(r: BookingRow) -> StoreResult<Booking> {
        let status = BookingStatus::parse(&r.status)
            .ok_or_else(|| StoreError::Other(anyhow!("unknown booking status {:?}", r.status)))?;
        Ok(Booking {
            id: r.id,
            resource_id: r.resource_id,
            resource_name: r.resource_name,
            team_id: r.team_id,
            user_id: r.user_id,
            user_name: r.user_name,
            series_id: r.series_id,
            title: r.title,
            description: r.description,
            start_at: r.start_at,
            end_at: r.end_at,
            status,
            sequence: r.sequence,
            google_event_id: r.google_event_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            cancelled_at: r.cancelled_at,
            sync_pending: r.sync_pending,
        })
    }
}

const SELECT: &str = "SELECT b.id, b.resource_id, r.name AS resource_name, r.team_id, b.user_id, u.name AS user_name, \
     b.series_id, b.title, b.description, b.start_at, b.end_at, b.status, b.sequence, b.google_event_id, \
     b.created_at, b.updated_at, b.cancelled_at, \
     EXISTS (SELECT 1 FROM calendar_outbox o WHERE o.booking_id = b.id AND o.done_at IS NULL) AS sync_pending \
     FROM resource_bookings b JOIN resources r ON r.id = b.resource_id JOIN users u ON u.id = b.user_id";

/// Bookings selected by `statement` (built on `SELECT`).
async fn select(
    c: &impl ConnectionTrait,
    statement: sea_orm::Statement,
) -> StoreResult<Vec<Booking>> {
    BookingRow::find_by_statement(statement)
        .all(c)
        .await?
        .into_iter()
        .map(Booking::try_from)
        .collect()
}

/// One booking; `lock` takes its row lock for the rest of the transaction.
async fn get(c: &impl ConnectionTrait, id: Uuid, lock: bool) -> StoreResult<Option<Booking>> {
    let lock = if lock { " FOR UPDATE OF b" } else { "" };
    BookingRow::find_by_statement(sql(&format!("{SELECT} WHERE b.id = $1{lock}"), [id.into()]))
        .one(c)
        .await?
        .map(Booking::try_from)
        .transpose()
}

#[derive(Clone)]
pub(crate) struct BookingRepo {
    db: DatabaseConnection,
}

impl BookingRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        BookingRepo { db }
    }

    pub(crate) async fn begin(&self) -> StoreResult<BookingTx> {
        BookingTx::begin(&self.db).await
    }

    pub(crate) async fn get(&self, id: Uuid) -> StoreResult<Option<Booking>> {
        get(&self.db, id, false).await
    }

    pub(crate) async fn list(&self, f: &BookingFilter) -> StoreResult<Vec<Booking>> {
        let mut clauses = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut add = |clause: &str, value: Value| {
            values.push(value);
            clauses.push(clause.replace('?', &format!("${}", values.len())));
        };
        if let Some(id) = f.viewer {
            add(&super::teams::visible_to(0).replace("$0", "?"), id.into());
        }
        if let Some(id) = f.resource_id {
            add("b.resource_id = ?", id.into());
        }
        if let Some(id) = f.user_id {
            add("b.user_id = ?", id.into());
        }
        if let Some(id) = f.series_id {
            add("b.series_id = ?", id.into());
        }
        if let Some(from) = f.from {
            add("b.end_at > ?", from.into());
        }
        if let Some(to) = f.to {
            add("b.start_at < ?", to.into());
        }
        if let Some(status) = f.status {
            add("b.status = ?", status.as_str().into());
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        values.push((f.limit as i64).into());
        let limit = values.len();
        select(
            &self.db,
            sql(
                &format!("{SELECT}{filter} ORDER BY b.start_at, b.id LIMIT ${limit}"),
                values,
            ),
        )
        .await
    }

    /// Active bookings of every listed resource in a window, in time order (timelines).
    pub(crate) async fn active_in_window(
        &self,
        resource_ids: &[Uuid],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<Booking>> {
        select(&self.db, sql(
            &format!(
                "{SELECT} WHERE b.resource_id = ANY($1) AND b.status = 'active' AND b.end_at > $2 AND b.start_at < $3 \
                 ORDER BY b.start_at, b.id LIMIT 5000"
            ),
            [resource_ids.to_vec().into(), from.into(), to.into()],
        ))
        .await
    }

    /// Per resource: the booking running at `now` and the next one to start.
    pub(crate) async fn current_and_next(&self, now: DateTime<Utc>) -> StoreResult<Vec<Booking>> {
        select(&self.db, sql(
            &format!(
                "{SELECT} WHERE b.id IN ( \
                   SELECT id FROM resource_bookings WHERE status = 'active' AND start_at <= $1 AND end_at > $1 \
                   UNION ALL \
                   (SELECT DISTINCT ON (resource_id) id FROM resource_bookings \
                   WHERE status = 'active' AND start_at > $1 ORDER BY resource_id, start_at)) \
                 ORDER BY b.start_at"
            ),
            [now.into()],
        ))
        .await
    }

    /// Bookings a calendar feed of `viewer`'s shows: active ones that have not ended long ago,
    /// and recent cancellations (so subscribers see them go), on servers of `viewer`'s teams.
    pub(crate) async fn for_feed(
        &self,
        (resource_id, user_id): (Option<Uuid>, Option<Uuid>),
        viewer: Uuid,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Booking>> {
        select(&self.db, sql(
            &format!(
                "{SELECT} WHERE ($1::uuid IS NULL OR b.resource_id = $1) AND ($2::uuid IS NULL OR b.user_id = $2) \
                 AND b.end_at > $3 AND (b.status = 'active' OR b.cancelled_at > $3) AND {} \
                 ORDER BY b.start_at, b.id LIMIT 5000",
                super::teams::visible_to(4)
            ),
            [resource_id.into(), user_id.into(), since.into(), viewer.into()],
        ))
        .await
    }
}
