//! A seat and a performance as every resource shows them (the seat's status as the buyer sees
//! it, the performance with its refund cut-off and whether it sells right now).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ticketing::{
    domain::{
        CancelWindow,
        status::{EventStatus, SeatStatus},
    },
    storage::{catalog::PerformanceRow, seats::SeatRow},
};

#[derive(Clone, Debug)]
pub struct Seat {
    pub id: Uuid,
    pub section: String,
    pub row: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub price_tier: String,
    /// KRW, integer.
    pub price: i64,
    pub status: SeatStatus,
}

impl Seat {
    pub(crate) fn from_row(row: SeatRow, held_in_redis: bool) -> Self {
        let held = held_in_redis || row.pg_held;
        let status = match row.status {
            SeatStatus::Available if held => SeatStatus::Held,
            SeatStatus::Available => SeatStatus::Available,
            SeatStatus::Reserved => SeatStatus::Reserved,
            SeatStatus::Held | SeatStatus::Sold => SeatStatus::Sold,
        };
        Seat {
            id: row.id,
            section: row.section,
            row: row.row_label,
            number: row.number,
            x: row.x,
            y: row.y,
            price_tier: row.price_tier,
            price: row.price,
            status,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Performance {
    pub id: Uuid,
    pub event_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub sale_opens_at: DateTime<Utc>,
    pub sale_closes_at: DateTime<Utc>,
    pub total_seats: i64,
    pub available_seats: i64,
    pub max_seats_per_user: i32,
    pub queue_enabled: bool,
    /// Buyers may cancel a paid ticket for a refund until this many minutes before the start.
    pub refund_cutoff_minutes: i32,
    /// `startsAt` less the refund cut-off: from then on only an admin can cancel a paid ticket.
    pub refund_cutoff_at: DateTime<Utc>,
    /// True while the event is on sale and now is inside the sale window.
    pub on_sale: bool,
}

impl Performance {
    pub(crate) fn from_row(p: PerformanceRow, now: DateTime<Utc>) -> Self {
        let window = CancelWindow {
            starts_at: p.starts_at,
            refund_cutoff_minutes: p.refund_cutoff_minutes,
        };
        Performance {
            on_sale: sale_is_open(&p, now),
            refund_cutoff_minutes: p.refund_cutoff_minutes,
            refund_cutoff_at: window.refund_cutoff_at(),
            id: p.id,
            event_id: p.event_id,
            starts_at: p.starts_at,
            sale_opens_at: p.sale_opens_at,
            sale_closes_at: p.sale_closes_at,
            total_seats: p.total_seats,
            available_seats: p.available_seats,
            max_seats_per_user: p.max_seats_per_user,
            queue_enabled: p.queue_enabled,
        }
    }
}

/// A performance sells when its event is ON_SALE and `now` is inside [opens, closes).
pub(crate) fn sale_is_open(p: &PerformanceRow, now: DateTime<Utc>) -> bool {
    p.event_status == EventStatus::OnSale && p.sale_opens_at <= now && now < p.sale_closes_at
}

pub(crate) fn millis_to_utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
