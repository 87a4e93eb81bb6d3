//! General-admission products: `GET /performances/{id}/products`, admin create.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{AdminCaller, ApiJson, ApiPath, Created, Data},
    startup::AppState,
    ticketing::services::products::{CreateProductRequest, ProductView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products))
        .routes(routes!(create_product))
}

/// General-admission products of a performance (hold them with `{performanceId, productId, quantity}`).
#[utoipa::path(get, path = "/performances/{id}/products", tag = "catalog", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ProductView>), (status = 404)))]
async fn list_products(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<Vec<ProductView>>> {
    Ok(Data(state.services.products.list(id).await?))
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
    Ok(Created(state.services.products.create(id, req).await?))
}
