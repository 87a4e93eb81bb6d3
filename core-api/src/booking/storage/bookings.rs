//! Resource bookings and their recurring series. Overlaps are refused by the EXCLUDE
//! constraint `resource_bookings_no_overlap`; these statements never check it themselves.

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Value};
use uuid::Uuid;

use crate::storage::sql;

/// The exclusion constraint that keeps one resource's active bookings apart.
pub const NO_OVERLAP: &str = "resource_bookings_no_overlap";

/// A booking as stored, with the names of its resource and owner. Serialised in the API's
/// camelCase: it is the body of every booking answer and the audit log's snapshot.
#[derive(Clone, Debug, FromQueryResult, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookingRow {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub series_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    /// UTC.
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    /// "active" or "cancelled".
    pub status: String,
    /// iCalendar SEQUENCE: bumped on every change.
    pub sequence: i32,
    pub google_event_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// A calendar push for this booking is still waiting in the outbox.
    #[serde(skip)]
    pub sync_pending: bool,
}

/// An active booking that stands in the way of another (409 details).
#[derive(Clone, Debug, FromQueryResult)]
pub struct Busy {
    pub id: Uuid,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

pub struct NewBooking<'a> {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub user_id: Uuid,
    pub series_id: Option<Uuid>,
    pub title: &'a str,
    pub description: &'a str,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

/// Which bookings a list wants; every field narrows.
#[derive(Clone, Debug, Default)]
pub struct BookingFilter {
    pub resource_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub series_id: Option<Uuid>,
    /// Bookings that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Bookings that start before this instant.
    pub to: Option<DateTime<Utc>>,
    pub status: Option<String>,
    pub limit: u64,
}

const SELECT: &str = "SELECT b.id, b.resource_id, r.name AS resource_name, b.user_id, u.name AS user_name, \
     b.series_id, b.title, b.description, b.start_at, b.end_at, b.status, b.sequence, b.google_event_id, \
     b.created_at, b.updated_at, b.cancelled_at, \
     EXISTS (SELECT 1 FROM calendar_outbox o WHERE o.booking_id = b.id AND o.done_at IS NULL) AS sync_pending \
     FROM resource_bookings b JOIN resources r ON r.id = b.resource_id JOIN users u ON u.id = b.user_id";

#[derive(Clone)]
pub struct BookingRepo {
    db: DatabaseConnection,
}

impl BookingRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        BookingRepo { db }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub async fn get(&self, id: Uuid) -> StoreResult<Option<BookingRow>> {
        get(&self.db, id, false).await
    }

    pub async fn list(&self, f: &BookingFilter) -> StoreResult<Vec<BookingRow>> {
        let mut clauses = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let mut add = |clause: &str, value: Value| {
            values.push(value);
            clauses.push(clause.replace('?', &format!("${}", values.len())));
        };
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
        if let Some(status) = &f.status {
            add("b.status = ?", status.clone().into());
        }
        let filter = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        values.push((f.limit as i64).into());
        let limit = values.len();
        BookingRow::find_by_statement(sql(
            &format!("{SELECT}{filter} ORDER BY b.start_at, b.id LIMIT ${limit}"),
            values,
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Active bookings of every listed resource in a window, in time order (timelines).
    pub async fn active_in_window(
        &self,
        resource_ids: &[Uuid],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<BookingRow>> {
        BookingRow::find_by_statement(sql(
            &format!(
                "{SELECT} WHERE b.resource_id = ANY($1) AND b.status = 'active' AND b.end_at > $2 AND b.start_at < $3 \
                 ORDER BY b.start_at, b.id LIMIT 5000"
            ),
            [resource_ids.to_vec().into(), from.into(), to.into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }

    /// Per resource: the booking running at `now` and the next one to start.
    pub async fn current_and_next(&self, now: DateTime<Utc>) -> StoreResult<Vec<BookingRow>> {
        BookingRow::find_by_statement(sql(
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
        .all(&self.db)
        .await.map_err(Into::into)
    }

    /// Bookings a calendar feed shows: active ones that have not ended long ago, and recent
    /// cancellations (so subscribers see them go).
    pub async fn for_feed(
        &self,
        resource_id: Option<Uuid>,
        user_id: Option<Uuid>,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<BookingRow>> {
        BookingRow::find_by_statement(sql(
            &format!(
                "{SELECT} WHERE ($1::uuid IS NULL OR b.resource_id = $1) AND ($2::uuid IS NULL OR b.user_id = $2) \
                 AND b.end_at > $3 AND (b.status = 'active' OR b.cancelled_at > $3) \
                 ORDER BY b.start_at, b.id LIMIT 5000"
            ),
            [resource_id.into(), user_id.into(), since.into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }
}

/// Active bookings of `resource_id` overlapping `[start, end)`, other than `except`.
pub async fn overlapping(
    c: &impl ConnectionTrait,
    resource_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    except: Option<Uuid>,
) -> StoreResult<Vec<Busy>> {
    Busy::find_by_statement(sql(
        "SELECT id, start_at, end_at FROM resource_bookings \
         WHERE resource_id = $1 AND status = 'active' AND tstzrange(start_at, end_at) && tstzrange($2, $3) \
         AND id IS DISTINCT FROM $4 ORDER BY start_at LIMIT 20",
        [
            resource_id.into(),
            start.into(),
            end.into(),
            except.into(),
        ],
    ))
    .all(c)
    .await.map_err(Into::into)
}

/// Does the resource have active bookings that have not ended yet?
pub async fn has_upcoming(
    c: &impl ConnectionTrait,
    resource_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    #[derive(FromQueryResult)]
    struct Found {
        found: bool,
    }
    let row = Found::find_by_statement(sql(
        "SELECT EXISTS (SELECT 1 FROM resource_bookings WHERE resource_id = $1 AND status = 'active' AND end_at > $2) AS found",
        [resource_id.into(), now.into()],
    ))
    .one(c)
    .await?;
    Ok(row.is_some_and(|r| r.found))
}

/// One booking; `lock` takes its row lock for the rest of the transaction.
pub async fn get(
    c: &impl ConnectionTrait,
    id: Uuid,
    lock: bool,
) -> StoreResult<Option<BookingRow>> {
    let lock = if lock { " FOR UPDATE OF b" } else { "" };
    BookingRow::find_by_statement(sql(&format!("{SELECT} WHERE b.id = $1{lock}"), [id.into()]))
        .one(c)
        .await
        .map_err(Into::into)
}

pub async fn insert(c: &impl ConnectionTrait, b: &NewBooking<'_>) -> StoreResult<()> {
    c.execute_raw(sql(
        "INSERT INTO resource_bookings (id, resource_id, user_id, series_id, title, description, start_at, end_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            b.id.into(),
            b.resource_id.into(),
            b.user_id.into(),
            b.series_id.into(),
            b.title.into(),
            b.description.into(),
            b.start_at.into(),
            b.end_at.into(),
        ],
    ))
    .await
    .map(|_| ()).map_err(Into::into)
}

pub async fn insert_series(
    c: &impl ConnectionTrait,
    id: Uuid,
    resource_id: Uuid,
    user_id: Uuid,
    rrule: &str,
    time_zone: &str,
) -> StoreResult<()> {
    c.execute_raw(sql(
        "INSERT INTO booking_series (id, resource_id, user_id, rrule, time_zone) VALUES ($1, $2, $3, $4, $5)",
        [
            id.into(),
            resource_id.into(),
            user_id.into(),
            rrule.into(),
            time_zone.into(),
        ],
    ))
    .await
    .map(|_| ()).map_err(Into::into)
}

/// Changes an active booking and bumps its SEQUENCE. False when it is not active.
pub async fn update(
    c: &impl ConnectionTrait,
    id: Uuid,
    title: &str,
    description: &str,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = c
        .execute_raw(sql(
            "UPDATE resource_bookings SET title = $2, description = $3, start_at = $4, end_at = $5, \
             sequence = sequence + 1, updated_at = now() WHERE id = $1 AND status = 'active'",
            [
                id.into(),
                title.into(),
                description.into(),
                start_at.into(),
                end_at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels the listed bookings that are still active; returns the ids it cancelled.
pub async fn cancel(c: &impl ConnectionTrait, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let rows = Id::find_by_statement(sql(
        "UPDATE resource_bookings SET status = 'cancelled', cancelled_at = now(), sequence = sequence + 1, \
         updated_at = now() WHERE id = ANY($1) AND status = 'active' RETURNING id",
        [ids.to_vec().into()],
    ))
    .all(c)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Ids of a series' active occurrences that have not ended, locked for cancelling.
pub async fn series_upcoming(
    c: &impl ConnectionTrait,
    series_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Uuid>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let rows = Id::find_by_statement(sql(
        "SELECT id FROM resource_bookings WHERE series_id = $1 AND status = 'active' AND end_at > $2 \
         ORDER BY start_at FOR UPDATE",
        [series_id.into(), now.into()],
    ))
    .all(c)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The owner of a series, if it exists.
pub async fn series_owner(c: &impl ConnectionTrait, series_id: Uuid) -> StoreResult<Option<Uuid>> {
    #[derive(FromQueryResult)]
    struct Owner {
        user_id: Uuid,
    }
    Ok(Owner::find_by_statement(sql(
        "SELECT user_id FROM booking_series WHERE id = $1",
        [series_id.into()],
    ))
    .one(c)
    .await?
    .map(|o| o.user_id))
}
