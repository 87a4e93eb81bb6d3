//! Admin: venues with layouts, events, performances (seats generated), sale windows, stats.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ticketing::services::{catalog::EventView, rules::RulesCache, views::PerformanceView};
use crate::{
    error::{Error, Result},
    ticketing::{
        domain::MAX_REFUND_CUTOFF_MINUTES,
        storage::{
            catalog::{CatalogRepo, LayoutSeat, NewPerformance},
            holds::Holds,
        },
    },
};

/// Largest venue we accept in one layout.
const MAX_VENUE_SEATS: usize = 100_000;
/// Distance between neighbouring seats in layout units, for generated sections.
const SEAT_PITCH: i32 = 10;

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

fn check_refund_cutoff(minutes: i32) -> Result<()> {
    if !(0..=MAX_REFUND_CUTOFF_MINUTES).contains(&minutes) {
        return Err(Error::validation(
            "refundCutoffMinutes",
            format!("must be between 0 and {MAX_REFUND_CUTOFF_MINUTES}"),
        ));
    }
    Ok(())
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

#[derive(Clone)]
pub struct AdminService {
    catalog: CatalogRepo,
    holds: Holds,
    /// Dropped here when an admin changes a sale window or an event's status.
    rules: RulesCache,
}

impl AdminService {
    pub fn new(catalog: CatalogRepo, holds: Holds, rules: RulesCache) -> Self {
        AdminService {
            catalog,
            holds,
            rules,
        }
    }

    pub async fn create_venue(&self, req: CreateVenueRequest) -> Result<VenueView> {
        let name = bounded_text("name", &req.name, 200)?;
        let seats = expand_layout(&req.layout)?;
        let id = self.catalog.insert_venue(&name, &seats).await?;
        let tiers: HashSet<&str> = seats.iter().map(|s| s.price_tier.as_str()).collect();
        let mut price_tiers: Vec<String> = tiers.into_iter().map(str::to_owned).collect();
        price_tiers.sort();
        Ok(VenueView {
            id,
            name,
            total_seats: seats.len(),
            price_tiers,
        })
    }

    pub async fn create_event(&self, req: CreateEventRequest) -> Result<EventView> {
        let title = bounded_text("title", &req.title, 200)?;
        if req.description.chars().count() > 5_000 {
            return Err(Error::validation("description", "at most 5000 characters"));
        }
        if !self.catalog.venue_exists(req.venue_id).await? {
            return Err(Error::NotFound("venue"));
        }
        let id = self
            .catalog
            .insert_event(req.venue_id, &title, &req.description)
            .await?;
        self.event(id).await
    }

    async fn event(&self, id: Uuid) -> Result<EventView> {
        let row = self
            .catalog
            .event(id)
            .await?
            .ok_or(Error::NotFound("event"))?;
        Ok(EventView::from_row(row, None))
    }

    pub async fn set_event_status(
        &self,
        id: Uuid,
        req: SetEventStatusRequest,
    ) -> Result<EventView> {
        const STATUSES: [&str; 5] = ["DRAFT", "ON_SALE", "SOLD_OUT", "ENDED", "CANCELLED"];
        if !STATUSES.contains(&req.status.as_str()) {
            return Err(Error::validation(
                "status",
                "must be one of DRAFT, ON_SALE, SOLD_OUT, ENDED, CANCELLED",
            ));
        }
        self.event(id).await?;
        self.catalog.set_event_status(id, &req.status).await?;
        self.rules.clear();
        self.event(id).await
    }

    pub async fn create_performance(
        &self,
        event_id: Uuid,
        req: CreatePerformanceRequest,
    ) -> Result<PerformanceView> {
        let event = self
            .catalog
            .event(event_id)
            .await?
            .ok_or(Error::NotFound("event"))?;
        if req.sale_opens_at > req.sale_closes_at {
            return Err(Error::validation(
                "saleClosesAt",
                "must not be before saleOpensAt",
            ));
        }
        if !(1..=50).contains(&req.max_seats_per_user) {
            return Err(Error::validation(
                "maxSeatsPerUser",
                "must be between 1 and 50",
            ));
        }
        check_refund_cutoff(req.refund_cutoff_minutes)?;
        if let Some((tier, _)) = req
            .prices
            .iter()
            .find(|(_, p)| !(0..=100_000_000).contains(*p))
        {
            return Err(Error::validation(
                &format!("prices.{tier}"),
                "must be 0 to 100,000,000 KRW",
            ));
        }
        let tiers = self.catalog.venue_tiers(event.venue_id).await?;
        let missing: Vec<&String> = tiers
            .iter()
            .filter(|t| !req.prices.contains_key(*t))
            .collect();
        let unknown: Vec<&String> = req.prices.keys().filter(|t| !tiers.contains(t)).collect();
        if !missing.is_empty() || !unknown.is_empty() {
            return Err(Error::Validation {
                message: "prices must name exactly the venue's price tiers".to_owned(),
                details: json!({ "field": "prices", "missingTiers": missing, "unknownTiers": unknown }),
            });
        }
        let id = self
            .catalog
            .insert_performance(&NewPerformance {
                event_id,
                starts_at: req.starts_at,
                sale_opens_at: req.sale_opens_at,
                sale_closes_at: req.sale_closes_at,
                max_seats_per_user: req.max_seats_per_user,
                queue_enabled: req.queue_enabled,
                refund_cutoff_minutes: req.refund_cutoff_minutes,
                prices: req.prices.into_iter().collect(),
            })
            .await?;
        self.performance(id).await
    }

    async fn performance(&self, id: Uuid) -> Result<PerformanceView> {
        let row = self
            .catalog
            .performance(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        Ok(PerformanceView::from_row(row, Utc::now()))
    }

    /// Changes how long before the start buyers may still cancel a paid ticket for a refund.
    /// Reservations already made follow the new cut-off.
    pub async fn set_refund_cutoff(
        &self,
        id: Uuid,
        req: SetRefundCutoffRequest,
    ) -> Result<PerformanceView> {
        check_refund_cutoff(req.refund_cutoff_minutes)?;
        if !self
            .catalog
            .set_refund_cutoff(id, req.refund_cutoff_minutes)
            .await?
        {
            return Err(Error::NotFound("performance"));
        }
        self.rules.forget(id);
        self.performance(id).await
    }

    /// Opens the sale now: the window starts now at the latest and stays open until the
    /// performance starts (or a day from now if it already started). A draft event goes on sale.
    pub async fn open_sale(&self, id: Uuid, now: DateTime<Utc>) -> Result<PerformanceView> {
        let p = self
            .catalog
            .performance_rules(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        let opens = p.sale_opens_at.min(now);
        let closes = if p.sale_closes_at > now {
            p.sale_closes_at
        } else if p.starts_at > now {
            p.starts_at
        } else {
            now + Duration::days(1)
        };
        self.catalog.set_sale_window(id, opens, closes).await?;
        if p.event_status == "DRAFT" {
            self.catalog.set_event_status(p.event_id, "ON_SALE").await?;
            self.rules.clear();
        }
        self.rules.forget(id);
        self.performance(id).await
    }

    /// Closes the sale now. Live holds may still be turned into reservations.
    pub async fn close_sale(&self, id: Uuid, now: DateTime<Utc>) -> Result<PerformanceView> {
        let p = self
            .catalog
            .performance_rules(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        self.catalog
            .set_sale_window(id, p.sale_opens_at.min(now), now)
            .await?;
        self.rules.forget(id);
        self.performance(id).await
    }

    pub async fn stats(&self, id: Uuid) -> Result<PerformanceStats> {
        self.catalog
            .performance_rules(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        let counts = self.catalog.seat_counts(id).await?;
        let of = |status: &str| {
            counts
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n)
        };
        let redis_held = self.holds.redis_held_seats(id).await?.len() as i64;
        let held = redis_held + self.catalog.pg_held_count(id).await?;
        Ok(PerformanceStats {
            performance_id: id,
            total_seats: counts.iter().map(|(_, n)| n).sum(),
            available: (of("AVAILABLE") - held).max(0),
            held,
            reserved: of("RESERVED"),
            sold: of("SOLD"),
        })
    }
}

fn bounded_text(field: &str, raw: &str, max: usize) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Row labels A..Z, AA..AZ, BA.. like a spreadsheet's columns.
pub fn row_label(mut index: u32) -> String {
    let mut label = Vec::new();
    loop {
        label.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    label.reverse();
    String::from_utf8(label).unwrap_or_default()
}

fn expand_layout(layout: &LayoutInput) -> Result<Vec<LayoutSeat>> {
    let generated: usize = layout
        .sections
        .iter()
        .map(|s| s.rows as usize * s.seats_per_row as usize)
        .sum();
    let total = generated + layout.seats.len();
    if total == 0 || total > MAX_VENUE_SEATS {
        return Err(Error::validation(
            "layout",
            format!("a venue has 1 to {MAX_VENUE_SEATS} seats"),
        ));
    }
    let mut seats = Vec::with_capacity(total);
    for (i, s) in layout.sections.iter().enumerate() {
        let name = bounded_text(&format!("layout.sections[{i}].name"), &s.name, 50)?;
        let tier = bounded_text(
            &format!("layout.sections[{i}].priceTier"),
            &s.price_tier,
            50,
        )?;
        for row in 0..s.rows {
            for number in 1..=s.seats_per_row {
                seats.push(LayoutSeat {
                    section: name.clone(),
                    row_label: row_label(row),
                    number: number as i32,
                    x: s.x.saturating_add(number as i32 * SEAT_PITCH),
                    y: s.y.saturating_add(row as i32 * SEAT_PITCH),
                    price_tier: tier.clone(),
                });
            }
        }
    }
    for (i, s) in layout.seats.iter().enumerate() {
        if s.number <= 0 {
            return Err(Error::validation(
                &format!("layout.seats[{i}].number"),
                "must be positive",
            ));
        }
        seats.push(LayoutSeat {
            section: bounded_text(&format!("layout.seats[{i}].section"), &s.section, 50)?,
            row_label: bounded_text(&format!("layout.seats[{i}].row"), &s.row, 20)?,
            number: s.number,
            x: s.x,
            y: s.y,
            price_tier: bounded_text(&format!("layout.seats[{i}].priceTier"), &s.price_tier, 50)?,
        });
    }
    let mut positions = HashSet::with_capacity(seats.len());
    if let Some(dup) = seats
        .iter()
        .find(|s| !positions.insert((&s.section, &s.row_label, s.number)))
    {
        return Err(Error::validation(
            "layout",
            format!(
                "seat {} {}-{} appears twice",
                dup.section, dup.row_label, dup.number
            ),
        ));
    }
    Ok(seats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_lettered_like_spreadsheet_columns() {
        let labels: Vec<String> = [0, 1, 25, 26, 27, 51, 52]
            .into_iter()
            .map(row_label)
            .collect();
        assert_eq!(labels, ["A", "B", "Z", "AA", "AB", "AZ", "BA"]);
    }

    #[test]
    fn a_three_by_three_section_makes_nine_distinct_seats() {
        let layout = LayoutInput {
            sections: vec![SectionInput {
                name: "A".into(),
                price_tier: "R".into(),
                rows: 3,
                seats_per_row: 3,
                x: 0,
                y: 0,
            }],
            seats: vec![],
        };
        let seats = expand_layout(&layout).expect("valid");
        assert_eq!(seats.len(), 9);
        assert_eq!(
            (
                seats[8].row_label.as_str(),
                seats[8].number,
                seats[8].x,
                seats[8].y
            ),
            ("C", 3, 30, 20)
        );
    }

    #[test]
    fn empty_oversized_and_overlapping_layouts_are_refused() {
        assert!(expand_layout(&LayoutInput::default()).is_err());
        let huge = LayoutInput {
            sections: vec![SectionInput {
                name: "A".into(),
                price_tier: "R".into(),
                rows: 1000,
                seats_per_row: 1000,
                x: 0,
                y: 0,
            }],
            seats: vec![],
        };
        assert!(expand_layout(&huge).is_err());
        let twice = LayoutInput {
            sections: vec![SectionInput {
                name: "A".into(),
                price_tier: "R".into(),
                rows: 1,
                seats_per_row: 1,
                x: 0,
                y: 0,
            }],
            seats: vec![SeatInput {
                section: "A".into(),
                row: "A".into(),
                number: 1,
                x: 5,
                y: 5,
                price_tier: "R".into(),
            }],
        };
        assert!(expand_layout(&twice).is_err());
    }
}
