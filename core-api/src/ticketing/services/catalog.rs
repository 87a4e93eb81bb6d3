//! Public catalog: events, performances and the live seat map.
//!
//! Buyers' listings may be served by a read replica (a few seconds behind at most);
//! organizers' views (drafts included) read the primary, so an organizer sees a change the
//! moment it is made. The seat map's live status always comes from the primary and Redis.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use holdfast_contract::clock::Clock;
use uuid::Uuid;

use crate::ticketing::domain::status::EventStatus;

use axum::body::Bytes;

use crate::ticketing::services::{
    seat_layout::{Layout, SeatLayouts},
    seat_map_cache::SeatMapCache,
    views::{Performance, Seat},
};
use crate::{
    error::{Error, Result},
    ticketing::storage::{
        catalog::{CatalogRepo, EventRow},
        holds::Holds,
        seats::{SeatRepo, SeatRow, TakenSeat},
    },
};

/// An event with its venue, and its performances when asked for one event.
#[derive(Clone, Debug)]
pub struct Event {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub status: EventStatus,
    pub venue_id: Uuid,
    pub venue_name: String,
    pub performances: Option<Vec<Performance>>,
}

impl Event {
    pub(crate) fn from_row(e: EventRow, performances: Option<Vec<Performance>>) -> Self {
        Event {
            id: e.id,
            title: e.title,
            description: e.description,
            status: e.status,
            venue_id: e.venue_id,
            venue_name: e.venue_name,
            performances,
        }
    }
}

/// Every seat of a performance with its live status.
#[derive(Clone, Debug)]
pub struct SeatMap {
    pub performance_id: Uuid,
    pub seats: Vec<Seat>,
}

/// How the HTTP layer words a seat map: the whole response body, cached as bytes.
pub(crate) type SeatMapWording = fn(&SeatMap) -> Result<Bytes>;

#[derive(Clone)]
pub struct CatalogService {
    /// Listings a replica may serve.
    catalog: CatalogRepo,
    /// The same on the primary, for organizers.
    primary: CatalogRepo,
    seats: SeatRepo,
    holds: Holds,
    seat_maps: SeatMapCache,
    layouts: SeatLayouts,
    clock: Arc<dyn Clock>,
}

impl CatalogService {
    pub(crate) fn new(
        (catalog, primary): (CatalogRepo, CatalogRepo),
        seats: SeatRepo,
        holds: Holds,
        (seat_maps, layouts): (SeatMapCache, SeatLayouts),
        clock: Arc<dyn Clock>,
    ) -> Self {
        CatalogService {
            catalog,
            primary,
            seats,
            holds,
            seat_maps,
            layouts,
            clock,
        }
    }

    /// The seat map as the whole JSON answer (`{"success": true, "data": ...}`), from the
    /// short-lived cache when this instance built it moments ago.
    pub(crate) async fn seat_map_body(
        &self,
        performance_id: Uuid,
        wording: SeatMapWording,
    ) -> Result<Bytes> {
        self.seat_maps
            .get_or_build(performance_id, async {
                wording(&self.seat_map(performance_id).await?)
            })
            .await
    }

    /// Where a view reads: organizers (who see drafts) the primary, buyers the listings.
    fn source(&self, include_drafts: bool) -> &CatalogRepo {
        if include_drafts {
            &self.primary
        } else {
            &self.catalog
        }
    }

    /// Every event that is not a draft (admins see drafts too).
    pub(crate) async fn events(&self, include_drafts: bool) -> Result<Vec<Event>> {
        Ok(self
            .source(include_drafts)
            .events(include_drafts)
            .await?
            .into_iter()
            .map(|e| Event::from_row(e, None))
            .collect())
    }

    pub(crate) async fn event(&self, id: Uuid, include_drafts: bool) -> Result<Event> {
        let event = self.visible_event(id, include_drafts).await?;
        let performances = self.performances_of(id, None, None, include_drafts).await?;
        Ok(Event::from_row(event, Some(performances)))
    }

    pub(crate) async fn performances(
        &self,
        event_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        include_drafts: bool,
    ) -> Result<Vec<Performance>> {
        self.visible_event(event_id, include_drafts).await?;
        self.performances_of(event_id, from, to, include_drafts)
            .await
    }

    async fn visible_event(&self, id: Uuid, include_drafts: bool) -> Result<EventRow> {
        self.source(include_drafts)
            .event(id)
            .await?
            .filter(|e| include_drafts || e.status != EventStatus::Draft)
            .ok_or(Error::NotFound("event"))
    }

    async fn performances_of(
        &self,
        event_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        include_drafts: bool,
    ) -> Result<Vec<Performance>> {
        let now = self.clock.now();
        let rows = self
            .source(include_drafts)
            .performances(event_id, from, to)
            .await?;
        Ok(rows
            .into_iter()
            .map(|p| Performance::from_row(p, now))
            .collect())
    }

    pub(crate) async fn performance(&self, id: Uuid) -> Result<Performance> {
        let row = self
            .catalog
            .performance(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        Ok(Performance::from_row(row, self.clock.now()))
    }

    /// The performance's seat layout (404 for an unknown performance).
    pub(crate) async fn layout(&self, performance_id: Uuid) -> Result<Arc<Layout>> {
        let layout = self.layouts.get(performance_id).await?;
        if layout.is_empty() {
            self.catalog
                .performance_rules(performance_id)
                .await?
                .ok_or(Error::NotFound("performance"))?;
        }
        Ok(layout)
    }

    /// Every seat with its live status: the layout (cached: it never changes) with the seats
    /// Postgres has as not simply free, and the seats held in Redis, laid over it.
    pub(crate) async fn seat_map(&self, performance_id: Uuid) -> Result<SeatMap> {
        let (layout, taken, held) = tokio::join!(
            self.layouts.get(performance_id),
            self.seats.taken(performance_id),
            self.holds.redis_held_seats(performance_id)
        );
        let layout = layout?;
        if layout.is_empty() {
            self.catalog
                .performance_rules(performance_id)
                .await?
                .ok_or(Error::NotFound("performance"))?;
        }
        let taken: HashMap<Uuid, TakenSeat> = taken?.into_iter().map(|t| (t.id, t)).collect();
        let held = held?;
        let seats = layout.seats().map(|seat| {
            let is_held = held.contains(&seat.id);
            match taken.get(&seat.id) {
                Some(t) => Seat::from_row(
                    SeatRow {
                        status: t.status,
                        pg_held: t.pg_held,
                        ..seat.clone()
                    },
                    is_held,
                ),
                None => Seat::from_row(seat.clone(), is_held),
            }
        });
        Ok(SeatMap {
            performance_id,
            seats: seats.collect(),
        })
    }
}
