//! The request and response shapes of `/admin/*`, and how they become the admin service's
//! inputs and leave as answers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ticketing::services::admin::{
    LayoutSpec, NewEvent, NewVenue, PerformanceSpec, SeatCounts, SeatSpec, SectionSpec, Stage,
    Venue,
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateVenueRequest {
    pub(crate) name: String,
    pub(crate) layout: LayoutInput,
}

/// Either rectangular sections to generate, or every seat spelled out (or both).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutInput {
    #[serde(default)]
    pub(crate) sections: Vec<SectionInput>,
    #[serde(default)]
    pub(crate) seats: Vec<SeatInput>,
    /// Where the stage is drawn (layout units); null for none.
    #[serde(default)]
    pub(crate) stage: Option<StageView>,
}

/// The stage's rectangle, for drawing.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StageView {
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) width: i32,
    pub(crate) height: i32,
}

/// A rectangular block: rows are lettered A, B, ... Z, AA, AB ...; seats numbered from 1.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SectionInput {
    pub(crate) name: String,
    pub(crate) price_tier: String,
    pub(crate) rows: u32,
    pub(crate) seats_per_row: u32,
    /// Drawing origin of the block (layout units).
    #[serde(default)]
    pub(crate) x: i32,
    #[serde(default)]
    pub(crate) y: i32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatInput {
    pub(crate) section: String,
    pub(crate) row: String,
    pub(crate) number: i32,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) price_tier: String,
    /// standard (default), accessible or companion.
    #[serde(default)]
    pub(crate) kind: Option<String>,
    /// null (on sale), blocked or production: such a seat is never sold (performances are
    /// created without it).
    #[serde(default)]
    pub(crate) off_sale: Option<String>,
    /// What the seat map shows for it instead of row-number (optional).
    #[serde(default)]
    pub(crate) label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VenueView {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) total_seats: usize,
    pub(crate) price_tiers: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateEventRequest {
    pub(crate) venue_id: Uuid,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetEventStatusRequest {
    #[schema(value_type = crate::ticketing::domain::status::EventStatus)]
    pub(crate) status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatePerformanceRequest {
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) sale_opens_at: DateTime<Utc>,
    pub(crate) sale_closes_at: DateTime<Utc>,
    #[serde(default = "default_max_seats")]
    pub(crate) max_seats_per_user: i32,
    #[serde(default)]
    pub(crate) queue_enabled: bool,
    /// Buyers may cancel a paid ticket for a refund until this many minutes before the start
    /// (0 to 525600; default 1440, a day). Admins can cancel and refund at any time.
    #[serde(default = "default_refund_cutoff")]
    pub(crate) refund_cutoff_minutes: i32,
    /// Price in KRW for every price tier of the venue.
    pub(crate) prices: BTreeMap<String, i64>,
}

fn default_max_seats() -> i32 {
    4
}

fn default_refund_cutoff() -> i32 {
    1440
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SetRefundCutoffRequest {
    /// 0 to 525600 minutes before the start.
    pub(crate) refund_cutoff_minutes: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PerformanceStats {
    pub(crate) performance_id: Uuid,
    pub(crate) total_seats: i64,
    pub(crate) available: i64,
    pub(crate) held: i64,
    pub(crate) reserved: i64,
    pub(crate) sold: i64,
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
                        kind: s.kind,
                        off_sale: s.off_sale,
                        label: s.label,
                    })
                    .collect(),
                stage: r.layout.stage.map(|s| Stage {
                    x: s.x,
                    y: s.y,
                    width: s.width,
                    height: s.height,
                }),
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
