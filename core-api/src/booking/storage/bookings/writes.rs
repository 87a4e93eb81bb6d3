//! The booking statements of a [`BookingTx`]: inserts and updates under a savepoint (so an
//! overlap refusal leaves the transaction usable), cancellations, series, and the calendar
//! outbox rows that go with them.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use uuid::Uuid;

use super::{NewBooking, get};
use crate::{
    booking::{
        domain::booking::{Booking, Busy},
        storage::tx::BookingTx,
    },
    storage::{StoreResult, sql},
};

#[derive(FromQueryResult)]
struct BusyRow {
    id: Uuid,
    resource_id: Uuid,
    start_at: DateTime<Utc>,
    end_at: DateTime<Utc>,
    holder_name: String,
}

#[derive(FromQueryResult)]
struct Id {
    id: Uuid,
}

async fn insert(c: &impl ConnectionTrait, b: &NewBooking<'_>) -> StoreResult<()> {
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

async fn update(
    c: &impl ConnectionTrait,
    id: Uuid,
    title: &str,
    description: &str,
    (start_at, end_at): (DateTime<Utc>, DateTime<Utc>),
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

impl BookingTx {
    /// One booking as this transaction sees it.
    pub(crate) async fn booking(&self, id: Uuid) -> StoreResult<Option<Booking>> {
        get(&self.txn, id, false).await
    }

    /// One booking, row-locked for the rest of the transaction.
    pub(crate) async fn lock_booking(&self, id: Uuid) -> StoreResult<Option<Booking>> {
        get(&self.txn, id, true).await
    }

    /// Inserts one booking under a savepoint: when a constraint refuses it (an overlap:
    /// `NO_OVERLAP`), the savepoint is rolled back and the transaction stays usable.
    pub(crate) async fn insert_booking(&self, b: &NewBooking<'_>) -> StoreResult<()> {
        let sp = self.txn.begin().await?;
        match insert(&sp, b).await {
            Ok(()) => sp.commit().await.map_err(Into::into),
            Err(e) => {
                sp.rollback().await?;
                Err(e)
            }
        }
    }

    /// Changes an active booking and bumps its SEQUENCE, under a savepoint like
    /// [`Self::insert_booking`]. False when it is not active.
    pub(crate) async fn update_booking(
        &self,
        id: Uuid,
        title: &str,
        description: &str,
        window: (DateTime<Utc>, DateTime<Utc>),
    ) -> StoreResult<bool> {
        let sp = self.txn.begin().await?;
        match update(&sp, id, title, description, window).await {
            Ok(done) => {
                sp.commit().await?;
                Ok(done)
            }
            Err(e) => {
                sp.rollback().await?;
                Err(e)
            }
        }
    }

    /// Active bookings of `resource_id` overlapping `[start, end)`, other than `except`.
    pub(crate) async fn overlapping(
        &self,
        resource_id: Uuid,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        except: Option<Uuid>,
    ) -> StoreResult<Vec<Busy>> {
        let rows = BusyRow::find_by_statement(sql(
            "SELECT b.id, b.resource_id, b.start_at, b.end_at, u.name AS holder_name \
             FROM resource_bookings b JOIN users u ON u.id = b.user_id \
             WHERE b.resource_id = $1 AND b.status = 'active' AND tstzrange(b.start_at, b.end_at) && tstzrange($2, $3) \
             AND b.id IS DISTINCT FROM $4 ORDER BY b.start_at LIMIT 20",
            [
                resource_id.into(),
                start.into(),
                end.into(),
                except.into(),
            ],
        ))
        .all(&self.txn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Busy {
                id: r.id,
                resource_id: r.resource_id,
                start_at: r.start_at,
                end_at: r.end_at,
                holder_name: r.holder_name,
            })
            .collect())
    }

    /// Does the resource have active bookings that have not ended yet?
    pub(crate) async fn has_upcoming(
        &self,
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
        .one(&self.txn)
        .await?;
        Ok(row.is_some_and(|r| r.found))
    }

    pub(crate) async fn insert_series(
        &self,
        id: Uuid,
        resource_id: Uuid,
        user_id: Uuid,
        rrule: &str,
        time_zone: &str,
    ) -> StoreResult<()> {
        self.txn.execute_raw(sql(
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

    /// Cancels the listed bookings that are still active; returns the ids it cancelled.
    pub(crate) async fn cancel(&self, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
        let rows = Id::find_by_statement(sql(
            "UPDATE resource_bookings SET status = 'cancelled', cancelled_at = now(), sequence = sequence + 1, \
             updated_at = now() WHERE id = ANY($1) AND status = 'active' RETURNING id",
            [ids.to_vec().into()],
        ))
        .all(&self.txn)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Ids of a series' active occurrences that have not ended, locked for cancelling.
    pub(crate) async fn series_upcoming(
        &self,
        series_id: Uuid,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Uuid>> {
        let rows = Id::find_by_statement(sql(
            "SELECT id FROM resource_bookings WHERE series_id = $1 AND status = 'active' AND end_at > $2 \
             ORDER BY start_at FOR UPDATE",
            [series_id.into(), now.into()],
        ))
        .all(&self.txn)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// The owner of a series, if it exists.
    /// Who made the series, and the team of its resource.
    pub(crate) async fn series_owner(&self, series_id: Uuid) -> StoreResult<Option<(Uuid, Uuid)>> {
        #[derive(FromQueryResult)]
        struct Owner {
            user_id: Uuid,
            team_id: Uuid,
        }
        Ok(Owner::find_by_statement(sql(
            "SELECT s.user_id, r.team_id FROM booking_series s JOIN resources r ON r.id = s.resource_id WHERE s.id = $1",
            [series_id.into()],
        ))
        .one(&self.txn)
        .await?
        .map(|o| (o.user_id, o.team_id)))
    }

    /// Asks for a calendar push of these bookings. With `leased_secs`, the rows start leased
    /// to the caller for that long: the worker leaves them alone meanwhile, while a claim for
    /// their booking still takes them (never attempted yet).
    pub(crate) async fn enqueue_push(
        &self,
        booking_ids: &[Uuid],
        leased_secs: Option<i64>,
    ) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
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
}
