//! Venues with layouts, events and performances (with seat generation).

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    TransactionTrait,
};
use uuid::Uuid;

use crate::storage::sql;
use crate::ticketing::domain::status::{EventStatus, SeatStatus};
use crate::ticketing::storage::entity::{events, performances, venues};

/// One seat of a venue layout.
#[derive(Clone, Debug)]
pub struct LayoutSeat {
    pub section: String,
    pub row_label: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub price_tier: String,
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
pub struct PerformanceRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_status: EventStatus,
    pub starts_at: DateTime<Utc>,
    pub sale_opens_at: DateTime<Utc>,
    pub sale_closes_at: DateTime<Utc>,
    pub max_seats_per_user: i32,
    pub queue_enabled: bool,
    /// Buyers may cancel paid reservations until this long before `starts_at`.
    pub refund_cutoff_minutes: i32,
    pub total_seats: i64,
    pub available_seats: i64,
}

pub struct NewPerformance {
    pub event_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub sale_opens_at: DateTime<Utc>,
    pub sale_closes_at: DateTime<Utc>,
    pub max_seats_per_user: i32,
    pub queue_enabled: bool,
    pub refund_cutoff_minutes: i32,
    /// Price of every tier of the venue, in KRW.
    pub prices: Vec<(String, i64)>,
}

const EVENT_SELECT: &str = "SELECT e.id, e.title, e.description, e.status, e.venue_id, v.name AS venue_name \
     FROM events e JOIN venues v ON v.id = e.venue_id";

const PERFORMANCE_SELECT: &str = "SELECT p.id, p.event_id, e.status AS event_status, p.starts_at, p.sale_opens_at, \
     p.sale_closes_at, p.max_seats_per_user, p.queue_enabled, p.refund_cutoff_minutes, \
     (SELECT count(*) FROM seats s WHERE s.performance_id = p.id) AS total_seats, \
     (SELECT count(*) FROM seats s WHERE s.performance_id = p.id AND s.status = 'AVAILABLE') AS available_seats \
     FROM performances p JOIN events e ON e.id = p.event_id";

#[derive(Clone)]
pub struct CatalogRepo {
    db: DatabaseConnection,
}

impl CatalogRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        CatalogRepo { db }
    }

    /// Creates a venue and its whole layout in one transaction (one set-based insert).
    pub async fn insert_venue(&self, name: &str, seats: &[LayoutSeat]) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        let txn = self.db.begin().await?;
        venues::Entity::insert(venues::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(&txn)
        .await?;
        let column = |f: fn(&LayoutSeat) -> String| seats.iter().map(f).collect::<Vec<String>>();
        let numbers = |f: fn(&LayoutSeat) -> i32| seats.iter().map(f).collect::<Vec<i32>>();
        txn.execute_raw(sql(
            "INSERT INTO venue_seats (id, venue_id, section, row_label, number, x, y, price_tier) \
             SELECT gen_random_uuid(), $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[])",
            [
                id.into(),
                column(|s| s.section.clone()).into(),
                column(|s| s.row_label.clone()).into(),
                numbers(|s| s.number).into(),
                numbers(|s| s.x).into(),
                numbers(|s| s.y).into(),
                column(|s| s.price_tier.clone()).into(),
            ],
        ))
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    pub async fn venue_exists(&self, id: Uuid) -> StoreResult<bool> {
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

    pub async fn venue_tiers(&self, venue_id: Uuid) -> StoreResult<Vec<String>> {
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

    pub async fn insert_event(
        &self,
        venue_id: Uuid,
        title: &str,
        description: &str,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        events::Entity::insert(events::ActiveModel {
            id: Set(id),
            venue_id: Set(venue_id),
            title: Set(title.to_owned()),
            description: Set(description.to_owned()),
            status: Set(EventStatus::Draft.as_str().to_owned()),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(&self.db)
        .await?;
        Ok(id)
    }

    pub async fn events(&self, include_drafts: bool) -> StoreResult<Vec<EventRow>> {
        let filter = if include_drafts {
            ""
        } else {
            " WHERE e.status <> 'DRAFT'"
        };
        EventRow::find_by_statement(sql(
            &format!("{EVENT_SELECT}{filter} ORDER BY e.created_at, e.id"),
            [],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    pub async fn event(&self, id: Uuid) -> StoreResult<Option<EventRow>> {
        EventRow::find_by_statement(sql(&format!("{EVENT_SELECT} WHERE e.id = $1"), [id.into()]))
            .one(&self.db)
            .await
            .map_err(Into::into)
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

    pub async fn set_event_status(&self, id: Uuid, status: EventStatus) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "UPDATE events SET status = $2 WHERE id = $1",
                [id.into(), status.into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    /// Creates a performance and generates its seats from the venue layout, priced by tier.
    pub async fn insert_performance(&self, p: &NewPerformance) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        let txn = self.db.begin().await?;
        performances::Entity::insert(performances::ActiveModel {
            id: Set(id),
            event_id: Set(p.event_id),
            starts_at: Set(p.starts_at),
            sale_opens_at: Set(p.sale_opens_at),
            sale_closes_at: Set(p.sale_closes_at),
            max_seats_per_user: Set(p.max_seats_per_user),
            queue_enabled: Set(p.queue_enabled),
            refund_cutoff_minutes: Set(p.refund_cutoff_minutes),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(&txn)
        .await?;
        let tiers: Vec<String> = p.prices.iter().map(|(t, _)| t.clone()).collect();
        let amounts: Vec<i64> = p.prices.iter().map(|(_, a)| *a).collect();
        txn.execute_raw(sql(
            "INSERT INTO seats (id, performance_id, section, row_label, number, x, y, price_tier, price) \
             SELECT gen_random_uuid(), $1, vs.section, vs.row_label, vs.number, vs.x, vs.y, vs.price_tier, pr.price \
             FROM venue_seats vs JOIN events e ON e.venue_id = vs.venue_id \
             JOIN unnest($3::text[], $4::bigint[]) AS pr(tier, price) ON pr.tier = vs.price_tier \
             WHERE e.id = $2",
            [id.into(), p.event_id.into(), tiers.into(), amounts.into()],
        ))
        .await?;
        txn.commit().await?;
        // Fresh planner statistics for the new seats. Without them a performance created just
        // before its on-sale is planned as if it had no seats: the reservation UPDATE then
        // walks every AVAILABLE seat of the performance through `seats_available_idx` instead
        // of looking its few seats up by primary key (measured: ~3 ms instead of ~0.2 ms per
        // commit, inside the transaction). Autovacuum would catch up only a minute later.
        if let Err(e) = self.db.execute_unprepared("ANALYZE seats").await {
            tracing::warn!(error = %e, "could not refresh the seats table's statistics");
        }
        Ok(id)
    }

    pub async fn performances(
        &self,
        event_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<PerformanceRow>> {
        PerformanceRow::find_by_statement(sql(
            &format!(
                "{PERFORMANCE_SELECT} WHERE p.event_id = $1 AND ($2::timestamptz IS NULL OR p.starts_at >= $2) \
                 AND ($3::timestamptz IS NULL OR p.starts_at < $3) ORDER BY p.starts_at, p.id"
            ),
            [event_id.into(), from.into(), to.into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }

    pub async fn performance(&self, id: Uuid) -> StoreResult<Option<PerformanceRow>> {
        PerformanceRow::find_by_statement(sql(
            &format!("{PERFORMANCE_SELECT} WHERE p.id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// The performance's settings only, without seat counts: the hold path reads this.
    pub async fn performance_rules(&self, id: Uuid) -> StoreResult<Option<PerformanceRow>> {
        PerformanceRow::find_by_statement(sql(
            "SELECT p.id, p.event_id, e.status AS event_status, p.starts_at, p.sale_opens_at, p.sale_closes_at, \
             p.max_seats_per_user, p.queue_enabled, p.refund_cutoff_minutes, 0::bigint AS total_seats, 0::bigint AS available_seats \
             FROM performances p JOIN events e ON e.id = p.event_id WHERE p.id = $1",
            [id.into()],
        ))
        .one(&self.db)
        .await.map_err(Into::into)
    }

    pub async fn set_sale_window(
        &self,
        id: Uuid,
        opens: DateTime<Utc>,
        closes: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "UPDATE performances SET sale_opens_at = $2, sale_closes_at = $3 WHERE id = $1",
                [id.into(), opens.into(), closes.into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }

    /// Sets the refund cut-off; false when there is no such performance.
    pub async fn set_refund_cutoff(&self, id: Uuid, minutes: i32) -> StoreResult<bool> {
        Ok(self
            .db
            .execute_raw(sql(
                "UPDATE performances SET refund_cutoff_minutes = $2 WHERE id = $1",
                [id.into(), minutes.into()],
            ))
            .await?
            .rows_affected()
            == 1)
    }

    /// Performances whose sale is open or closed within the last hour (holds may still live).
    pub async fn selling_performance_ids(&self, now: DateTime<Utc>) -> StoreResult<Vec<Uuid>> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let rows = Id::find_by_statement(sql(
            "SELECT id FROM performances WHERE sale_opens_at <= $1 AND sale_closes_at > $1 - interval '1 hour'",
            [now.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// AVAILABLE seats of each performance on sale right now.
    pub async fn available_on_sale(&self) -> StoreResult<Vec<(Uuid, i64)>> {
        #[derive(FromQueryResult)]
        struct Row {
            id: Uuid,
            n: i64,
        }
        let rows = Row::find_by_statement(sql(
            "SELECT p.id, (SELECT count(*) FROM seats s WHERE s.performance_id = p.id AND s.status = 'AVAILABLE') AS n \
             FROM performances p JOIN events e ON e.id = p.event_id \
             WHERE e.status = 'ON_SALE' AND p.sale_opens_at <= now() AND p.sale_closes_at > now()",
            [],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.n)).collect())
    }

    /// Seats held on the Postgres path right now.
    pub async fn pg_held_count(&self, performance_id: Uuid) -> StoreResult<i64> {
        #[derive(FromQueryResult)]
        struct Count {
            n: i64,
        }
        let row = Count::find_by_statement(sql(
            "SELECT count(*) AS n FROM seats WHERE performance_id = $1 AND held_until > now()",
            [performance_id.into()],
        ))
        .one(&self.db)
        .await?;
        Ok(row.map_or(0, |r| r.n))
    }

    /// Seat counts by stored status (AVAILABLE / RESERVED / SOLD).
    pub async fn seat_counts(&self, performance_id: Uuid) -> StoreResult<Vec<(SeatStatus, i64)>> {
        #[derive(FromQueryResult)]
        struct Row {
            status: SeatStatus,
            n: i64,
        }
        let rows = Row::find_by_statement(sql(
            "SELECT status, count(*) AS n FROM seats WHERE performance_id = $1 GROUP BY status ORDER BY status",
            [performance_id.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|r| (r.status, r.n)).collect())
    }
}
