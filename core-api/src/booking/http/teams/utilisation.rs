//! `/teams/{id}/utilisation` and its CSV: booked ÷ bookable hours per server per week and
//! the top users, for the team's owners.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    booking::{
        domain::time::parse_window,
        services::bookings::{TopUser, Utilisation, WeekUse, utilisation_csv},
    },
    error::Result,
    http::extract::{ApiPath, ApiQuery, Data},
    shared::services::auth::Caller,
    startup::AppState,
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(utilisation))
        .routes(routes!(utilisation_csv_route))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Window {
    /// RFC 3339 with offset.
    from: String,
    /// RFC 3339 with offset; at most 92 days after `from`.
    to: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WeekUseView {
    resource_id: Uuid,
    name: String,
    /// The Monday (UTC) the week starts on.
    week: String,
    booked_hours: f64,
    /// Hours inside the server's allowed hours (all hours when it has none) in the window.
    bookable_hours: f64,
    ratio: f64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopUserView {
    user_id: Uuid,
    name: String,
    hours: f64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UtilisationView {
    /// One row per server per week.
    rows: Vec<WeekUseView>,
    /// Who booked the most hours in the window (at most 10).
    top_users: Vec<TopUserView>,
}

impl From<WeekUse> for WeekUseView {
    fn from(w: WeekUse) -> Self {
        WeekUseView {
            resource_id: w.resource_id,
            name: w.name,
            week: w.week,
            booked_hours: w.booked_hours,
            bookable_hours: w.bookable_hours,
            ratio: w.ratio,
        }
    }
}

impl From<TopUser> for TopUserView {
    fn from(u: TopUser) -> Self {
        TopUserView {
            user_id: u.user_id,
            name: u.name,
            hours: u.hours,
        }
    }
}

impl From<Utilisation> for UtilisationView {
    fn from(u: Utilisation) -> Self {
        UtilisationView {
            rows: u.rows.into_iter().map(Into::into).collect(),
            top_users: u.top_users.into_iter().map(Into::into).collect(),
        }
    }
}

async fn compute(state: &AppState, caller: Caller, id: Uuid, w: &Window) -> Result<Utilisation> {
    let window = parse_window(&w.from, &w.to)?;
    state
        .services
        .bookings
        .utilisation(caller, id, window)
        .await
}

/// Booked ÷ bookable hours per server per week, and the top users (team owners, admins).
#[utoipa::path(get, path = "/teams/{id}/utilisation", params(("id" = Uuid, Path), Window), tag = "teams",
    security(("bearer" = [])),
    responses((status = 200, body = UtilisationView), (status = 400), (status = 403), (status = 404)))]
async fn utilisation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(w): ApiQuery<Window>,
) -> Result<Data<UtilisationView>> {
    Ok(Data(compute(&state, caller, id, &w).await?.into()))
}

/// The same rows as CSV (`resource_id,name,week,booked_hours,bookable_hours,ratio`).
#[utoipa::path(get, path = "/teams/{id}/utilisation.csv", params(("id" = Uuid, Path), Window), tag = "teams",
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400), (status = 403), (status = 404)))]
async fn utilisation_csv_route(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(w): ApiQuery<Window>,
) -> Result<Response> {
    let report = compute(&state, caller, id, &w).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"utilisation.csv\"",
            ),
        ],
        utilisation_csv(&report.rows),
    )
        .into_response())
}
