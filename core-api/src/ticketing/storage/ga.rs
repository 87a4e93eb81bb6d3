//! General-admission products: a priced quantity per performance, sold by a conditional
//! UPDATE that can never take `remaining` below zero. Only the listing (`of_performance`)
//! reads through `reads`, which a read replica may serve.

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::{
    storage::{reads::ReadDb, sql},
    ticketing::storage::reservations::NewReservation,
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct ProductRow {
    pub(crate) id: Uuid,
    pub(crate) performance_id: Uuid,
    pub(crate) name: String,
    pub(crate) price: i64,
    pub(crate) capacity: i32,
    pub(crate) remaining: i32,
    pub(crate) description: String,
    /// The product's own sale window; none: the performance's applies.
    pub(crate) sale_opens_at: Option<DateTime<Utc>>,
    pub(crate) sale_closes_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct ItemRow {
    pub(crate) reservation_id: Uuid,
    pub(crate) product_id: Uuid,
    pub(crate) name: String,
    pub(crate) quantity: i32,
    pub(crate) price: i64,
}

pub(super) const PRODUCT_COLUMNS: &str = "id, performance_id, name, price, capacity, remaining, description, sale_opens_at, sale_closes_at";

#[derive(Clone)]
pub(crate) struct GaRepo {
    pub(super) db: DatabaseConnection,
    /// The listing's reads: the primary, unless `reading_from` handed it a replica.
    reads: ReadDb,
}

impl GaRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        GaRepo {
            reads: ReadDb::primary_only(db.clone()),
            db,
        }
    }

    /// The same store with its listing read through `reads` (which a replica may serve).
    pub(crate) fn reading_from(self, reads: ReadDb) -> Self {
        GaRepo { reads, ..self }
    }

    pub(crate) async fn of_performance(
        &self,
        performance_id: Uuid,
    ) -> StoreResult<Vec<ProductRow>> {
        self.reads.all("products", sql(
            &format!("SELECT {PRODUCT_COLUMNS} FROM ga_products WHERE performance_id = $1 ORDER BY price DESC, name"),
            [performance_id.into()],
        ))
        .await
    }

    pub(crate) async fn get(&self, id: Uuid) -> StoreResult<Option<ProductRow>> {
        ProductRow::find_by_statement(sql(
            &format!("SELECT {PRODUCT_COLUMNS} FROM ga_products WHERE id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    pub(crate) async fn items_of(&self, reservation_ids: &[Uuid]) -> StoreResult<Vec<ItemRow>> {
        ItemRow::find_by_statement(sql(
            "SELECT i.reservation_id, i.product_id, p.name, i.quantity, i.price FROM reservation_ga_items i \
             JOIN ga_products p ON p.id = i.product_id WHERE i.reservation_id = ANY($1) ORDER BY p.name",
            [reservation_ids.to_vec().into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }
}

/// The general-admission commit: takes `quantity` off `remaining` only if that many remain,
/// and writes the reservation and its item in the same statement. Returns false (nothing
/// written) when too few remain.
pub(crate) async fn reserve(
    c: &impl ConnectionTrait,
    r: &NewReservation<'_>,
    product_id: Uuid,
    quantity: u32,
) -> StoreResult<bool> {
    #[derive(FromQueryResult)]
    struct Sold {
        sold: i64,
    }
    let sold = Sold::find_by_statement(sql(
        "WITH upd AS ( \
             UPDATE ga_products SET remaining = remaining - $3 \
             WHERE id = $2 AND performance_id = $4 AND remaining >= $3 \
             RETURNING id, price \
         ), res AS ( \
             INSERT INTO reservations (id, reservation_number, user_id, performance_id, hold_id, total_amount, \
                 attendee_name, attendee_phone, attendee_email, expires_at) \
             SELECT $1, $5, $6, $4, $7, price * $3, $8, $9, $10, $11 FROM upd \
         ), item AS ( \
             INSERT INTO reservation_ga_items (reservation_id, product_id, quantity, price) SELECT $1, id, $3, price FROM upd \
         ) \
         SELECT count(*) AS sold FROM upd",
        [
            r.id.into(),
            product_id.into(),
            (quantity as i32).into(),
            r.performance_id.into(),
            r.number.into(),
            r.user_id.into(),
            r.hold_id.into(),
            r.attendee_name.into(),
            r.attendee_phone.into(),
            r.attendee_email.map(str::to_owned).into(),
            r.expires_at.into(),
        ],
    ))
    .one(c)
    .await?;
    Ok(sold.is_some_and(|s| s.sold == 1))
}
