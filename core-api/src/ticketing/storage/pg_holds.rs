//! Holds on the Postgres path: rows in `pg_holds` plus `seats.held_by/held_until`, claimed
//! with a conditional UPDATE (row locks serialise contenders). Used when Redis is unreachable
//! or `HOLD_STRATEGY=postgres`.

use crate::storage::StoreResult;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait};
use uuid::Uuid;

use crate::ticketing::storage::redis_holds::{Backend, ClaimOutcome, ExtendOutcome, HoldRecord};
use crate::{
    storage::sql,
    ticketing::storage::{lifecycle::ChangedSeat, seats},
};

#[derive(FromQueryResult)]
struct HoldRow {
    id: Uuid,
    performance_id: Uuid,
    user_id: Uuid,
    seat_ids: Vec<Uuid>,
    product_id: Option<Uuid>,
    quantity: i32,
    expires_at: DateTime<Utc>,
    extended: bool,
}

impl From<HoldRow> for HoldRecord {
    fn from(h: HoldRow) -> Self {
        HoldRecord {
            hold_id: h.id,
            performance_id: h.performance_id,
            user_id: h.user_id,
            seat_ids: h.seat_ids,
            expires_at_ms: h.expires_at.timestamp_millis(),
            extended: h.extended,
            backend: Backend::Postgres,
            product_id: h.product_id,
            quantity: h.quantity.max(0) as u32,
        }
    }
}

#[derive(FromQueryResult)]
struct Id {
    id: Uuid,
}

const HOLD_COLUMNS: &str =
    "id, performance_id, user_id, seat_ids, product_id, quantity, expires_at, extended";

#[derive(Clone)]
pub(crate) struct PgHoldStore {
    db: DatabaseConnection,
}

impl PgHoldStore {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        PgHoldStore { db }
    }

    pub(crate) async fn claim(
        &self,
        record: &HoldRecord,
        ttl_ms: u64,
        limit: u32,
    ) -> StoreResult<ClaimOutcome> {
        let txn = self.db.begin().await?;
        txn.execute_raw(sql(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [format!("{}/{}", record.user_id, record.performance_id).into()],
        ))
        .await?;
        #[derive(FromQueryResult)]
        struct Held {
            n: i64,
        }
        let held = Held::find_by_statement(sql(
            "SELECT coalesce(sum(quantity + cardinality(seat_ids)), 0)::bigint AS n FROM pg_holds \
             WHERE performance_id = $1 AND user_id = $2 AND expires_at > now()",
            [record.performance_id.into(), record.user_id.into()],
        ))
        .one(&txn)
        .await?
        .map_or(0, |h| h.n);
        let reserved = seats::count(&txn, record.user_id, record.performance_id).await?;
        if held + reserved + record.seat_ids.len() as i64 > i64::from(limit) {
            txn.rollback().await?;
            return Ok(ClaimOutcome::LimitExceeded);
        }
        let expires_at = Utc::now() + Duration::milliseconds(ttl_ms as i64);
        let claimed = Id::find_by_statement(sql(
            "UPDATE seats SET held_by = $1, held_until = $2 \
             WHERE performance_id = $3 AND id = ANY($4) AND status = 'AVAILABLE' \
             AND (held_until IS NULL OR held_until <= now()) RETURNING id",
            [
                record.hold_id.into(),
                expires_at.into(),
                record.performance_id.into(),
                record.seat_ids.clone().into(),
            ],
        ))
        .all(&txn)
        .await?;
        if claimed.len() != record.seat_ids.len() {
            txn.rollback().await?;
            let got: std::collections::HashSet<Uuid> = claimed.into_iter().map(|r| r.id).collect();
            return Ok(ClaimOutcome::Taken(
                record
                    .seat_ids
                    .iter()
                    .filter(|s| !got.contains(s))
                    .copied()
                    .collect(),
            ));
        }
        txn.execute_raw(sql(
            "INSERT INTO pg_holds (id, performance_id, user_id, seat_ids, expires_at) VALUES ($1, $2, $3, $4, $5)",
            [
                record.hold_id.into(),
                record.performance_id.into(),
                record.user_id.into(),
                record.seat_ids.clone().into(),
                expires_at.into(),
            ],
        ))
        .await?;
        txn.commit().await?;
        Ok(ClaimOutcome::Granted {
            expires_at_ms: expires_at.timestamp_millis(),
            held_before: 0,
        })
    }

    /// A general-admission hold on the Postgres path: the product row is locked while we
    /// compare what remains with what live holds already have.
    pub(crate) async fn claim_ga(
        &self,
        record: &HoldRecord,
        ttl_ms: u64,
        limit: u32,
    ) -> StoreResult<ClaimOutcome> {
        let Some(product_id) = record.product_id else {
            return Ok(ClaimOutcome::Taken(Vec::new()));
        };
        let txn = self.db.begin().await?;
        #[derive(FromQueryResult)]
        struct Stock {
            remaining: i32,
            held: i64,
            user_held: i64,
        }
        txn.execute_raw(sql(
            "SELECT 1 FROM ga_products WHERE id = $1 FOR UPDATE",
            [product_id.into()],
        ))
        .await?;
        let stock = Stock::find_by_statement(sql(
            "SELECT p.remaining, \
                 (SELECT coalesce(sum(quantity), 0) FROM pg_holds WHERE product_id = p.id AND expires_at > now())::bigint AS held, \
                 (SELECT coalesce(sum(quantity + cardinality(seat_ids)), 0) FROM pg_holds \
                  WHERE performance_id = $2 AND user_id = $3 AND expires_at > now())::bigint AS user_held \
             FROM ga_products p WHERE p.id = $1",
            [product_id.into(), record.performance_id.into(), record.user_id.into()],
        ))
        .one(&txn)
        .await?
        .ok_or(DbErr::RecordNotFound("product".to_owned()))?;
        let reserved = seats::count(&txn, record.user_id, record.performance_id).await?;
        let quantity = i64::from(record.quantity);
        if stock.user_held + reserved + quantity > i64::from(limit) {
            return Ok(ClaimOutcome::LimitExceeded);
        }
        let available = i64::from(stock.remaining) - stock.held;
        if available < quantity {
            return Ok(ClaimOutcome::SoldOut {
                available: available.max(0) as u32,
            });
        }
        let expires_at = Utc::now() + Duration::milliseconds(ttl_ms as i64);
        txn.execute_raw(sql(
            "INSERT INTO pg_holds (id, performance_id, user_id, seat_ids, product_id, quantity, expires_at) \
             VALUES ($1, $2, $3, '{}', $4, $5, $6)",
            [
                record.hold_id.into(),
                record.performance_id.into(),
                record.user_id.into(),
                product_id.into(),
                (record.quantity as i32).into(),
                expires_at.into(),
            ],
        ))
        .await?;
        txn.commit().await?;
        Ok(ClaimOutcome::Granted {
            expires_at_ms: expires_at.timestamp_millis(),
            held_before: 0,
        })
    }

    pub(crate) async fn record(&self, hold_id: Uuid) -> StoreResult<Option<HoldRecord>> {
        let row = HoldRow::find_by_statement(sql(
            &format!("SELECT {HOLD_COLUMNS} FROM pg_holds WHERE id = $1 AND expires_at > now()"),
            [hold_id.into()],
        ))
        .one(&self.db)
        .await?;
        Ok(row.map(Into::into))
    }

    /// Frees the hold's seats. False when it was already gone.
    pub(crate) async fn release(&self, record: &HoldRecord) -> StoreResult<bool> {
        let txn = self.db.begin().await?;
        let ended = end(&txn, record, false).await?;
        txn.commit().await?;
        Ok(ended)
    }

    /// Ends the hold inside the caller's reservation transaction. False when it expired.
    pub(crate) async fn convert(
        &self,
        c: &impl ConnectionTrait,
        record: &HoldRecord,
    ) -> StoreResult<bool> {
        end(c, record, true).await
    }

    pub(crate) async fn extend(
        &self,
        record: &HoldRecord,
        extension_ms: u64,
    ) -> StoreResult<ExtendOutcome> {
        let txn = self.db.begin().await?;
        let row = HoldRow::find_by_statement(sql(
            &format!("SELECT {HOLD_COLUMNS} FROM pg_holds WHERE id = $1 AND user_id = $2 AND expires_at > now() FOR UPDATE"),
            [record.hold_id.into(), record.user_id.into()],
        ))
        .one(&txn)
        .await?;
        let Some(row) = row else {
            return Ok(ExtendOutcome::Gone);
        };
        if row.extended {
            return Ok(ExtendOutcome::AlreadyExtended);
        }
        let expires_at = row.expires_at + Duration::milliseconds(extension_ms as i64);
        txn.execute_raw(sql(
            "UPDATE pg_holds SET expires_at = $2, extended = true WHERE id = $1",
            [row.id.into(), expires_at.into()],
        ))
        .await?;
        txn.execute_raw(sql(
            "UPDATE seats SET held_until = $2 WHERE held_by = $1",
            [row.id.into(), expires_at.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(ExtendOutcome::Extended {
            expires_at_ms: expires_at.timestamp_millis(),
        })
    }

    /// Ends every hold whose time ran out; returns the seats that became AVAILABLE.
    pub(crate) async fn reap_expired(&self) -> StoreResult<Vec<ChangedSeat>> {
        let txn = self.db.begin().await?;
        let ids: Vec<Uuid> = Id::find_by_statement(sql(
            "DELETE FROM pg_holds WHERE id IN (SELECT id FROM pg_holds WHERE expires_at <= now() LIMIT 500 \
             FOR UPDATE SKIP LOCKED) RETURNING id",
            [],
        ))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        let freed = if ids.is_empty() {
            Vec::new()
        } else {
            ChangedSeat::find_by_statement(sql(
                "UPDATE seats SET held_by = NULL, held_until = NULL WHERE held_by = ANY($1) RETURNING performance_id, id",
                [ids.into()],
            ))
            .all(&txn)
            .await?
        };
        txn.commit().await?;
        Ok(freed)
    }
}

/// Deletes the hold row (owner-checked, unexpired) and clears its seats' hold marks.
async fn end(c: &impl ConnectionTrait, record: &HoldRecord, converting: bool) -> StoreResult<bool> {
    let expiry = if converting {
        " AND expires_at > now()"
    } else {
        ""
    };
    let deleted = Id::find_by_statement(sql(
        &format!("DELETE FROM pg_holds WHERE id = $1 AND user_id = $2{expiry} RETURNING id"),
        [record.hold_id.into(), record.user_id.into()],
    ))
    .one(c)
    .await?;
    if deleted.is_none() {
        return Ok(false);
    }
    c.execute_raw(sql(
        "UPDATE seats SET held_by = NULL, held_until = NULL WHERE held_by = $1",
        [record.hold_id.into()],
    ))
    .await?;
    Ok(true)
}
