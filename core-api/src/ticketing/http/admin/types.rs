//! The request and response shapes of `/admin/*`, and how they become the admin service's
//! inputs and leave as answers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ticketing::services::admin::{
    LayoutSpec, NewEvent, NewVenue, PerformanceSpec, SeatCounts, SeatSpec, SectionSpec, Venue,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateVenueRequest {
    pub name: String,
    pub layout: LayoutInput,
}

/// Either rectangular sections to generate, or every seat spelled out (or both).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LayoutInput {
    #[serde(default)]
    pub sections: Vec<SectionInput>,
    #[serde(default)]
    pub seats: Vec<SeatInput>,
}

/// A rectangular block: rows are lettered A, B, ... Z, AA, AB ...; seats numbered from 1.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionInput {
    pub name: String,
    pub price_tier: String,
    pub rows: u32,
    pub seats_per_row: u32,
    /// Drawing origin of the block (layout units).
    #[serde(default)]
    pub x: i32,
    #[serde(default)]
    pub y: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatInput {
    pub section: String,
    pub row: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub price_tier: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VenueView {
    pub id: Uuid,
    pub name: String,
    pub total_seats: usize,
    pub price_tiers: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateEventRequest {
    pub venue_id: Uuid,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SetEventStatusRequest {
    #[schema(value_type = crate::ticketing::domain::status::EventStatus)]
    pub status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatePerformanceRequest {
    pub starts_at: DateTime<Utc>,
    pub sale_opens_at: DateTime<Utc>,
    pub sale_closes_at: DateTime<Utc>,
    #[serde(default = "default_max_seats")]
    pub max_seats_per_user: i32,
    #[serde(default)]
    pub queue_enabled: bool,
    /// Buyers may cancel a paid ticket for a refund until this many minutes before the start
    /// (0 to 525600; default 1440, a day). Admins can cancel and refund at any time.
    #[serde(default = "default_refund_cutoff")]
    pub refund_cutoff_minutes: i32,
    /// Price in KRW for every price tier of the venue.
    pub prices: BTreeMap<String, i64>,
}

fn default_max_seats() -> i32 {
    4
}

fn default_refund_cutoff() -> i32 {
    1440
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SetRefundCutoffRequest {
    /// 0 to 525600 minutes before the start.
    pub refund_cutoff_minutes: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PerformanceStats {
    pub performance_id: Uuid,
    pub total_seats: i64,
    pub available: i64,
    pub held: i64,
    pub reserved: i64,
    pub sold: i64,
}

impl From<CreateVenueRequest> for NewVenue {
    fn from(r: CreateVenueRequest) -> Self {
        NewVenue {
            name: r.name,
            layout: LayoutSpec {
                sections: r
                    .layout
                    .sections
                    .into_iter()
                    .map(|s| SectionSpec {
                        name: s.name,
                        price_tier: s.price_tier,
                        rows: s.rows,
                        seats_per_row: s.seats_per_row,
                        x: s.x,
                        y: s.y,
                    })
                    .collect(),
                seats: r
                    .layout
                    .seats
                    .into_iter()
                    .map(|s| SeatSpec {
                        section: s.section,
                        row: s.row,
                        number: s.number,
                        x: s.x,
                        y: s.y,
                        price_tier: s.price_tier,
                    })
                    .collect(),
            },
        }
    }
}

impl From<Venue> for VenueView {
    fn from(v: Venue) -> Self {
        VenueView {
            id: v.id,
            name: v.name,
            total_seats: v.total_seats,
            price_tiers: v.price_tiers,
        }
    }
}

impl From<CreateEventRequest> for NewEvent {
    fn from(r: CreateEventRequest) -> Self {
        NewEvent {
            venue_id: r.venue_id,
            title: r.title,
            description: r.description,
        }
    }
}

impl From<CreatePerformanceRequest> for PerformanceSpec {
    fn from(r: CreatePerformanceRequest) -> Self {
        PerformanceSpec {
            starts_at: r.starts_at,
            sale_opens_at: r.sale_opens_at,
            sale_closes_at: r.sale_closes_at,
            max_seats_per_user: r.max_seats_per_user,
            queue_enabled: r.queue_enabled,
            refund_cutoff_minutes: r.refund_cutoff_minutes,
            prices: r.prices,
        }
    }
}

impl From<SeatCounts> for PerformanceStats {
    fn from(c: SeatCounts) -> Self {
        PerformanceStats {
            performance_id: c.performance_id,
            total_seats: c.total_seats,
            available: c.available,
            held: c.held,
            reserved: c.reserved,
            sold: c.sold,
        }
    }
}
