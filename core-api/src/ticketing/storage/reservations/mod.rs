//! Reservations: their rows and owner reads; the commit transaction is `ReservationTx` (`tx`,
//! with the group commit's batch in `batch` and later state changes in `lifecycle`).

mod batch;
mod bulk;
mod tx;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, FromQueryResult, TransactionTrait};
use uuid::Uuid;

pub(crate) use bulk::Refunded;
pub(crate) use tx::ReservationTx;

use crate::storage::{StoreResult, sql};
use crate::ticketing::{
    domain::{
        CancelWindow,
        status::{ReservationStatus, SeatStatus},
    },
    storage::seats::SeatRow,
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct ReservationRow {
    pub(crate) id: Uuid,
    pub(crate) reservation_number: String,
    pub(crate) user_id: Uuid,
    pub(crate) performance_id: Uuid,
    pub(crate) status: ReservationStatus,
    pub(crate) total_amount: i64,
    pub(crate) attendee_name: String,
    pub(crate) attendee_phone: String,
    pub(crate) attendee_email: Option<String>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) created_at: DateTime<Utc>,
    /// The performance's start and refund cut-off (until when the buyer may cancel).
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) refund_cutoff_minutes: i32,
}

impl ReservationRow {
    pub(crate) fn cancel_window(&self) -> CancelWindow {
        CancelWindow {
            starts_at: self.starts_at,
            refund_cutoff_minutes: self.refund_cutoff_minutes,
        }
    }
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct ReservedSeatRow {
    pub(crate) reservation_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) section: String,
    pub(crate) row_label: String,
    pub(crate) number: i32,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) price_tier: String,
    pub(crate) price: i64,
    pub(crate) status: SeatStatus,
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

pub(crate) struct NewReservation<'a> {
    pub(crate) id: Uuid,
    pub(crate) number: &'a str,
    pub(crate) user_id: Uuid,
    pub(crate) performance_id: Uuid,
    pub(crate) hold_id: Uuid,
    pub(crate) seat_ids: &'a [Uuid],
    pub(crate) attendee_name: &'a str,
    pub(crate) attendee_phone: &'a str,
    pub(crate) attendee_email: Option<&'a str>,
    pub(crate) expires_at: DateTime<Utc>,
}

/// What the reserving statement wrote.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reserved {
    /// Seats and units the user already had in live reservations of the performance; when
    /// that plus this reservation is over the limit, nothing was reserved.
    pub(crate) already: i64,
    /// Seats that were still AVAILABLE, and so reserved.
    pub(crate) seats: usize,
    pub(crate) total: i64,
    pub(crate) created_at: DateTime<Utc>,
}

/// One item of a group commit: whether it was written, and what the statement saw.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BatchItem {
    pub(crate) written: bool,
    pub(crate) reserved: Reserved,
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
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        ReservationRepo { db }
    }

    pub(crate) async fn begin(&self) -> StoreResult<ReservationTx> {
        Ok(ReservationTx::new(self.db.begin().await?))
    }

    pub(crate) async fn by_id(&self, id: Uuid) -> StoreResult<Option<ReservationRow>> {
        ReservationRow::find_by_statement(sql(
            &format!("{RESERVATION_SELECT} WHERE r.id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Reservations per status, every status present (0 when none).
    pub(crate) async fn count_by_status(&self) -> StoreResult<Vec<(ReservationStatus, i64)>> {
        #[derive(FromQueryResult)]
        struct Row {
            status: ReservationStatus,
            n: i64,
        }
        let rows = Row::find_by_statement(sql(
            "SELECT status, count(*) AS n FROM reservations GROUP BY status",
            [],
        ))
        .all(&self.db)
        .await?;
        Ok([
            ReservationStatus::PendingPayment,
            ReservationStatus::Confirmed,
            ReservationStatus::Cancelled,
            ReservationStatus::Expired,
        ]
        .into_iter()
        .map(|s| (s, rows.iter().find(|r| r.status == s).map_or(0, |r| r.n)))
        .collect())
    }

    /// The reservation a hold already became, if any (double clicks, retries).
    pub(crate) async fn by_hold(&self, hold_id: Uuid) -> StoreResult<Option<ReservationRow>> {
        ReservationRow::find_by_statement(sql(
            &format!("{RESERVATION_SELECT} WHERE r.hold_id = $1"),
            [hold_id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    pub(crate) async fn for_user(
        &self,
        user_id: Uuid,
        limit: u64,
    ) -> StoreResult<Vec<ReservationRow>> {
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
    pub(crate) async fn unavailable_among(
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
    pub(crate) async fn seats_of(
        &self,
        reservation_ids: &[Uuid],
    ) -> StoreResult<Vec<ReservedSeatRow>> {
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
