//! `/resources`: shared servers, which their team's owners (or admins) add, change and
//! remove, and which only their team's members see.

mod types;

pub(crate) use types::ResourceView;
pub use types::{AllowedHours, PolicyInput, ResourceRequest};

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    booking::domain::team::Need,
    error::Result,
    http::extract::{ApiJson, ApiPath, ApiQuery, Created, Data},
    shared::services::auth::Caller,
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(get_resource, update_resource, delete_resource))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    /// Include retired (inactive) resources of the teams the caller owns (admins: of every team).
    include_inactive: Option<bool>,
}

/// The resources of the caller's teams that take bookings (admins see every team's). Owners
/// may ask for their teams' retired ones too, to bring them back.
#[utoipa::path(get, path = "/resources", tag = "resources", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<ResourceView>)))]
async fn list_resources(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Data<Vec<ResourceView>>> {
    let inactive = q.include_inactive.unwrap_or(false);
    Ok(Data(
        state
            .services
            .resources
            .list(caller, inactive)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Adds a resource with its booking policy to a team the caller owns (admins: any team).
#[utoipa::path(post, path = "/resources", tag = "resources", security(("bearer" = [])), request_body = ResourceRequest,
    responses((status = 201, body = ResourceView), (status = 400, description = "bad field, or `teamId` of a team the caller is not in"),
        (status = 403, description = "a member or viewer of the team"), (status = 409, description = "RESOURCE_NAME_TAKEN")))]
async fn create_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<ResourceRequest>,
) -> Result<Created<ResourceView>> {
    let team_id = req.required_team()?;
    Ok(Created(
        state
            .services
            .resources
            .create(caller, team_id, req.fields()?)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/resources/{id}", params(("id" = Uuid, Path)), tag = "resources", security(("bearer" = [])),
    responses((status = 200, body = ResourceView), (status = 404)))]
async fn get_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<ResourceView>> {
    Ok(Data(
        state
            .services
            .resources
            .get(caller, id, Need::Read)
            .await?
            .into(),
    ))
}

/// Replaces a resource's fields and policy (existing bookings stay as they are). Team
/// owners or admins; `teamId` moves it to another team the caller owns.
#[utoipa::path(put, path = "/resources/{id}", params(("id" = Uuid, Path)), tag = "resources", security(("bearer" = [])), request_body = ResourceRequest,
    responses((status = 200, body = ResourceView), (status = 400), (status = 403), (status = 404), (status = 409)))]
async fn update_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ResourceRequest>,
) -> Result<Data<ResourceView>> {
    let team_id = req.team_id;
    Ok(Data(
        state
            .services
            .resources
            .update(caller, (id, team_id), req.fields()?)
            .await?
            .into(),
    ))
}

/// Removes a resource with nothing booked ahead. Team owners or admins.
#[utoipa::path(delete, path = "/resources/{id}", params(("id" = Uuid, Path)), tag = "resources", security(("bearer" = [])),
    responses((status = 200, body = ResourceView), (status = 403), (status = 404), (status = 409, description = "RESOURCE_HAS_BOOKINGS")))]
async fn delete_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<ResourceView>> {
    Ok(Data(
        state.services.resources.delete(caller, id).await?.into(),
    ))
}
