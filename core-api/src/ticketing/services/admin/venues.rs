//! Venues for organizers: list, one with its whole layout, replace the layout (a new
//! version; refused while a performance there has a reserved, sold or held seat), delete
//! (refused while an event uses it). Every write is audited in its own transaction.

use serde_json::json;
use uuid::Uuid;

use super::{AdminService, NewVenue, layout};
use crate::{
    error::{Error, ErrorCode, Result},
    shared::storage::audit,
    ticketing::storage::catalog::{VenueSeatRow, VenueSummaryRow, VenueWrite},
};

/// A venue with every seat of its layout.
pub(crate) struct VenueLayout {
    pub(crate) venue: VenueSummaryRow,
    pub(crate) seats: Vec<VenueSeatRow>,
}

fn in_use(events: i64, sold_or_held: i64) -> Error {
    Error::conflict(
        ErrorCode::VenueInUse,
        if events > 0 {
            "events use this venue; delete or move them first"
        } else {
            "a performance at this venue has reserved, sold or held seats"
        },
    )
    .with_details(json!({ "events": events, "soldOrHeldSeats": sold_or_held }))
}

impl AdminService {
    pub(crate) async fn venues(
        &self,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<VenueSummaryRow>, u64)> {
        let query = crate::ticketing::services::admin::search_text(query)?;
        super::check_page(limit, offset)?;
        Ok(self.catalog.venues(query, limit, offset).await?)
    }

    pub(crate) async fn venue(&self, id: Uuid) -> Result<VenueLayout> {
        let venue = self
            .catalog
            .venue_summary(id)
            .await?
            .ok_or(Error::NotFound("venue"))?;
        let seats = self.catalog.venue_seats(id).await?;
        Ok(VenueLayout { venue, seats })
    }

    /// Replaces name and layout. Performances already created keep the seats they have.
    pub(crate) async fn update_venue(
        &self,
        actor_id: Uuid,
        id: Uuid,
        req: NewVenue,
    ) -> Result<VenueLayout> {
        let name = layout::bounded_text("name", &req.name, 200)?;
        let seats = layout::expand(&req.layout)?;
        let stage = req.layout.stage.map(|s| json!(s));
        // Seats held in Redis do not show in Postgres: ask the hold store for each performance.
        for performance_id in self.catalog.venue_performance_ids(id).await? {
            let held = self.holds.redis_held_seats(performance_id).await?.len() as i64;
            if held > 0 {
                return Err(in_use(0, held));
            }
        }
        let entry = audit::Entry {
            actor_id,
            action: "venue.update",
            entity_type: "venue",
            entity_id: id,
            before: None,
            after: Some(json!({ "name": name, "totalSeats": seats.len() })),
        };
        match self
            .catalog
            .replace_venue(id, (&name, &seats, stage), entry)
            .await?
        {
            VenueWrite::Done => self.venue(id).await,
            VenueWrite::NotFound | VenueWrite::Deleted => Err(Error::NotFound("venue")),
            VenueWrite::InUse {
                events,
                sold_or_held,
            } => Err(in_use(events, sold_or_held)),
        }
    }

    pub(crate) async fn delete_venue(&self, actor_id: Uuid, id: Uuid) -> Result<()> {
        let entry = audit::Entry {
            actor_id,
            action: "venue.delete",
            entity_type: "venue",
            entity_id: id,
            before: None,
            after: None,
        };
        match self.catalog.delete_venue(id, entry).await? {
            VenueWrite::Deleted | VenueWrite::Done => Ok(()),
            VenueWrite::NotFound => Err(Error::NotFound("venue")),
            VenueWrite::InUse {
                events,
                sold_or_held,
            } => Err(in_use(events, sold_or_held)),
        }
    }
}
