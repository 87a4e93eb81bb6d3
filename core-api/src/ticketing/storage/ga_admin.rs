//! General-admission products as organizers write them: created, edited (never below what is
//! sold and held) and deleted (only while none was ever reserved), each write audited in the
//! same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::{
    catalog::Removal,
    ga::{GaRepo, PRODUCT_COLUMNS, ProductRow},
};
use crate::{
    shared::storage::audit,
    storage::{StoreResult, count, sql},
};

/// A product's fields as an organizer sets them (on create and on every edit).
#[derive(Clone, Debug)]
pub(crate) struct ProductFields<'a> {
    pub(crate) name: &'a str,
    pub(crate) description: &'a str,
    pub(crate) price: i64,
    pub(crate) capacity: i32,
    pub(crate) sale_opens_at: Option<DateTime<Utc>>,
    pub(crate) sale_closes_at: Option<DateTime<Utc>>,
}

impl ProductFields<'_> {
    /// What the audit log keeps of them.
    pub(crate) fn audit_json(&self) -> serde_json::Value {
        json!({
            "name": self.name, "description": self.description, "price": self.price,
            "capacity": self.capacity, "saleOpensAt": self.sale_opens_at,
            "saleClosesAt": self.sale_closes_at,
        })
    }
}

/// How an edit went.
#[derive(Debug)]
pub(crate) enum ProductUpdate {
    Updated(ProductRow),
    NotFound,
    /// The new capacity is below the units sold plus those held (the smallest it may be).
    BelowCommitted(i64),
}

impl GaRepo {
    /// Adds a product; with an actor, audited as `product.create` in the same transaction.
    pub(crate) async fn insert(
        &self,
        performance_id: Uuid,
        f: &ProductFields<'_>,
        actor_id: Option<Uuid>,
    ) -> StoreResult<ProductRow> {
        let txn = self.db.begin().await?;
        let row = ProductRow::find_by_statement(sql(
            &format!(
                "INSERT INTO ga_products (id, performance_id, name, price, capacity, remaining, description, \
                     sale_opens_at, sale_closes_at) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8) RETURNING {PRODUCT_COLUMNS}"
            ),
            [
                Uuid::now_v7().into(),
                performance_id.into(),
                f.name.into(),
                f.price.into(),
                f.capacity.into(),
                f.description.into(),
                f.sale_opens_at.into(),
                f.sale_closes_at.into(),
            ],
        ))
        .one(&txn)
        .await?
        .ok_or(DbErr::RecordNotInserted)?;
        if let Some(actor_id) = actor_id {
            let mut after = f.audit_json();
            after["performanceId"] = json!(performance_id);
            audit::record(
                &txn,
                audit::Entry {
                    actor_id,
                    action: "product.create",
                    entity_type: "product",
                    entity_id: row.id,
                    before: None,
                    after: Some(after),
                },
            )
            .await?;
        }
        txn.commit().await?;
        Ok(row)
    }

    /// Replaces a product's fields, keeping the units sold: `remaining` moves with the
    /// capacity. Refused when the capacity would fall below the units sold plus `held` (held
    /// units are counted by the caller; sold ones under the row lock here). The audit entry is
    /// built from the row as it was.
    pub(crate) async fn update(
        &self,
        id: Uuid,
        f: &ProductFields<'_>,
        held: i64,
        entry: impl FnOnce(&ProductRow) -> audit::Entry<'static>,
    ) -> StoreResult<ProductUpdate> {
        let txn = self.db.begin().await?;
        let Some(before) = ProductRow::find_by_statement(sql(
            &format!("SELECT {PRODUCT_COLUMNS} FROM ga_products WHERE id = $1 FOR UPDATE"),
            [id.into()],
        ))
        .one(&txn)
        .await?
        else {
            return Ok(ProductUpdate::NotFound);
        };
        let committed = i64::from(before.capacity - before.remaining) + held;
        if i64::from(f.capacity) < committed {
            return Ok(ProductUpdate::BelowCommitted(committed));
        }
        let row = ProductRow::find_by_statement(sql(
            &format!(
                "UPDATE ga_products SET name = $2, description = $3, price = $4, \
                     remaining = remaining + ($5 - capacity), capacity = $5, \
                     sale_opens_at = $6, sale_closes_at = $7 \
                 WHERE id = $1 RETURNING {PRODUCT_COLUMNS}"
            ),
            [
                id.into(),
                f.name.into(),
                f.description.into(),
                f.price.into(),
                f.capacity.into(),
                f.sale_opens_at.into(),
                f.sale_closes_at.into(),
            ],
        ))
        .one(&txn)
        .await?
        .ok_or(DbErr::RecordNotUpdated)?;
        audit::record(&txn, entry(&before)).await?;
        txn.commit().await?;
        Ok(ProductUpdate::Updated(row))
    }

    /// Deletes a product (and Postgres-path holds on it) unless a unit was ever reserved.
    pub(crate) async fn delete(&self, id: Uuid, entry: audit::Entry<'_>) -> StoreResult<Removal> {
        let txn = self.db.begin().await?;
        if txn
            .execute_raw(sql(
                "SELECT 1 FROM ga_products WHERE id = $1 FOR UPDATE",
                [id.into()],
            ))
            .await?
            .rows_affected()
            == 0
        {
            return Ok(Removal::NotFound);
        }
        let reserved = count(
            &txn,
            "SELECT count(*) AS n FROM reservation_ga_items WHERE product_id = $1",
            vec![id.into()],
        )
        .await?;
        if reserved > 0 {
            return Ok(Removal::HasSales(reserved));
        }
        txn.execute_raw(sql(
            "DELETE FROM pg_holds WHERE product_id = $1",
            [id.into()],
        ))
        .await?;
        txn.execute_raw(sql("DELETE FROM ga_products WHERE id = $1", [id.into()]))
            .await?;
        audit::record(&txn, entry).await?;
        txn.commit().await?;
        Ok(Removal::Deleted)
    }

    /// Units of the product held on the Postgres path right now.
    pub(crate) async fn pg_held(&self, id: Uuid) -> StoreResult<i64> {
        count(
            &self.db,
            "SELECT coalesce(sum(quantity), 0)::bigint AS n FROM pg_holds \
             WHERE product_id = $1 AND expires_at > now()",
            vec![id.into()],
        )
        .await
    }
}
