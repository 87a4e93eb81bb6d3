//! Admin: venues with layouts (expanded into seats in `layout`), events, performances (seats
//! generated), sale windows, stats.

mod events;
mod layout;
mod venues;

pub(crate) use events::{AdminEvent, AdminPerformance, PerformanceEdit};
pub use layout::{LayoutSpec, SeatSpec, SectionSpec, Stage};
pub(crate) use venues::VenueLayout;

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, Duration, Utc};
use holdfast_contract::clock::Clock;
use serde_json::json;
use uuid::Uuid;

use crate::ticketing::domain::status::{EventStatus, SeatStatus};

use crate::ticketing::services::{catalog::Event, rules::RulesCache, views::Performance};
use crate::{
    error::{Error, Result},
    shared::storage::audit,
    ticketing::{
        domain::MAX_REFUND_CUTOFF_MINUTES,
        storage::{
            catalog::{CatalogRepo, NewPerformance},
            holds::Holds,
        },
    },
};

/// A venue to create: its name and layout.
#[derive(Debug)]
pub struct NewVenue {
    pub name: String,
    pub layout: LayoutSpec,
}

/// A venue as created: its seat count and price tiers.
#[derive(Clone, Debug)]
pub struct Venue {
    pub id: Uuid,
    pub name: String,
    pub total_seats: usize,
    pub price_tiers: Vec<String>,
}

/// An event to create, DRAFT, at a venue.
#[derive(Debug)]
pub struct NewEvent {
    pub venue_id: Uuid,
    pub title: String,
    pub description: String,
}

/// A performance to create, with a price for every tier of the venue.
#[derive(Debug)]
pub struct PerformanceSpec {
    pub starts_at: DateTime<Utc>,
    pub sale_opens_at: DateTime<Utc>,
    pub sale_closes_at: DateTime<Utc>,
    pub max_seats_per_user: i32,
    pub queue_enabled: bool,
    pub refund_cutoff_minutes: i32,
    pub prices: BTreeMap<String, i64>,
}

/// A performance's seats by status right now (HELD counts Redis and Postgres holds).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SeatCounts {
    pub(crate) performance_id: Uuid,
    pub(crate) total_seats: i64,
    pub(crate) available: i64,
    pub(crate) held: i64,
    pub(crate) reserved: i64,
    pub(crate) sold: i64,
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

/// An admin list's search text: trimmed, none when empty, at most 100 characters (field `q`).
pub(crate) fn search_text(query: Option<&str>) -> Result<Option<&str>> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    if query.is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::validation("q", "must be at most 100 characters"));
    }
    Ok(query)
}

/// The paging every admin list takes: 1-100 per page, at most 100,000 skipped.
pub(crate) fn check_page(limit: u64, offset: u64) -> Result<()> {
    if !(1..=100).contains(&limit) {
        return Err(Error::validation("limit", "must be 1 to 100"));
    }
    if offset > 100_000 {
        return Err(Error::validation("offset", "must be at most 100000"));
    }
    Ok(())
}

#[derive(Clone)]
pub struct AdminService {
    catalog: CatalogRepo,
    holds: Holds,
    /// Dropped here when an admin changes a sale window or an event's status.
    rules: RulesCache,
    clock: Arc<dyn Clock>,
}

impl AdminService {
    pub(crate) fn new(
        catalog: CatalogRepo,
        holds: Holds,
        rules: RulesCache,
        clock: Arc<dyn Clock>,
    ) -> Self {
        AdminService {
            catalog,
            holds,
            rules,
            clock,
        }
    }

    pub async fn create_venue(&self, req: NewVenue) -> Result<Venue> {
        self.create_venue_by(None, req).await
    }

    /// Creates a venue; with an actor, audited in the same transaction.
    pub(crate) async fn create_venue_by(
        &self,
        actor: Option<Uuid>,
        req: NewVenue,
    ) -> Result<Venue> {
        let name = layout::bounded_text("name", &req.name, 200)?;
        let seats = layout::expand(&req.layout)?;
        let stage = req.layout.stage.map(|s| serde_json::json!(s));
        let id = self
            .catalog
            .insert_venue((&name, &seats, stage), actor)
            .await?;
        let tiers: HashSet<&str> = seats.iter().map(|s| s.price_tier.as_str()).collect();
        let mut price_tiers: Vec<String> = tiers.into_iter().map(str::to_owned).collect();
        price_tiers.sort();
        Ok(Venue {
            id,
            name,
            total_seats: seats.len(),
            price_tiers,
        })
    }

    pub async fn create_event(&self, req: NewEvent) -> Result<Event> {
        self.create_event_by(None, req).await
    }

    /// Creates a DRAFT event; with an actor, audited in the same transaction.
    pub(crate) async fn create_event_by(
        &self,
        actor: Option<Uuid>,
        req: NewEvent,
    ) -> Result<Event> {
        let title = layout::bounded_text("title", &req.title, 200)?;
        if req.description.chars().count() > 5_000 {
            return Err(Error::validation("description", "at most 5000 characters"));
        }
        if !self.catalog.venue_exists(req.venue_id).await? {
            return Err(Error::NotFound("venue"));
        }
        let id = self
            .catalog
            .insert_event((req.venue_id, &title, &req.description), actor)
            .await?;
        self.event(id).await
    }

    async fn event(&self, id: Uuid) -> Result<Event> {
        let row = self
            .catalog
            .event(id)
            .await?
            .ok_or(Error::NotFound("event"))?;
        Ok(Event::from_row(row, None))
    }

    pub(crate) async fn set_event_status(
        &self,
        actor: Option<Uuid>,
        id: Uuid,
        status: &str,
    ) -> Result<Event> {
        let Ok(status) = status.parse::<EventStatus>() else {
            return Err(Error::validation(
                "status",
                "must be one of DRAFT, ON_SALE, SOLD_OUT, ENDED, CANCELLED",
            ));
        };
        let before = self.event(id).await?;
        let entry = actor.map(|actor_id| audit::Entry {
            actor_id,
            action: "event.status",
            entity_type: "event",
            entity_id: id,
            before: Some(json!({ "status": before.status })),
            after: Some(json!({ "status": status })),
        });
        self.catalog.set_event_status(id, status, entry).await?;
        self.rules.clear();
        self.event(id).await
    }

    pub async fn create_performance(
        &self,
        event_id: Uuid,
        req: PerformanceSpec,
    ) -> Result<Performance> {
        self.create_performance_by(None, event_id, req).await
    }

    /// Creates a performance with its seats; with an actor, audited in the same transaction.
    pub(crate) async fn create_performance_by(
        &self,
        actor: Option<Uuid>,
        event_id: Uuid,
        req: PerformanceSpec,
    ) -> Result<Performance> {
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
            .insert_performance(
                &NewPerformance {
                    event_id,
                    starts_at: req.starts_at,
                    sale_opens_at: req.sale_opens_at,
                    sale_closes_at: req.sale_closes_at,
                    max_seats_per_user: req.max_seats_per_user,
                    queue_enabled: req.queue_enabled,
                    refund_cutoff_minutes: req.refund_cutoff_minutes,
                    prices: req.prices.into_iter().collect(),
                },
                actor,
            )
            .await?;
        self.performance(id).await
    }

    async fn performance(&self, id: Uuid) -> Result<Performance> {
        let row = self
            .catalog
            .performance(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        Ok(Performance::from_row(row, self.clock.now()))
    }

    /// Changes how long before the start buyers may still cancel a paid ticket for a refund.
    /// Reservations already made follow the new cut-off.
    pub(crate) async fn set_refund_cutoff(
        &self,
        actor_id: Uuid,
        id: Uuid,
        minutes: i32,
    ) -> Result<Performance> {
        check_refund_cutoff(minutes)?;
        let before = self.performance(id).await?;
        let entry = audit::Entry {
            actor_id,
            action: "performance.refund_cutoff",
            entity_type: "performance",
            entity_id: id,
            before: Some(json!({ "refundCutoffMinutes": before.refund_cutoff_minutes })),
            after: Some(json!({ "refundCutoffMinutes": minutes })),
        };
        if !self
            .catalog
            .set_refund_cutoff(id, minutes, Some(entry))
            .await?
        {
            return Err(Error::NotFound("performance"));
        }
        self.rules.forget(id);
        self.performance(id).await
    }

    /// Opens the sale now: the window starts now at the latest and stays open until the
    /// performance starts (or a day from now if it already started). A draft event goes on sale.
    pub async fn open_sale(&self, id: Uuid, now: DateTime<Utc>) -> Result<Performance> {
        self.open_sale_by(None, id, now).await
    }

    /// As [`Self::open_sale`]; with an actor, audited in the same transaction.
    pub(crate) async fn open_sale_by(
        &self,
        actor: Option<Uuid>,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Performance> {
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
        let draft = p.event_status == EventStatus::Draft;
        let entry = actor.map(|actor_id| audit::Entry {
            actor_id,
            action: "performance.open_sale",
            entity_type: "performance",
            entity_id: id,
            before: Some(
                json!({ "saleOpensAt": p.sale_opens_at, "saleClosesAt": p.sale_closes_at }),
            ),
            after: Some(
                json!({ "saleOpensAt": opens, "saleClosesAt": closes, "eventOnSale": draft }),
            ),
        });
        self.catalog
            .set_sale_window((id, opens, closes), draft.then_some(p.event_id), entry)
            .await?;
        if draft {
            self.rules.clear();
        }
        self.rules.forget(id);
        self.performance(id).await
    }

    /// Closes the sale now. Live holds may still be turned into reservations.
    pub(crate) async fn close_sale(
        &self,
        actor_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Performance> {
        let p = self
            .catalog
            .performance_rules(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        let entry = audit::Entry {
            actor_id,
            action: "performance.close_sale",
            entity_type: "performance",
            entity_id: id,
            before: Some(
                json!({ "saleOpensAt": p.sale_opens_at, "saleClosesAt": p.sale_closes_at }),
            ),
            after: Some(json!({ "saleClosesAt": now })),
        };
        self.catalog
            .set_sale_window((id, p.sale_opens_at.min(now), now), None, Some(entry))
            .await?;
        self.rules.forget(id);
        self.performance(id).await
    }

    pub(crate) async fn stats(&self, id: Uuid) -> Result<SeatCounts> {
        self.catalog
            .performance_rules(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        let counts = self.catalog.seat_counts(id).await?;
        let of = |status: SeatStatus| {
            counts
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| *n)
        };
        let redis_held = self.holds.redis_held_seats(id).await?.len() as i64;
        let held = redis_held + self.catalog.pg_held_count(id).await?;
        Ok(SeatCounts {
            performance_id: id,
            total_seats: counts.iter().map(|(_, n)| n).sum(),
            available: (of(SeatStatus::Available) - held).max(0),
            held,
            reserved: of(SeatStatus::Reserved),
            sold: of(SeatStatus::Sold),
        })
    }
}
