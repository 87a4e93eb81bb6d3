//! General-admission products: admins add them to a performance; everyone can list them.

use uuid::Uuid;

use crate::{
    error::{Error, ErrorCode, Result},
    ticketing::storage::{
        catalog::CatalogRepo,
        ga::{GaRepo, ProductRow},
    },
};

/// A general-admission product to add to a performance.
#[derive(Debug)]
pub struct NewProduct {
    pub name: String,
    /// KRW per unit.
    pub price: i64,
    /// Units for sale.
    pub capacity: i32,
}

/// A general-admission product and how many units are left.
#[derive(Clone, Debug)]
pub struct Product {
    pub id: Uuid,
    pub performance_id: Uuid,
    pub name: String,
    pub price: i64,
    pub capacity: i32,
    /// Units not sold yet (some may be held right now).
    pub remaining: i32,
}

impl From<ProductRow> for Product {
    fn from(p: ProductRow) -> Self {
        Product {
            id: p.id,
            performance_id: p.performance_id,
            name: p.name,
            price: p.price,
            capacity: p.capacity,
            remaining: p.remaining,
        }
    }
}

#[derive(Clone)]
pub struct ProductService {
    catalog: CatalogRepo,
    ga: GaRepo,
}

impl ProductService {
    pub(crate) fn new(catalog: CatalogRepo, ga: GaRepo) -> Self {
        ProductService { catalog, ga }
    }

    pub async fn create(&self, performance_id: Uuid, req: NewProduct) -> Result<Product> {
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation("name", "must be 1 to 100 characters"));
        }
        if !(0..=100_000_000).contains(&req.price) {
            return Err(Error::validation("price", "must be 0 to 100,000,000 KRW"));
        }
        if !(1..=1_000_000).contains(&req.capacity) {
            return Err(Error::validation("capacity", "must be 1 to 1,000,000"));
        }
        self.catalog
            .performance_rules(performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        match self
            .ga
            .insert(performance_id, name, req.price, req.capacity)
            .await
        {
            Ok(row) => Ok(row.into()),
            Err(e) if e.constraint() == Some("ga_products_name_key") => Err(Error::conflict(
                ErrorCode::BookingConflict,
                "this performance already has a product with that name",
            )),
            Err(e) => Err(e.into()),
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
