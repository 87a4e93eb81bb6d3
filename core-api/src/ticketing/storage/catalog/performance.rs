//! Performances: created with their seats generated from the venue layout, read with seat
//! counts, their sale window and refund cut-off changed, and the counts the dashboards and
//! admin stats show.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, FromQueryResult, TransactionTrait};
use uuid::Uuid;

use super::{CatalogRepo, NewPerformance, PERFORMANCE_SELECT, PerformanceRow};
use crate::{
    shared::storage::audit,
    storage::{StoreResult, sql},
    ticketing::{domain::status::SeatStatus, storage::entity::performances},
};

impl CatalogRepo {
    /// Creates a performance and generates its seats from the venue layout, priced by tier,
    /// with the audit entry of the admin who made it (none for the demo seed) in the same
    /// transaction.
    pub(crate) async fn insert_performance(
        &self,
        p: &NewPerformance,
        actor_id: Option<Uuid>,
    ) -> StoreResult<Uuid> {
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
            created_at: Set(self.clock.now()),
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
             WHERE e.id = $2 AND vs.off_sale IS NULL",
            [id.into(), p.event_id.into(), tiers.into(), amounts.into()],
        ))
        .await?;
        if let Some(actor_id) = actor_id {
            let prices: std::collections::BTreeMap<&str, i64> =
                p.prices.iter().map(|(t, a)| (t.as_str(), *a)).collect();
            audit::record(
                &txn,
                audit::Entry {
                    actor_id,
                    action: "performance.create",
                    entity_type: "performance",
                    entity_id: id,
                    before: None,
                    after: Some(serde_json::json!({
                        "eventId": p.event_id, "startsAt": p.starts_at,
                        "saleOpensAt": p.sale_opens_at, "saleClosesAt": p.sale_closes_at,
                        "maxSeatsPerUser": p.max_seats_per_user, "queueEnabled": p.queue_enabled,
                        "refundCutoffMinutes": p.refund_cutoff_minutes, "prices": prices,
                    })),
                },
            )
            .await?;
        }
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

    pub(crate) async fn performances(
        &self,
        event_id: Uuid,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> StoreResult<Vec<PerformanceRow>> {
        self.reads.all("performances", sql(
            &format!(
                "{PERFORMANCE_SELECT} WHERE p.event_id = $1 AND ($2::timestamptz IS NULL OR p.starts_at >= $2) \
                 AND ($3::timestamptz IS NULL OR p.starts_at < $3) ORDER BY p.starts_at, p.id"
            ),
            [event_id.into(), from.into(), to.into()],
        ))
        .await
    }

    pub(crate) async fn performance(&self, id: Uuid) -> StoreResult<Option<PerformanceRow>> {
        self.reads
            .one(
                "performance",
                sql(
                    &format!("{PERFORMANCE_SELECT} WHERE p.id = $1"),
                    [id.into()],
                ),
            )
            .await
    }

    /// Whether the performance exists, as the listings see it.
    pub(crate) async fn performance_listed(&self, id: Uuid) -> StoreResult<bool> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let row: Option<Id> = self
            .reads
            .one(
                "performance_listed",
                sql("SELECT id FROM performances WHERE id = $1", [id.into()]),
            )
            .await?;
        Ok(row.is_some_and(|r| r.id == id))
    }

    /// The performance's settings only, without seat counts: the hold path reads this.
    pub(crate) async fn performance_rules(&self, id: Uuid) -> StoreResult<Option<PerformanceRow>> {
        PerformanceRow::find_by_statement(sql(
            "SELECT p.id, p.event_id, e.status AS event_status, p.starts_at, p.sale_opens_at, p.sale_closes_at, \
             p.max_seats_per_user, p.queue_enabled, p.refund_cutoff_minutes, 0::bigint AS total_seats, 0::bigint AS available_seats \
             FROM performances p JOIN events e ON e.id = p.event_id WHERE p.id = $1",
            [id.into()],
        ))
        .one(&self.db)
        .await.map_err(Into::into)
    }

    /// Sets the sale window (and, with `event_on_sale`, puts the event on sale), with the
    /// admin's audit entry, in one transaction.
    pub(crate) async fn set_sale_window(
        &self,
        (id, opens, closes): (Uuid, DateTime<Utc>, DateTime<Utc>),
        event_on_sale: Option<Uuid>,
        entry: Option<audit::Entry<'_>>,
    ) -> StoreResult<()> {
        let mut statements = vec![sql(
            "UPDATE performances SET sale_opens_at = $2, sale_closes_at = $3 WHERE id = $1",
            [id.into(), opens.into(), closes.into()],
        )];
        if let Some(event_id) = event_on_sale {
            statements.push(sql(
                "UPDATE events SET status = 'ON_SALE' WHERE id = $1",
                [event_id.into()],
            ));
        }
        audit::audited(&self.db, statements, entry)
            .await
            .map(|_| ())
    }

    /// Sets the refund cut-off, audited; false when there is no such performance.
    pub(crate) async fn set_refund_cutoff(
        &self,
        id: Uuid,
        minutes: i32,
        entry: Option<audit::Entry<'_>>,
    ) -> StoreResult<bool> {
        let touched = audit::audited(
            &self.db,
            vec![sql(
                "UPDATE performances SET refund_cutoff_minutes = $2 WHERE id = $1",
                [id.into(), minutes.into()],
            )],
            entry,
        )
        .await?;
        Ok(touched.first() == Some(&1))
    }

    /// Performances whose sale is open or closed within the last hour (holds may still live).
    pub(crate) async fn selling_performance_ids(
        &self,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Uuid>> {
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
    pub(crate) async fn available_on_sale(&self) -> StoreResult<Vec<(Uuid, i64)>> {
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
    pub(crate) async fn pg_held_count(&self, performance_id: Uuid) -> StoreResult<i64> {
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
    pub(crate) async fn seat_counts(
        &self,
        performance_id: Uuid,
    ) -> StoreResult<Vec<(SeatStatus, i64)>> {
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
