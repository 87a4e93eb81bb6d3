//! General-admission products: admins add, edit and delete them (edits never take the
//! capacity below what is sold and held; deletes only while nothing was reserved); everyone
//! can list them.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{Error, ErrorCode, Result},
    shared::storage::audit,
    storage::StoreError,
    ticketing::storage::{
        catalog::{CatalogRepo, Removal},
        ga::{GaRepo, ProductRow},
        ga_admin::{ProductFields, ProductUpdate},
        holds::Holds,
    },
};

/// A general-admission product as an organizer writes it (on create, and whole on every edit).
#[derive(Debug)]
pub struct NewProduct {
    pub name: String,
    /// At most 2,000 characters.
    pub description: String,
    /// KRW per unit.
    pub price: i64,
    /// Units for sale.
    pub capacity: i32,
    /// The product's own sale window (either end open: the performance's applies).
    pub sale_opens_at: Option<DateTime<Utc>>,
    pub sale_closes_at: Option<DateTime<Utc>>,
}

/// A general-admission product and how many units are left.
#[derive(Clone, Debug)]
pub struct Product {
    pub id: Uuid,
    pub performance_id: Uuid,
    pub name: String,
    pub description: String,
    pub price: i64,
    pub capacity: i32,
    /// Units not sold yet (some may be held right now).
    pub remaining: i32,
    pub sale_opens_at: Option<DateTime<Utc>>,
    pub sale_closes_at: Option<DateTime<Utc>>,
}

impl From<ProductRow> for Product {
    fn from(p: ProductRow) -> Self {
        Product {
            id: p.id,
            performance_id: p.performance_id,
            name: p.name,
            description: p.description,
            price: p.price,
            capacity: p.capacity,
            remaining: p.remaining,
            sale_opens_at: p.sale_opens_at,
            sale_closes_at: p.sale_closes_at,
        }
    }
}

/// Checks every field (400 naming the first bad one) and gives them trimmed.
fn checked(req: &NewProduct) -> Result<ProductFields<'_>> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::validation("name", "must be 1 to 100 characters"));
    }
    let description = req.description.trim();
    if description.chars().count() > 2_000 {
        return Err(Error::validation("description", "at most 2000 characters"));
    }
    if !(0..=100_000_000).contains(&req.price) {
        return Err(Error::validation("price", "must be 0 to 100,000,000 KRW"));
    }
    if !(1..=1_000_000).contains(&req.capacity) {
        return Err(Error::validation("capacity", "must be 1 to 1,000,000"));
    }
    if let (Some(opens), Some(closes)) = (req.sale_opens_at, req.sale_closes_at)
        && opens > closes
    {
        return Err(Error::validation(
            "saleClosesAt",
            "must not be before saleOpensAt",
        ));
    }
    Ok(ProductFields {
        name,
        description,
        price: req.price,
        capacity: req.capacity,
        sale_opens_at: req.sale_opens_at,
        sale_closes_at: req.sale_closes_at,
    })
}

fn name_taken(e: StoreError) -> Error {
    if e.constraint() == Some("ga_products_name_key") {
        Error::conflict(
            ErrorCode::BookingConflict,
            "this performance already has a product with that name",
        )
        .with_details(json!({ "field": "name" }))
    } else {
        e.into()
    }
}

#[derive(Clone)]
pub struct ProductService {
    catalog: CatalogRepo,
    ga: GaRepo,
    /// Counts the units held right now, which an edit may not take the capacity below.
    holds: Holds,
}

impl ProductService {
    pub(crate) fn new(catalog: CatalogRepo, ga: GaRepo, holds: Holds) -> Self {
        ProductService { catalog, ga, holds }
    }

    pub async fn create(&self, performance_id: Uuid, req: NewProduct) -> Result<Product> {
        self.create_by(None, performance_id, req).await
    }

    /// Adds a product; with an actor, audited (`product.create`) in the same transaction.
    pub(crate) async fn create_by(
        &self,
        actor: Option<Uuid>,
        performance_id: Uuid,
        req: NewProduct,
    ) -> Result<Product> {
        let fields = checked(&req)?;
        self.catalog
            .performance_rules(performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        let row = self
            .ga
            .insert(performance_id, &fields, actor)
            .await
            .map_err(name_taken)?;
        Ok(row.into())
    }

    /// Replaces a product's fields. 400 (nothing changed) on a bad field or a capacity below
    /// the units sold and held; audited as `product.price` when the price changed, else
    /// `product.update`.
    pub(crate) async fn update(
        &self,
        actor_id: Uuid,
        id: Uuid,
        req: NewProduct,
    ) -> Result<Product> {
        let fields = checked(&req)?;
        let current = self.ga.get(id).await?.ok_or(Error::NotFound("product"))?;
        let held = self.holds.redis_ga_held(current.performance_id, id).await?
            + self.ga.pg_held(id).await?;
        let (after, new_price) = (fields.audit_json(), fields.price);
        let entry = move |before: &ProductRow| audit::Entry {
            actor_id,
            action: if before.price == new_price {
                "product.update"
            } else {
                "product.price"
            },
            entity_type: "product",
            entity_id: id,
            before: Some(json!({
                "name": before.name, "description": before.description, "price": before.price,
                "capacity": before.capacity, "saleOpensAt": before.sale_opens_at,
                "saleClosesAt": before.sale_closes_at,
            })),
            after: Some(after),
        };
        match self
            .ga
            .update(id, &fields, held, entry)
            .await
            .map_err(name_taken)?
        {
            ProductUpdate::Updated(row) => Ok(row.into()),
            ProductUpdate::NotFound => Err(Error::NotFound("product")),
            ProductUpdate::BelowCommitted(least) => Err(Error::Validation {
                message: format!("must be at least {least}: that many units are sold or held"),
                details: json!({
                    "field": "capacity",
                    "reason": format!("must be at least {least}: that many units are sold or held"),
                    "minimum": least,
                }),
            }),
        }
    }

    /// Deletes a product; 409 `HAS_SALES` once a unit of it was ever reserved.
    pub(crate) async fn delete(&self, actor_id: Uuid, id: Uuid) -> Result<()> {
        let entry = audit::Entry {
            actor_id,
            action: "product.delete",
            entity_type: "product",
            entity_id: id,
            before: None,
            after: None,
        };
        match self.ga.delete(id, entry).await? {
            Removal::Deleted => Ok(()),
            Removal::NotFound => Err(Error::NotFound("product")),
            Removal::HasSales(n) => Err(Error::conflict(
                ErrorCode::HasSales,
                "units of this product were reserved; it cannot be deleted",
            )
            .with_details(json!({ "reservations": n }))),
        }
    }

    /// A listing (a read replica may serve it): the units left are a moment old at most; a
    /// hold decides on the primary.
    pub(crate) async fn list(&self, performance_id: Uuid) -> Result<Vec<Product>> {
        if !self.catalog.performance_listed(performance_id).await? {
            return Err(Error::NotFound("performance"));
        }
        Ok(self
            .ga
            .of_performance(performance_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}
