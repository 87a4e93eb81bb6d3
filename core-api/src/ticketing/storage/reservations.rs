//! Reservations: the commit transaction and owner reads.

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, FromQueryResult,
    TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::ticketing::domain::CancelWindow;
use crate::{
    shared::storage::idempotency::Claim, storage::sql, ticketing::storage::seats::SeatRow,
};

#[derive(Clone, Debug, FromQueryResult)]
pub struct ReservationRow {
    pub id: Uuid,
    pub reservation_number: String,
    pub user_id: Uuid,
    pub performance_id: Uuid,
    pub status: String,
    pub total_amount: i64,
    pub attendee_name: String,
    pub attendee_phone: String,
    pub attendee_email: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// The performance's start and refund cut-off (until when the buyer may cancel).
    pub starts_at: DateTime<Utc>,
    pub refund_cutoff_minutes: i32,
}

impl ReservationRow {
    pub fn cancel_window(&self) -> CancelWindow {
        CancelWindow {
            starts_at: self.starts_at,
            refund_cutoff_minutes: self.refund_cutoff_minutes,
        }
    }
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct ReservedSeatRow {
    pub reservation_id: Uuid,
    pub id: Uuid,
    pub section: String,
    pub row_label: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub price_tier: String,
    pub price: i64,
    pub status: String,
}

impl From<ReservedSeatRow> for SeatRow {
    fn from(r: ReservedSeatRow) -> Self {
        SeatRow {
            id: r.id,
            section: r.section,
            row_label: r.row_label,
            number: r.number,
            x: r.x,
            y: r.y,
            price_tier: r.price_tier,
            price: r.price,
            status: r.status,
            pg_held: false,
        }
    }
}

pub struct NewReservation<'a> {
    pub id: Uuid,
    pub number: &'a str,
    pub user_id: Uuid,
    pub performance_id: Uuid,
    pub hold_id: Uuid,
    pub seat_ids: &'a [Uuid],
    pub attendee_name: &'a str,
    pub attendee_phone: &'a str,
    pub attendee_email: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

/// What the reserving statement wrote.
#[derive(Clone, Copy, Debug)]
pub struct Reserved {
    /// Seats and units the user already had in live reservations of the performance; when
    /// that plus this reservation is over the limit, nothing was reserved.
    pub already: i64,
    /// Seats that were still AVAILABLE, and so reserved.
    pub seats: usize,
    pub total: i64,
    pub created_at: DateTime<Utc>,
}

/// One item of a group commit: whether it was written, and what the statement saw.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem {
    pub written: bool,
    pub reserved: Reserved,
}

/// Reservations `r` with their performance's start and refund cut-off.
pub(super) const RESERVATION_SELECT: &str = "SELECT r.id, r.reservation_number, r.user_id, r.performance_id, r.status, \
     r.total_amount, r.attendee_name, r.attendee_phone, r.attendee_email, r.expires_at, r.created_at, \
     p.starts_at, p.refund_cutoff_minutes FROM reservations r JOIN performances p ON p.id = r.performance_id";

#[derive(Clone)]
pub struct ReservationRepo {
    db: DatabaseConnection,
}

impl ReservationRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        ReservationRepo { db }
    }

    pub async fn begin(&self) -> StoreResult<ReservationTx> {
        Ok(ReservationTx {
            txn: self.db.begin().await?,
        })
    }

    pub async fn by_id(&self, id: Uuid) -> StoreResult<Option<ReservationRow>> {
        ReservationRow::find_by_statement(sql(
            &format!("{RESERVATION_SELECT} WHERE r.id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Reservations per status, every status present (0 when none).
    pub async fn count_by_status(&self) -> StoreResult<Vec<(&'static str, i64)>> {
        #[derive(FromQueryResult)]
        struct Row {
            status: String,
            n: i64,
        }
        let rows = Row::find_by_statement(sql(
            "SELECT status, count(*) AS n FROM reservations GROUP BY status",
            [],
        ))
        .all(&self.db)
        .await?;
        Ok(["PENDING_PAYMENT", "CONFIRMED", "CANCELLED", "EXPIRED"]
            .into_iter()
            .map(|s| (s, rows.iter().find(|r| r.status == s).map_or(0, |r| r.n)))
            .collect())
    }

    /// The reservation a hold already became, if any (double clicks, retries).
    pub async fn by_hold(&self, hold_id: Uuid) -> StoreResult<Option<ReservationRow>> {
        ReservationRow::find_by_statement(sql(
            &format!("{RESERVATION_SELECT} WHERE r.hold_id = $1"),
            [hold_id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    pub async fn for_user(&self, user_id: Uuid, limit: u64) -> StoreResult<Vec<ReservationRow>> {
        ReservationRow::find_by_statement(sql(
            &format!(
                "{RESERVATION_SELECT} WHERE r.user_id = $1 ORDER BY r.created_at DESC, r.id LIMIT $2"
            ),
            [user_id.into(), (limit as i64).into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }

    /// Which of the asked seats are not AVAILABLE right now (for the 409 details),
    /// read outside the commit transaction so its own writes do not count.
    pub async fn unavailable_among(
        &self,
        performance_id: Uuid,
        ids: &[Uuid],
    ) -> StoreResult<Vec<Uuid>> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let rows = Id::find_by_statement(sql(
            "SELECT id FROM seats WHERE performance_id = $1 AND id = ANY($2) AND status <> 'AVAILABLE' ORDER BY id",
            [performance_id.into(), ids.to_vec().into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Seats of the given reservations, in seat order.
    pub async fn seats_of(&self, reservation_ids: &[Uuid]) -> StoreResult<Vec<ReservedSeatRow>> {
        ReservedSeatRow::find_by_statement(sql(
            "SELECT rs.reservation_id, s.id, s.section, s.row_label, s.number, s.x, s.y, s.price_tier, rs.price, s.status \
             FROM reservation_seats rs JOIN seats s ON s.id = rs.seat_id \
             WHERE rs.reservation_id = ANY($1) ORDER BY s.section, s.y, s.x",
            [reservation_ids.to_vec().into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }
}

/// The commit of one reservation. Dropping it without `commit` rolls everything back.
pub struct ReservationTx {
    txn: DatabaseTransaction,
}

impl ReservationTx {
    /// The transaction, for the lifecycle and wallet statements that join it.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Serialises one user's commits on one performance, so the per-user limit check cannot
    /// be raced by the same user's parallel requests. `reserve` takes the same lock itself.
    pub async fn lock_user_performance(
        &self,
        user_id: Uuid,
        performance_id: Uuid,
    ) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                [format!("{user_id}/{performance_id}").into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    pub async fn live_reserved_count(
        &self,
        user_id: Uuid,
        performance_id: Uuid,
    ) -> StoreResult<i64> {
        crate::ticketing::storage::seats::count(&self.txn, user_id, performance_id).await
    }

    /// The per-user lock, the per-user limit check, the conditional UPDATE from DESIGN.md, the
    /// reservation row and its seat rows in one round trip. Seats are reserved only when the
    /// user's live seats plus these stay within `max_per_user`. Returns that count, how many
    /// seats were still AVAILABLE (and so reserved), their total and the `created_at`.
    pub async fn reserve(
        &self,
        r: &NewReservation<'_>,
        max_per_user: i64,
    ) -> StoreResult<Reserved> {
        crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "reserve_seats",
            self.reserve_seats(r, max_per_user),
        )
        .await
    }

    async fn reserve_seats(
        &self,
        r: &NewReservation<'_>,
        max_per_user: i64,
    ) -> StoreResult<Reserved> {
        #[derive(FromQueryResult)]
        struct Outcome {
            already: i64,
            reserved: i64,
            total: i64,
            created_at: DateTime<Utc>,
        }
        // The statement lives in the database (migration `reserve_seats_function`): planned
        // once per connection, and it takes the per-user lock itself.
        let outcome = Outcome::find_by_statement(sql(
            "SELECT out_already AS already, out_reserved AS reserved, out_total AS total, \
                 out_created_at AS created_at \
             FROM reserve_seats($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                r.id.into(),
                r.performance_id.into(),
                r.seat_ids.to_vec().into(),
                r.number.into(),
                r.user_id.into(),
                r.hold_id.into(),
                r.attendee_name.into(),
                r.attendee_phone.into(),
                r.attendee_email.map(str::to_owned).into(),
                r.expires_at.into(),
                max_per_user.into(),
            ],
        ))
        .one(&self.txn)
        .await?
        .ok_or(DbErr::RecordNotFound("reserve outcome".to_owned()))?;
        Ok(Reserved {
            already: outcome.already,
            seats: outcome.reserved as usize,
            total: outcome.total,
            created_at: outcome.created_at,
        })
    }

    /// Several reservations in this transaction (group commit), each in its own savepoint:
    /// one refused item (seats gone, over the limit, hold already reserved) leaves the others
    /// written. One outcome per item, in order. Any other error fails them all.
    pub async fn reserve_batch(
        &self,
        items: &[(NewReservation<'_>, i64)],
    ) -> StoreResult<Vec<BatchItem>> {
        crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "reserve_seats_batch",
            self.reserve_seats_batch(items),
        )
        .await
    }

    async fn reserve_seats_batch(
        &self,
        items: &[(NewReservation<'_>, i64)],
    ) -> StoreResult<Vec<BatchItem>> {
        #[derive(FromQueryResult)]
        struct Outcome {
            ok: bool,
            already: i64,
            reserved: i64,
            total: i64,
            created_at: Option<DateTime<Utc>>,
        }
        let ids: Vec<Uuid> = items.iter().map(|(r, _)| r.id).collect();
        let performances: Vec<Uuid> = items.iter().map(|(r, _)| r.performance_id).collect();
        let counts: Vec<i32> = items.iter().map(|(r, _)| r.seat_ids.len() as i32).collect();
        let seats: Vec<Uuid> = items
            .iter()
            .flat_map(|(r, _)| r.seat_ids.iter().copied())
            .collect();
        let numbers: Vec<String> = items.iter().map(|(r, _)| r.number.to_owned()).collect();
        let users: Vec<Uuid> = items.iter().map(|(r, _)| r.user_id).collect();
        let holds: Vec<Uuid> = items.iter().map(|(r, _)| r.hold_id).collect();
        let names: Vec<String> = items
            .iter()
            .map(|(r, _)| r.attendee_name.to_owned())
            .collect();
        let phones: Vec<String> = items
            .iter()
            .map(|(r, _)| r.attendee_phone.to_owned())
            .collect();
        // Arrays are bound without NULL elements: "" stands for no email.
        let emails: Vec<String> = items
            .iter()
            .map(|(r, _)| r.attendee_email.unwrap_or_default().to_owned())
            .collect();
        let expires: Vec<DateTime<Utc>> = items.iter().map(|(r, _)| r.expires_at).collect();
        let max: Vec<i64> = items.iter().map(|(_, max)| *max).collect();
        let rows = Outcome::find_by_statement(sql(
            "SELECT out_reserved_ok AS ok, out_already AS already, out_reserved AS reserved, \
                 out_total AS total, out_created_at AS created_at \
             FROM reserve_seats_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ORDER BY out_index",
            [
                ids.into(),
                performances.into(),
                counts.into(),
                seats.into(),
                numbers.into(),
                users.into(),
                holds.into(),
                names.into(),
                phones.into(),
                emails.into(),
                expires.into(),
                max.into(),
            ],
        ))
        .all(&self.txn)
        .await?;
        if rows.len() != items.len() {
            return Err(DbErr::RecordNotFound("reserve_seats_batch outcome".to_owned()).into());
        }
        Ok(rows
            .into_iter()
            .map(|o| BatchItem {
                written: o.ok,
                reserved: Reserved {
                    already: o.already,
                    seats: o.reserved as usize,
                    total: o.total,
                    created_at: o.created_at.unwrap_or_default(),
                },
            })
            .collect())
    }

    /// Undoes reservations this transaction wrote (their holds could not be converted).
    pub async fn unreserve(&self, reservation_ids: &[Uuid]) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "SELECT unreserve_seats($1)",
                [reservation_ids.to_vec().into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    pub async fn commit(self) -> StoreResult<()> {
        self.txn.commit().await.map_err(Into::into)
    }

    /// Commits, having first stored `answer` as the Idempotency-Key `claim`'s answer (if there
    /// is one) in this same transaction.
    pub async fn commit_answering<T: Serialize>(
        self,
        claim: Option<&Claim>,
        status: u16,
        answer: &T,
    ) -> StoreResult<()> {
        if let Some(claim) = claim {
            claim.answer_in(&self.txn, status, answer).await?;
        }
        self.txn.commit().await?;
        if let Some(claim) = claim {
            claim.committed();
        }
        Ok(())
    }

    pub async fn rollback(self) -> StoreResult<()> {
        self.txn.rollback().await.map_err(Into::into)
    }
}
