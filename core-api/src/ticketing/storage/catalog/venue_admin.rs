//! Venues as organizers manage them: listed with their counts, read with their whole layout,
//! replaced (a new layout version) or deleted, each write audited in its own transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use uuid::Uuid;

use super::{CatalogRepo, LayoutSeat, insert_layout};
use crate::{
    shared::storage::{audit, users::like_escape},
    storage::{StoreResult, count, sql},
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct VenueSummaryRow {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) total_seats: i64,
    pub(crate) price_tiers: Vec<String>,
    pub(crate) layout_version: i32,
    pub(crate) performances: i64,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) stage: Option<serde_json::Value>,
}

const VENUE_SUMMARY: &str = "SELECT v.id, v.name, v.layout_version, v.updated_at, v.stage, \
     (SELECT count(*) FROM venue_seats s WHERE s.venue_id = v.id) AS total_seats, \
     coalesce((SELECT array_agg(DISTINCT s.price_tier ORDER BY s.price_tier) FROM venue_seats s \
               WHERE s.venue_id = v.id), ARRAY[]::text[]) AS price_tiers, \
     (SELECT count(*) FROM performances p JOIN events e ON e.id = p.event_id WHERE e.venue_id = v.id) AS performances \
     FROM venues v";

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct VenueSeatRow {
    pub(crate) section: String,
    pub(crate) row_label: String,
    pub(crate) number: i32,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) price_tier: String,
    pub(crate) kind: String,
    pub(crate) off_sale: Option<String>,
    pub(crate) label: Option<String>,
}

/// Why a venue could not be changed or deleted.
#[derive(Debug)]
pub(crate) enum VenueWrite {
    Done,
    Deleted,
    NotFound,
    /// Events (and so performances) use it: how many.
    InUse {
        events: i64,
        sold_or_held: i64,
    },
}

impl CatalogRepo {
    pub(crate) async fn venues(
        &self,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> StoreResult<(Vec<VenueSummaryRow>, u64)> {
        let pattern = query.map(|q| format!("%{}%", like_escape(q)));
        let filter = "($1::text IS NULL OR v.name ILIKE $1)";
        let items = VenueSummaryRow::find_by_statement(sql(
            &format!("{VENUE_SUMMARY} WHERE {filter} ORDER BY v.name, v.id LIMIT $2 OFFSET $3"),
            [
                pattern.clone().into(),
                (limit as i64).into(),
                (offset as i64).into(),
            ],
        ))
        .all(&self.db)
        .await?;
        let total = count(
            &self.db,
            &format!("SELECT count(*) AS n FROM venues v WHERE {filter}"),
            [pattern.into()],
        )
        .await?;
        Ok((items, total as u64))
    }

    /// Performances of events at the venue.
    pub(crate) async fn venue_performance_ids(&self, id: Uuid) -> StoreResult<Vec<Uuid>> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let rows = Id::find_by_statement(sql(
            "SELECT p.id FROM performances p JOIN events e ON e.id = p.event_id WHERE e.venue_id = $1",
            [id.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    pub(crate) async fn venue_summary(&self, id: Uuid) -> StoreResult<Option<VenueSummaryRow>> {
        summary(&self.db, id).await
    }

    pub(crate) async fn venue_seats(&self, id: Uuid) -> StoreResult<Vec<VenueSeatRow>> {
        VenueSeatRow::find_by_statement(sql(
            "SELECT section, row_label, number, x, y, price_tier, kind, off_sale, label FROM venue_seats \
             WHERE venue_id = $1 ORDER BY section, row_label, number",
            [id.into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Replaces the venue's name and layout (version + 1) unless a performance there has a
    /// reserved or sold seat; performances created later take the new layout.
    pub(crate) async fn replace_venue(
        &self,
        id: Uuid,
        (name, seats, stage): (&str, &[LayoutSeat], Option<serde_json::Value>),
        entry: audit::Entry<'_>,
    ) -> StoreResult<VenueWrite> {
        let txn = self.db.begin().await?;
        let Some(before) = lock(&txn, id).await? else {
            return Ok(VenueWrite::NotFound);
        };
        let sold_or_held = count(
            &txn,
            "SELECT count(*) AS n FROM seats s JOIN performances p ON p.id = s.performance_id \
             JOIN events e ON e.id = p.event_id WHERE e.venue_id = $1 AND s.status <> 'AVAILABLE'",
            [id.into()],
        )
        .await?;
        if sold_or_held > 0 {
            return Ok(VenueWrite::InUse {
                events: 0,
                sold_or_held,
            });
        }
        txn.execute_raw(sql(
            "UPDATE venues SET name = $2, stage = $3, layout_version = layout_version + 1, updated_at = now() \
             WHERE id = $1",
            [id.into(), name.into(), stage.into()],
        ))
        .await?;
        txn.execute_raw(sql(
            "DELETE FROM venue_seats WHERE venue_id = $1",
            [id.into()],
        ))
        .await?;
        insert_layout(&txn, id, seats).await?;
        audit::record(
            &txn,
            audit::Entry {
                before: Some(serde_json::json!({
                    "name": before.name, "layoutVersion": before.layout_version, "totalSeats": before.total_seats,
                })),
                ..entry
            },
        )
        .await?;
        let after = summary(&txn, id).await?;
        txn.commit().await?;
        Ok(if after.is_some() {
            VenueWrite::Done
        } else {
            VenueWrite::NotFound
        })
    }

    /// Deletes a venue no event uses.
    pub(crate) async fn delete_venue(
        &self,
        id: Uuid,
        entry: audit::Entry<'_>,
    ) -> StoreResult<VenueWrite> {
        let txn = self.db.begin().await?;
        let Some(before) = lock(&txn, id).await? else {
            return Ok(VenueWrite::NotFound);
        };
        let events = count(
            &txn,
            "SELECT count(*) AS n FROM events WHERE venue_id = $1",
            [id.into()],
        )
        .await?;
        if events > 0 {
            return Ok(VenueWrite::InUse {
                events,
                sold_or_held: 0,
            });
        }
        txn.execute_raw(sql("DELETE FROM venues WHERE id = $1", [id.into()]))
            .await?;
        audit::record(
            &txn,
            audit::Entry {
                before: Some(
                    serde_json::json!({ "name": before.name, "totalSeats": before.total_seats }),
                ),
                ..entry
            },
        )
        .await?;
        txn.commit().await?;
        Ok(VenueWrite::Deleted)
    }
}

async fn summary(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<VenueSummaryRow>> {
    VenueSummaryRow::find_by_statement(sql(
        &format!("{VENUE_SUMMARY} WHERE v.id = $1"),
        [id.into()],
    ))
    .one(c)
    .await
    .map_err(Into::into)
}

async fn lock(c: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<VenueSummaryRow>> {
    c.execute_raw(sql(
        "SELECT 1 FROM venues WHERE id = $1 FOR UPDATE",
        [id.into()],
    ))
    .await?;
    summary(c, id).await
}
