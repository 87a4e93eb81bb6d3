//! General-admission products: `GET /performances/{id}/products`, admin list and create.

use axum::extract::State;
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateProductRequest {
    pub(crate) name: String,
    /// KRW per unit.
    pub(crate) price: i64,
    /// Units for sale.
    pub(crate) capacity: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProductView {
    pub(crate) id: Uuid,
    pub(crate) performance_id: Uuid,
    pub(crate) name: String,
    pub(crate) price: i64,
    pub(crate) capacity: i32,
    /// Units not sold yet (some may be held right now).
    pub(crate) remaining: i32,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        ProductView {
            id: p.id,
            performance_id: p.performance_id,
            name: p.name,
            price: p.price,
            capacity: p.capacity,
            remaining: p.remaining,
        }
    }
}

impl From<CreateProductRequest> for NewProduct {
    fn from(r: CreateProductRequest) -> Self {
        NewProduct {
            name: r.name,
            price: r.price,
            capacity: r.capacity,
        }
    }
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products))
        .routes(routes!(admin_list_products, create_product))
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

/// Adds a general-admission product (a priced quantity) to a performance.
#[utoipa::path(post, path = "/admin/performances/{id}/products", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CreateProductRequest,
    responses((status = 201, body = ProductView), (status = 400), (status = 403), (status = 404)))]
async fn create_product(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreateProductRequest>,
) -> Result<Created<ProductView>> {
    let product = state.services.products.create(id, req.into()).await?;
    Ok(Created(product.into()))
}
