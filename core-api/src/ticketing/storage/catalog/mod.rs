//! Venues with layouts, events and performances (with seat generation): rows and venues and
//! events here, performances and their seat counts in `performance`.
//!
//! The buyers' listings (`events`, `event`, `performances`, `performance`,
//! `performance_listed`) read through `reads`, which a read replica may serve; everything
//! else (writes, sale rules, counts for organizers and the sweeper) reads the primary.

mod event_admin;
mod performance;
mod venue_admin;

pub(crate) use event_admin::{AdminEventRow, AdminPerformanceRow, PerformanceChange, Removal};

pub(crate) use venue_admin::{VenueSeatRow, VenueSummaryRow, VenueWrite};

use crate::storage::StoreResult;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use holdfast_contract::clock::Clock;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    TransactionTrait,
};
use uuid::Uuid;

use crate::shared::storage::audit;
use crate::storage::{reads::ReadDb, sql};
use crate::ticketing::domain::status::EventStatus;
use crate::ticketing::storage::entity::{events, venues};

/// One seat of a venue layout.
#[derive(Clone, Debug)]
pub(crate) struct LayoutSeat {
    pub(crate) section: String,
    pub(crate) row_label: String,
    pub(crate) number: i32,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) price_tier: String,
    /// standard, accessible or companion.
    pub(crate) kind: String,
    /// blocked or production: never generated into a performance's seats.
    pub(crate) off_sale: Option<String>,
    pub(crate) label: Option<String>,
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct EventRow {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub status: EventStatus,
    pub venue_id: Uuid,
    pub venue_name: String,
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct PerformanceRow {
    pub(crate) id: Uuid,
    pub(crate) event_id: Uuid,
    pub(crate) event_status: EventStatus,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) sale_opens_at: DateTime<Utc>,
    pub(crate) sale_closes_at: DateTime<Utc>,
    pub(crate) max_seats_per_user: i32,
    pub(crate) queue_enabled: bool,
    /// Buyers may cancel paid reservations until this long before `starts_at`.
    pub(crate) refund_cutoff_minutes: i32,
    pub(crate) total_seats: i64,
    pub(crate) available_seats: i64,
}

pub(crate) struct NewPerformance {
    pub(crate) event_id: Uuid,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) sale_opens_at: DateTime<Utc>,
    pub(crate) sale_closes_at: DateTime<Utc>,
    pub(crate) max_seats_per_user: i32,
    pub(crate) queue_enabled: bool,
    pub(crate) refund_cutoff_minutes: i32,
    /// Price of every tier of the venue, in KRW.
    pub(crate) prices: Vec<(String, i64)>,
}

const EVENT_SELECT: &str = "SELECT e.id, e.title, e.description, e.status, e.venue_id, v.name AS venue_name \
     FROM events e JOIN venues v ON v.id = e.venue_id";

pub(super) const PERFORMANCE_SELECT: &str = "SELECT p.id, p.event_id, e.status AS event_status, p.starts_at, p.sale_opens_at, \
     p.sale_closes_at, p.max_seats_per_user, p.queue_enabled, p.refund_cutoff_minutes, \
     (SELECT count(*) FROM seats s WHERE s.performance_id = p.id) AS total_seats, \
     (SELECT count(*) FROM seats s WHERE s.performance_id = p.id AND s.status = 'AVAILABLE') AS available_seats \
     FROM performances p JOIN events e ON e.id = p.event_id";

#[derive(Clone)]
pub struct CatalogRepo {
    db: DatabaseConnection,
    /// The listings' reads: the primary, unless `reading_from` handed it a replica.
    reads: ReadDb,
    /// When venues, events and performances are created.
    clock: Arc<dyn Clock>,
}

impl CatalogRepo {
    /// Every read and write on the primary.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        CatalogRepo {
            reads: ReadDb::primary_only(db.clone()),
            db,
            clock,
        }
    }

    /// The same store with its listings read through `reads` (which a replica may serve).
    pub(crate) fn reading_from(self, reads: ReadDb) -> Self {
        CatalogRepo { reads, ..self }
    }

    /// Creates a venue and its whole layout in one transaction (one set-based insert), with
    /// the audit entry of the admin who made it (none for the demo seed).
    pub(crate) async fn insert_venue(
        &self,
        (name, seats, stage): (&str, &[LayoutSeat], Option<serde_json::Value>),
        actor_id: Option<Uuid>,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        let txn = self.db.begin().await?;
        venues::Entity::insert(venues::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            created_at: Set(self.clock.now()),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.execute_raw(sql(
            "UPDATE venues SET stage = $2 WHERE id = $1",
            [id.into(), stage.into()],
        ))
        .await?;
        insert_layout(&txn, id, seats).await?;
        if let Some(actor_id) = actor_id {
            audit::record(
                &txn,
                audit::Entry {
                    actor_id,
                    action: "venue.create",
                    entity_type: "venue",
                    entity_id: id,
                    before: None,
                    after: Some(serde_json::json!({ "name": name, "totalSeats": seats.len() })),
                },
            )
            .await?;
        }
        txn.commit().await?;
        Ok(id)
    }

    pub(crate) async fn venue_exists(&self, id: Uuid) -> StoreResult<bool> {
        Ok(venues::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .is_some())
    }

    pub async fn venue_by_name(&self, name: &str) -> StoreResult<Option<Uuid>> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let row = Id::find_by_statement(sql(
            "SELECT id FROM venues WHERE name = $1 ORDER BY created_at LIMIT 1",
            [name.into()],
        ))
        .one(&self.db)
        .await?;
        Ok(row.map(|r| r.id))
    }

    pub(crate) async fn venue_tiers(&self, venue_id: Uuid) -> StoreResult<Vec<String>> {
        #[derive(FromQueryResult)]
        struct Tier {
            price_tier: String,
        }
        let rows = Tier::find_by_statement(sql(
            "SELECT DISTINCT price_tier FROM venue_seats WHERE venue_id = $1 ORDER BY price_tier",
            [venue_id.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|t| t.price_tier).collect())
    }

    /// Creates a DRAFT event, with the audit entry of the admin who made it (none for the
    /// demo seed) in the same transaction.
    pub(crate) async fn insert_event(
        &self,
        (venue_id, title, description): (Uuid, &str, &str),
        actor_id: Option<Uuid>,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        let txn = self.db.begin().await?;
        events::Entity::insert(events::ActiveModel {
            id: Set(id),
            venue_id: Set(venue_id),
            title: Set(title.to_owned()),
            description: Set(description.to_owned()),
            status: Set(EventStatus::Draft.as_str().to_owned()),
            created_at: Set(self.clock.now()),
        })
        .exec_without_returning(&txn)
        .await?;
        if let Some(actor_id) = actor_id {
            audit::record(
                &txn,
                audit::Entry {
                    actor_id,
                    action: "event.create",
                    entity_type: "event",
                    entity_id: id,
                    before: None,
                    after: Some(serde_json::json!({
                        "venueId": venue_id, "title": title, "description": description,
                    })),
                },
            )
            .await?;
        }
        txn.commit().await?;
        Ok(id)
    }

    pub(crate) async fn events(&self, include_drafts: bool) -> StoreResult<Vec<EventRow>> {
        let filter = if include_drafts {
            ""
        } else {
            " WHERE e.status <> 'DRAFT'"
        };
        self.reads
            .all(
                "events",
                sql(
                    &format!("{EVENT_SELECT}{filter} ORDER BY e.created_at, e.id"),
                    [],
                ),
            )
            .await
    }

    pub(crate) async fn event(&self, id: Uuid) -> StoreResult<Option<EventRow>> {
        self.reads
            .one(
                "event",
                sql(&format!("{EVENT_SELECT} WHERE e.id = $1"), [id.into()]),
            )
            .await
    }

    pub async fn event_by_title(&self, title: &str) -> StoreResult<Option<EventRow>> {
        EventRow::find_by_statement(sql(
            &format!("{EVENT_SELECT} WHERE e.title = $1 ORDER BY e.created_at LIMIT 1"),
            [title.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    pub(crate) async fn set_event_status(
        &self,
        id: Uuid,
        status: EventStatus,
        entry: Option<audit::Entry<'_>>,
    ) -> StoreResult<()> {
        audit::audited(
            &self.db,
            vec![sql(
                "UPDATE events SET status = $2 WHERE id = $1",
                [id.into(), status.into()],
            )],
            entry,
        )
        .await
        .map(|_| ())
    }
}

/// Writes a venue's seats (one set-based insert).
pub(crate) async fn insert_layout(
    c: &impl ConnectionTrait,
    venue_id: Uuid,
    seats: &[LayoutSeat],
) -> StoreResult<()> {
    let column = |f: fn(&LayoutSeat) -> String| seats.iter().map(f).collect::<Vec<String>>();
    // Arrays of text cannot carry NULLs here: an empty string stands for none.
    let optional = |f: fn(&LayoutSeat) -> Option<String>| {
        seats
            .iter()
            .map(|s| f(s).unwrap_or_default())
            .collect::<Vec<String>>()
    };
    let numbers = |f: fn(&LayoutSeat) -> i32| seats.iter().map(f).collect::<Vec<i32>>();
    c.execute_raw(sql(
        "INSERT INTO venue_seats (id, venue_id, section, row_label, number, x, y, price_tier, kind, off_sale, label) \
         SELECT gen_random_uuid(), $1, section, row_label, number, x, y, price_tier, kind, \
             nullif(off_sale, ''), nullif(label, '') \
         FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], \
             $9::text[], $10::text[]) AS l(section, row_label, number, x, y, price_tier, kind, off_sale, label)",
        [
            venue_id.into(),
            column(|s| s.section.clone()).into(),
            column(|s| s.row_label.clone()).into(),
            numbers(|s| s.number).into(),
            numbers(|s| s.x).into(),
            numbers(|s| s.y).into(),
            column(|s| s.price_tier.clone()).into(),
            column(|s| s.kind.clone()).into(),
            optional(|s| s.off_sale.clone()).into(),
            optional(|s| s.label.clone()).into(),
        ],
    ))
    .await?;
    Ok(())
}
