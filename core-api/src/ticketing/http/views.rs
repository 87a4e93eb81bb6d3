//! Response shapes several resources share: a seat, a performance and general-admission units
//! as the API words them (field names fixed by DESIGN.md).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ticketing::{
    domain::status::SeatStatus,
    services::{holds::Item, views::Performance, views::Seat},
};

/// What never changes about a seat: where it is, its name, tier and price (a seat of the
/// layout, `GET /performances/{id}/seat-layout`).
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutSeat {
    pub(crate) id: Uuid,
    pub(crate) section: String,
    pub(crate) row: String,
    pub(crate) number: i32,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) price_tier: String,
    /// KRW, integer.
    pub(crate) price: i64,
}

/// A seat of the layout with its live status.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatView {
    #[serde(flatten)]
    pub(crate) seat: LayoutSeat,
    pub(crate) status: SeatStatus,
}

impl From<Seat> for SeatView {
    fn from(s: Seat) -> Self {
        SeatView {
            seat: LayoutSeat {
                id: s.id,
                section: s.section,
                row: s.row,
                number: s.number,
                x: s.x,
                y: s.y,
                price_tier: s.price_tier,
                price: s.price,
            },
            status: s.status,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PerformanceView {
    pub(crate) id: Uuid,
    pub(crate) event_id: Uuid,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) sale_opens_at: DateTime<Utc>,
    pub(crate) sale_closes_at: DateTime<Utc>,
    pub(crate) total_seats: i64,
    pub(crate) available_seats: i64,
    pub(crate) max_seats_per_user: i32,
    pub(crate) queue_enabled: bool,
    /// Buyers may cancel a paid ticket for a refund until this many minutes before the start.
    pub(crate) refund_cutoff_minutes: i32,
    /// `startsAt` less the refund cut-off: from then on only an admin can cancel a paid ticket.
    pub(crate) refund_cutoff_at: DateTime<Utc>,
    /// True while the event is on sale and now is inside the sale window.
    pub(crate) on_sale: bool,
}

impl From<Performance> for PerformanceView {
    fn from(p: Performance) -> Self {
        PerformanceView {
            id: p.id,
            event_id: p.event_id,
            starts_at: p.starts_at,
            sale_opens_at: p.sale_opens_at,
            sale_closes_at: p.sale_closes_at,
            total_seats: p.total_seats,
            available_seats: p.available_seats,
            max_seats_per_user: p.max_seats_per_user,
            queue_enabled: p.queue_enabled,
            refund_cutoff_minutes: p.refund_cutoff_minutes,
            refund_cutoff_at: p.refund_cutoff_at,
            on_sale: p.on_sale,
        }
    }
}

/// General-admission units in a hold or reservation.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ItemView {
    pub(crate) product_id: Uuid,
    pub(crate) name: String,
    pub(crate) quantity: u32,
    /// KRW per unit.
    pub(crate) unit_price: i64,
}

impl From<Item> for ItemView {
    fn from(i: Item) -> Self {
        ItemView {
            product_id: i.product_id,
            name: i.name,
            quantity: i.quantity,
            unit_price: i.unit_price,
        }
    }
}

/// Each element converted into its wire shape.
pub(crate) fn all<T, V: From<T>>(items: Vec<T>) -> Vec<V> {
    items.into_iter().map(V::from).collect()
}
