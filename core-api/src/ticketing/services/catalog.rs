//! Public catalog: events, performances and the live seat map.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use axum::body::Bytes;

use crate::ticketing::services::{
    seat_layout::SeatLayouts,
    seat_map_cache::SeatMapCache,
    views::{PerformanceView, SeatView},
};
use crate::{
    error::{Error, Result},
    ticketing::storage::{
        catalog::{CatalogRepo, EventRow},
        holds::Holds,
        seats::{SeatRepo, SeatRow, TakenSeat},
    },
};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VenueRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    #[schema(value_type = crate::ticketing::domain::status::EventStatus)]
    pub status: String,
    pub venue: VenueRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performances: Option<Vec<PerformanceView>>,
}

impl EventView {
    pub fn from_row(e: EventRow, performances: Option<Vec<PerformanceView>>) -> Self {
        EventView {
            id: e.id,
            title: e.title,
            description: e.description,
            status: e.status,
            venue: VenueRef {
                id: e.venue_id,
                name: e.venue_name,
            },
            performances,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeatMapView {
    pub performance_id: Uuid,
    pub seats: Vec<SeatView>,
}

#[derive(Clone)]
pub struct CatalogService {
    catalog: CatalogRepo,
    seats: SeatRepo,
    holds: Holds,
    seat_maps: SeatMapCache,
    layouts: SeatLayouts,
}

impl CatalogService {
    pub fn new(
        catalog: CatalogRepo,
        seats: SeatRepo,
        holds: Holds,
        (seat_maps, layouts): (SeatMapCache, SeatLayouts),
    ) -> Self {
        CatalogService {
            catalog,
            seats,
            holds,
            seat_maps,
            layouts,
        }
    }

    /// The seat map as the whole JSON answer (`{"success": true, "data": ...}`), from the
    /// short-lived cache when this instance built it moments ago.
    pub async fn seat_map_body(&self, performance_id: Uuid) -> Result<Bytes> {
        self.seat_maps
            .get_or_build(performance_id, async {
                #[derive(Serialize)]
                struct Envelope<'a> {
                    success: bool,
                    data: &'a SeatMapView,
                }
                let map = self.seat_map(performance_id).await?;
                let envelope = Envelope {
                    success: true,
                    data: &map,
                };
                let body = serde_json::to_vec(&envelope).map_err(anyhow::Error::from)?;
                Ok(Bytes::from(body))
            })
            .await
    }

    /// Every event that is not a draft (admins see drafts too).
    pub async fn events(&self, include_drafts: bool) -> Result<Vec<EventView>> {
        Ok(self
            .catalog
            .events(include_drafts)
            .await?
            .into_iter()
            .map(|e| EventView::from_row(e, None))
            .collect())
    }

    pub async fn event(&self, id: Uuid, include_drafts: bool) -> Result<EventView> {
        let event = self.visible_event(id, include_drafts).await?;
        let performances = self.performances_of(id, None, None).await?;
        Ok(EventView::from_row(event, Some(performances)))
    }

    pub async fn performances(
        &self,
        event_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        include_drafts: bool,
    ) -> Result<Vec<PerformanceView>> {
        self.visible_event(event_id, include_drafts).await?;
        self.performances_of(event_id, from, to).await
    }

    async fn visible_event(&self, id: Uuid, include_drafts: bool) -> Result<EventRow> {
        self.catalog
            .event(id)
            .await?
            .filter(|e| include_drafts || e.status != "DRAFT")
            .ok_or(Error::NotFound("event"))
    }

    async fn performances_of(
        &self,
        event_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<PerformanceView>> {
        let now = Utc::now();
        let rows = self.catalog.performances(event_id, from, to).await?;
        Ok(rows
            .into_iter()
            .map(|p| PerformanceView::from_row(p, now))
            .collect())
    }

    pub async fn performance(&self, id: Uuid) -> Result<PerformanceView> {
        let row = self
            .catalog
            .performance(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        Ok(PerformanceView::from_row(row, Utc::now()))
    }

    /// Every seat with its live status: the layout (cached: it never changes) with the seats
    /// Postgres has as not simply free, and the seats held in Redis, laid over it.
    pub async fn seat_map(&self, performance_id: Uuid) -> Result<SeatMapView> {
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
                Some(t) => SeatView::from_row(
                    SeatRow {
                        status: t.status.clone(),
                        pg_held: t.pg_held,
                        ..seat.clone()
                    },
                    is_held,
                ),
                None => SeatView::from_row(seat.clone(), is_held),
            }
        });
        Ok(SeatMapView {
            performance_id,
            seats: seats.collect(),
        })
    }
}
