//! General-admission products: `GET /performances/{id}/products`; admin list, create, edit
//! and delete.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{AdminCaller, ApiJson, ApiPath, Created, Data},
    startup::AppState,
    ticketing::{
        http::views::all,
        services::products::{NewProduct, Product},
    },
};

/// A product's fields; an edit (`PUT`) sends all of them and absent optional ones are cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ProductRequest {
    /// 1 to 100 characters, unique within the performance.
    pub(crate) name: String,
    /// At most 2,000 characters.
    #[serde(default)]
    pub(crate) description: String,
    /// KRW per unit, 0 to 100,000,000.
    pub(crate) price: i64,
    /// Units for sale, 1 to 1,000,000; on an edit at least the units sold and held.
    pub(crate) capacity: i32,
    /// The product's own sale opening (absent: the performance's applies).
    #[serde(default)]
    pub(crate) sale_opens_at: Option<DateTime<Utc>>,
    /// The product's own sale end, not before `saleOpensAt` (absent: the performance's applies).
    #[serde(default)]
    pub(crate) sale_closes_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProductView {
    pub(crate) id: Uuid,
    pub(crate) performance_id: Uuid,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) price: i64,
    pub(crate) capacity: i32,
    /// Units not sold yet (some may be held right now).
    pub(crate) remaining: i32,
    /// The product's own sale window; null: the performance's applies.
    pub(crate) sale_opens_at: Option<DateTime<Utc>>,
    pub(crate) sale_closes_at: Option<DateTime<Utc>>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        ProductView {
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

impl From<ProductRequest> for NewProduct {
    fn from(r: ProductRequest) -> Self {
        NewProduct {
            name: r.name,
            description: r.description,
            price: r.price,
            capacity: r.capacity,
            sale_opens_at: r.sale_opens_at,
            sale_closes_at: r.sale_closes_at,
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products))
        .routes(routes!(admin_list_products, create_product))
        .routes(routes!(update_product, delete_product))
}

/// General-admission products of a performance (hold them with `{performanceId, productId, quantity}`).
#[utoipa::path(get, path = "/performances/{id}/products", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ProductView>), (status = 404)))]
async fn list_products(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<Vec<ProductView>>> {
    Ok(Data(all(state.services.products.list(id).await?)))
}

/// The console's list of a performance's general-admission products (admins; the same
/// figures as the public list, which the console may not rely on being cached).
#[utoipa::path(get, path = "/admin/performances/{id}/products", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ProductView>), (status = 403), (status = 404)))]
async fn admin_list_products(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<Vec<ProductView>>> {
    Ok(Data(all(state.services.products.list(id).await?)))
}

/// Adds a general-admission product (a priced quantity) to a performance. Audited.
#[utoipa::path(post, path = "/admin/performances/{id}/products", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ProductRequest,
    responses((status = 201, body = ProductView), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "BOOKING_CONFLICT: the name is taken")))]
async fn create_product(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ProductRequest>,
) -> Result<Created<ProductView>> {
    let product = state
        .services
        .products
        .create_by(Some(caller.user_id), id, req.into())
        .await?;
    Ok(Created(product.into()))
}

/// Replaces a product's fields. 400 naming the field when one is bad, or when the capacity
/// would fall below the units sold and held (`details.minimum`). Audited (`product.price`
/// when the price changed).
#[utoipa::path(put, path = "/admin/products/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ProductRequest,
    responses((status = 200, body = ProductView), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "BOOKING_CONFLICT: the name is taken")))]
async fn update_product(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ProductRequest>,
) -> Result<Data<ProductView>> {
    let product = state
        .services
        .products
        .update(caller.user_id, id, req.into())
        .await?;
    Ok(Data(product.into()))
}

/// Deletes a product; 409 `HAS_SALES` once a unit of it was ever reserved. Audited.
#[utoipa::path(delete, path = "/admin/products/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "HAS_SALES")))]
async fn delete_product(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode> {
    state.services.products.delete(caller.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
