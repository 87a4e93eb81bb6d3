//! `/admin/venues` and `/admin/venues/{id}`: list, read with the whole layout, replace the
//! layout, delete.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::types::{CreateVenueRequest, StageView};
use crate::{
    error::Result,
    http::{
        extract::{AdminCaller, ApiJson, ApiPath, ApiQuery, Data},
        page::{Page, page_schema},
    },
    startup::AppState,
    ticketing::{services::admin::VenueLayout, storage::catalog::VenueSummaryRow},
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_venues))
        .routes(routes!(get_venue, update_venue, delete_venue))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    /// Part of the name, any case (at most 100 characters).
    pub(crate) q: Option<String>,
    /// 1-100, default 50.
    #[param(minimum = 1, maximum = 100)]
    pub(crate) limit: Option<u64>,
    /// Items to skip (0-100000), default 0.
    #[param(minimum = 0, maximum = 100000)]
    pub(crate) offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VenueSummary {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) total_seats: i64,
    pub(crate) price_tiers: Vec<String>,
    pub(crate) layout_version: i32,
    /// Performances at the venue.
    pub(crate) performances: i64,
    pub(crate) updated_at: DateTime<Utc>,
}

impl From<VenueSummaryRow> for VenueSummary {
    fn from(v: VenueSummaryRow) -> Self {
        VenueSummary {
            id: v.id,
            name: v.name,
            total_seats: v.total_seats,
            price_tiers: v.price_tiers,
            layout_version: v.layout_version,
            performances: v.performances,
            updated_at: v.updated_at,
        }
    }
}

page_schema!(VenuePage = VenueSummary);

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutSeatView {
    pub(crate) section: String,
    pub(crate) row: String,
    pub(crate) number: i32,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) price_tier: String,
    /// standard, accessible or companion.
    pub(crate) kind: String,
    /// null, blocked or production.
    pub(crate) off_sale: Option<String>,
    pub(crate) label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayoutView {
    pub(crate) stage: Option<StageView>,
    /// Section names with their seat counts, in name order.
    pub(crate) sections: Vec<SectionSummary>,
    pub(crate) seats: Vec<LayoutSeatView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SectionSummary {
    pub(crate) name: String,
    pub(crate) seats: usize,
}

/// A venue with its whole layout: every seat spelled out, as `PUT` takes it back.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VenueDetail {
    #[serde(flatten)]
    pub(crate) summary: VenueSummary,
    pub(crate) layout: LayoutView,
}

impl From<VenueLayout> for VenueDetail {
    fn from(v: VenueLayout) -> Self {
        let stage = v
            .venue
            .stage
            .clone()
            .and_then(|s| serde_json::from_value(s).ok());
        let mut sections: Vec<SectionSummary> = Vec::new();
        for seat in &v.seats {
            match sections.last_mut() {
                Some(last) if last.name == seat.section => last.seats += 1,
                _ => sections.push(SectionSummary {
                    name: seat.section.clone(),
                    seats: 1,
                }),
            }
        }
        VenueDetail {
            summary: v.venue.into(),
            layout: LayoutView {
                stage,
                sections,
                seats: v
                    .seats
                    .into_iter()
                    .map(|s| LayoutSeatView {
                        section: s.section,
                        row: s.row_label,
                        number: s.number,
                        x: s.x,
                        y: s.y,
                        price_tier: s.price_tier,
                        kind: s.kind,
                        off_sale: s.off_sale,
                        label: s.label,
                    })
                    .collect(),
            },
        }
    }
}

/// Venues by name, with their seat counts, tiers, layout version and performances.
#[utoipa::path(get, path = "/admin/venues", tag = "admin", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = VenuePage), (status = 400), (status = 403)))]
async fn list_venues(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Data<VenuePage>> {
    let (limit, offset) = (q.limit.unwrap_or(50), q.offset.unwrap_or(0));
    let (items, total) = state
        .services
        .admin
        .venues(q.q.as_deref(), limit, offset)
        .await?;
    Ok(Data(Page::of(items, total, (limit, offset))))
}

/// One venue with its whole layout (stage, sections, every seat with kind and off-sale state).
#[utoipa::path(get, path = "/admin/venues/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), responses((status = 200, body = VenueDetail), (status = 403), (status = 404)))]
async fn get_venue(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<VenueDetail>> {
    Ok(Data(state.services.admin.venue(id).await?.into()))
}

/// Replaces a venue's name and layout (a new layout version). Refused with 409
/// `VENUE_IN_USE` while a performance there has a held, reserved or sold seat; performances
/// created later take the new layout, earlier ones keep theirs. Audited.
#[utoipa::path(put, path = "/admin/venues/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = CreateVenueRequest,
    responses((status = 200, body = VenueDetail), (status = 400), (status = 403), (status = 404),
    (status = 409, description = "VENUE_IN_USE")))]
async fn update_venue(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CreateVenueRequest>,
) -> Result<Data<VenueDetail>> {
    Ok(Data(
        state
            .services
            .admin
            .update_venue(caller.user_id, id, req.into())
            .await?
            .into(),
    ))
}

/// Deletes a venue no event uses (409 `VENUE_IN_USE` otherwise). Audited.
#[utoipa::path(delete, path = "/admin/venues/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "VENUE_IN_USE")))]
async fn delete_venue(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode> {
    state
        .services
        .admin
        .delete_venue(caller.user_id, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
