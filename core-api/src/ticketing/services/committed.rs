//! A seat reservation just committed, alone or by the group committer: its answer, built from
//! what was written, and its announcement on the seat stream. Both committers use these, so
//! the dependency runs one way (`reservations` → `group_commit` → here).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    error::Result,
    ticketing::{
        domain::{
            Attendee, CancelWindow,
            status::{ReservationStatus, SeatChangeReason, SeatStatus},
        },
        services::{holds::Item, seat_layout::SeatLayouts, stream::Publisher, views::Seat},
        storage::{
            holds::{HoldRecord, Holds},
            reservations::{NewReservation, ReservationRow, Reserved},
            seats::SeatRow,
        },
    },
};

/// A reservation with its seats or general-admission units, as its owner sees it.
#[derive(Clone, Debug)]
pub struct Reservation {
    pub reservation_id: Uuid,
    pub reservation_number: String,
    pub performance_id: Uuid,
    pub status: ReservationStatus,
    pub seats: Vec<Seat>,
    /// KRW.
    pub total_amount: i64,
    /// When an unpaid reservation lapses.
    pub expires_at: DateTime<Utc>,
    pub attendee: Attendee,
    pub created_at: DateTime<Utc>,
    /// Until when (exclusive) the buyer may cancel; none once cancelled or expired.
    pub cancellable_until: Option<DateTime<Utc>>,
    /// General-admission units (empty for a seat reservation).
    pub items: Vec<Item>,
}

/// How the HTTP layer words a reservation: its Idempotency-Key answer is stored in the
/// commit's own transaction, so the key's answer and the reservation commit together.
pub type Wording = fn(&Reservation) -> serde_json::Value;

/// After a reservation's COMMIT: drops its hold's index entry and announces its seats
/// (RESERVED, or SOLD when paid at once) on the seat stream. Best effort, like both steps.
pub(crate) async fn announce_commit(
    holds: &Holds,
    publisher: &Publisher,
    hold: &HoldRecord,
    paid: bool,
) {
    holds.forget(hold).await;
    metrics::counter!("reservations_created_total").increment(1);
    metrics::counter!("holds_converted_total").increment(1);
    let (status, reason) = if paid {
        (SeatStatus::Sold, SeatChangeReason::Sold)
    } else {
        (SeatStatus::Reserved, SeatChangeReason::Reserved)
    };
    publisher
        .publish(hold.performance_id, hold.seat_ids.clone(), status, reason)
        .await;
}

/// The answer to a seat reservation just committed, from what the commit wrote and the
/// cached seat layout: no read-back. `seat_status` is RESERVED, or SOLD when paid at once.
pub(crate) async fn seat_reservation(
    layouts: &SeatLayouts,
    row: ReservationRow,
    seat_ids: &[Uuid],
    seat_status: SeatStatus,
) -> Result<Reservation> {
    let layout = layouts.get(row.performance_id).await?;
    let mut seats: Vec<SeatRow> = seat_ids
        .iter()
        .filter_map(|id| layout.seat(id))
        .map(|seat| SeatRow {
            status: seat_status,
            ..seat.clone()
        })
        .collect();
    seats.sort_by(|a, b| (&a.section, a.y, a.x).cmp(&(&b.section, b.y, b.x)));
    let seats = seats
        .into_iter()
        .map(|s| Seat::from_row(s, false))
        .collect();
    Ok(reservation_of(row, seats, Vec::new()))
}

/// The reservation row a seat reservation wrote, without reading it back.
pub(crate) fn written_row(
    new: &NewReservation<'_>,
    attendee: &Attendee,
    status: ReservationStatus,
    reserved: Reserved,
    window: CancelWindow,
) -> ReservationRow {
    ReservationRow {
        id: new.id,
        reservation_number: new.number.to_owned(),
        user_id: new.user_id,
        performance_id: new.performance_id,
        status,
        total_amount: reserved.total,
        attendee_name: attendee.name.clone(),
        attendee_phone: attendee.phone.clone(),
        attendee_email: attendee.email.clone(),
        expires_at: new.expires_at,
        created_at: reserved.created_at,
        starts_at: window.starts_at,
        refund_cutoff_minutes: window.refund_cutoff_minutes,
    }
}

pub(crate) fn reservation_of(r: ReservationRow, seats: Vec<Seat>, items: Vec<Item>) -> Reservation {
    Reservation {
        cancellable_until: r.cancel_window().buyer_deadline(r.status),
        seats,
        items,
        reservation_id: r.id,
        reservation_number: r.reservation_number,
        performance_id: r.performance_id,
        status: r.status,
        total_amount: r.total_amount,
        expires_at: r.expires_at,
        attendee: Attendee {
            name: r.attendee_name,
            phone: r.attendee_phone,
            email: r.attendee_email,
        },
        created_at: r.created_at,
    }
}
