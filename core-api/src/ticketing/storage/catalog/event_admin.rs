//! Events and performances as organizers manage them: listed and read with their sales
//! figures, edited and deleted (only while nothing was ever reserved), each write audited in
//! its own transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, TransactionTrait};
use uuid::Uuid;

use super::CatalogRepo;
use crate::{
    shared::storage::{audit, users::like_escape},
    storage::{StoreResult, count, sql},
    ticketing::domain::status::EventStatus,
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct AdminEventRow {
    pub(crate) id: Uuid,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) status: EventStatus,
    pub(crate) venue_id: Uuid,
    pub(crate) venue_name: String,
    pub(crate) performances: i64,
    pub(crate) created_at: DateTime<Utc>,
}

const EVENT_ADMIN: &str = "SELECT e.id, e.title, e.description, e.status, e.venue_id, v.name AS venue_name, \
     (SELECT count(*) FROM performances p WHERE p.event_id = e.id) AS performances, e.created_at \
     FROM events e JOIN venues v ON v.id = e.venue_id";

/// A performance with everything an organizer sets and its seats by status.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct AdminPerformanceRow {
    pub(crate) id: Uuid,
    pub(crate) event_id: Uuid,
    pub(crate) event_status: EventStatus,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) sale_opens_at: DateTime<Utc>,
    pub(crate) sale_closes_at: DateTime<Utc>,
    pub(crate) max_seats_per_user: i32,
    pub(crate) queue_enabled: bool,
    pub(crate) queue_admit_per_minute: i32,
    pub(crate) queue_max_active: i32,
    pub(crate) queue_pow_bits: i32,
    pub(crate) queue_bind_passes: bool,
    pub(crate) refund_cutoff_minutes: i32,
    pub(crate) cancelled_at: Option<DateTime<Utc>>,
    pub(crate) cancel_reason: Option<String>,
    pub(crate) total_seats: i64,
    pub(crate) available: i64,
    pub(crate) reserved: i64,
    pub(crate) sold: i64,
}

const PERFORMANCE_ADMIN: &str = "SELECT p.id, p.event_id, e.status AS event_status, p.starts_at, p.sale_opens_at, \
     p.sale_closes_at, p.max_seats_per_user, p.queue_enabled, p.queue_admit_per_minute, p.queue_max_active, \
     p.queue_pow_bits, p.queue_bind_passes, p.refund_cutoff_minutes, p.cancelled_at, p.cancel_reason, \
     count(s.id) AS total_seats, count(s.id) FILTER (WHERE s.status = 'AVAILABLE') AS available, \
     count(s.id) FILTER (WHERE s.status = 'RESERVED') AS reserved, \
     count(s.id) FILTER (WHERE s.status = 'SOLD') AS sold \
     FROM performances p JOIN events e ON e.id = p.event_id LEFT JOIN seats s ON s.performance_id = p.id";

const PERFORMANCE_GROUP: &str = "GROUP BY p.id, e.status";

/// A performance's settings to change; `None` leaves one as it is.
#[derive(Clone, Debug, Default)]
pub(crate) struct PerformanceChange {
    pub(crate) starts_at: Option<DateTime<Utc>>,
    pub(crate) sale_opens_at: Option<DateTime<Utc>>,
    pub(crate) sale_closes_at: Option<DateTime<Utc>>,
    pub(crate) max_seats_per_user: Option<i32>,
    pub(crate) prices: Vec<(String, i64)>,
}

/// How a delete went.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    Deleted,
    NotFound,
    /// Something of it was reserved at some point: it stays (cancel it instead).
    HasSales(i64),
}

impl CatalogRepo {
    pub(crate) async fn admin_events(
        &self,
        query: Option<&str>,
        status: Option<EventStatus>,
        limit: u64,
        offset: u64,
    ) -> StoreResult<(Vec<AdminEventRow>, u64)> {
        let pattern = query.map(|q| format!("%{}%", like_escape(q)));
        let status = status.map(|s| s.as_str().to_owned());
        let filter =
            "($1::text IS NULL OR e.title ILIKE $1) AND ($2::text IS NULL OR e.status = $2)";
        let items = AdminEventRow::find_by_statement(sql(
            &format!("{EVENT_ADMIN} WHERE {filter} ORDER BY e.created_at DESC, e.id DESC LIMIT $3 OFFSET $4"),
            [
                pattern.clone().into(),
                status.clone().into(),
                (limit as i64).into(),
                (offset as i64).into(),
            ],
        ))
        .all(&self.db)
        .await?;
        let total = count(
            &self.db,
            &format!("SELECT count(*) AS n FROM events e WHERE {filter}"),
            vec![pattern.into(), status.into()],
        )
        .await?;
        Ok((items, total as u64))
    }

    pub(crate) async fn admin_event(&self, id: Uuid) -> StoreResult<Option<AdminEventRow>> {
        AdminEventRow::find_by_statement(sql(
            &format!("{EVENT_ADMIN} WHERE e.id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    pub(crate) async fn admin_performances(
        &self,
        event_id: Uuid,
    ) -> StoreResult<Vec<AdminPerformanceRow>> {
        AdminPerformanceRow::find_by_statement(sql(
            &format!("{PERFORMANCE_ADMIN} WHERE p.event_id = $1 {PERFORMANCE_GROUP} ORDER BY p.starts_at, p.id"),
            [event_id.into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    pub(crate) async fn admin_performance(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<AdminPerformanceRow>> {
        AdminPerformanceRow::find_by_statement(sql(
            &format!("{PERFORMANCE_ADMIN} WHERE p.id = $1 {PERFORMANCE_GROUP}"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Each price tier of the performance with its price (the highest, should seats of one
    /// tier ever differ).
    pub(crate) async fn tier_prices(&self, id: Uuid) -> StoreResult<Vec<(String, i64)>> {
        #[derive(FromQueryResult)]
        struct Tier {
            price_tier: String,
            price: i64,
        }
        let rows = Tier::find_by_statement(sql(
            "SELECT price_tier, max(price) AS price FROM seats WHERE performance_id = $1 \
             GROUP BY price_tier ORDER BY price_tier",
            [id.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(|t| (t.price_tier, t.price)).collect())
    }

    pub(crate) async fn update_event(
        &self,
        id: Uuid,
        (title, description): (&str, &str),
        entry: audit::Entry<'_>,
    ) -> StoreResult<bool> {
        let txn = self.db.begin().await?;
        let updated = txn
            .execute_raw(sql(
                "UPDATE events SET title = $2, description = $3 WHERE id = $1",
                [id.into(), title.into(), description.into()],
            ))
            .await?
            .rows_affected()
            == 1;
        if updated {
            audit::record(&txn, entry).await?;
        }
        txn.commit().await?;
        Ok(updated)
    }

    /// Deletes an event and its performances unless any of them was ever reserved.
    pub(crate) async fn delete_event(
        &self,
        id: Uuid,
        entry: audit::Entry<'_>,
    ) -> StoreResult<Removal> {
        self.remove(
            "SELECT 1 FROM events WHERE id = $1 FOR UPDATE",
            "SELECT count(*) AS n FROM reservations r JOIN performances p ON p.id = r.performance_id WHERE p.event_id = $1",
            "DELETE FROM events WHERE id = $1",
            (id, entry),
        )
        .await
    }

    /// Deletes a performance (its seats and products) unless it was ever reserved.
    pub(crate) async fn delete_performance(
        &self,
        id: Uuid,
        entry: audit::Entry<'_>,
    ) -> StoreResult<Removal> {
        self.remove(
            "SELECT 1 FROM performances WHERE id = $1 FOR UPDATE",
            "SELECT count(*) AS n FROM reservations WHERE performance_id = $1",
            "DELETE FROM performances WHERE id = $1",
            (id, entry),
        )
        .await
    }

    async fn remove(
        &self,
        lock: &str,
        sales: &str,
        delete: &str,
        (id, entry): (Uuid, audit::Entry<'_>),
    ) -> StoreResult<Removal> {
        let txn = self.db.begin().await?;
        if txn
            .execute_raw(sql(lock, [id.into()]))
            .await?
            .rows_affected()
            == 0
        {
            return Ok(Removal::NotFound);
        }
        let sold = count(&txn, sales, vec![id.into()]).await?;
        if sold > 0 {
            return Ok(Removal::HasSales(sold));
        }
        txn.execute_raw(sql(delete, [id.into()])).await?;
        audit::record(&txn, entry).await?;
        txn.commit().await?;
        Ok(Removal::Deleted)
    }

    /// Changes a performance's dates, limit and tier prices (every seat of a tier; reserved
    /// seats keep the price they were reserved at), audited, in one transaction.
    pub(crate) async fn update_performance(
        &self,
        id: Uuid,
        change: &PerformanceChange,
        entry: audit::Entry<'_>,
    ) -> StoreResult<bool> {
        let txn = self.db.begin().await?;
        let updated = txn
            .execute_raw(sql(
                "UPDATE performances SET starts_at = coalesce($2, starts_at), \
                     sale_opens_at = coalesce($3, sale_opens_at), sale_closes_at = coalesce($4, sale_closes_at), \
                     max_seats_per_user = coalesce($5, max_seats_per_user) WHERE id = $1",
                [
                    id.into(),
                    change.starts_at.into(),
                    change.sale_opens_at.into(),
                    change.sale_closes_at.into(),
                    change.max_seats_per_user.into(),
                ],
            ))
            .await?
            .rows_affected()
            == 1;
        if !updated {
            return Ok(false);
        }
        if !change.prices.is_empty() {
            let tiers: Vec<String> = change.prices.iter().map(|(t, _)| t.clone()).collect();
            let amounts: Vec<i64> = change.prices.iter().map(|(_, a)| *a).collect();
            txn.execute_raw(sql(
                "UPDATE seats s SET price = pr.price FROM unnest($2::text[], $3::bigint[]) AS pr(tier, price) \
                 WHERE s.performance_id = $1 AND s.price_tier = pr.tier",
                [id.into(), tiers.into(), amounts.into()],
            ))
            .await?;
        }
        audit::record(&txn, entry).await?;
        txn.commit().await?;
        Ok(true)
    }
}
