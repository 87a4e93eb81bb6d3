//! `/holds`: claim seats, read, release early, extend once.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::{ApiJson, ApiPath, Created, Data},
    shared::services::auth::Caller,
    startup::AppState,
    ticketing::{
        http::views::{ItemView, SeatView, all},
        services::{
            holds::{Hold, HoldRequest},
            queue_pass,
        },
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateHoldRequest {
    pub(crate) performance_id: Uuid,
    /// Exactly these seats, all or none.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 50)]
    pub(crate) seat_ids: Option<Vec<Uuid>>,
    /// Or: the best `quantity` adjacent seats available (same section and row).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 50)]
    pub(crate) quantity: Option<u32>,
    /// With `quantity`: only this section.
    #[serde(default)]
    pub(crate) section: Option<String>,
    /// Or: `quantity` units of this general-admission product.
    #[serde(default)]
    pub(crate) product_id: Option<Uuid>,
}

impl From<CreateHoldRequest> for HoldRequest {
    fn from(r: CreateHoldRequest) -> Self {
        HoldRequest {
            performance_id: r.performance_id,
            seat_ids: r.seat_ids,
            quantity: r.quantity,
            section: r.section,
            product_id: r.product_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HoldView {
    pub(crate) hold_id: Uuid,
    pub(crate) performance_id: Uuid,
    pub(crate) seats: Vec<SeatView>,
    /// KRW, integer.
    pub(crate) total_amount: i64,
    pub(crate) expires_at: DateTime<Utc>,
    /// Whether the one allowed extension was used.
    pub(crate) extended: bool,
    /// General-admission units held (empty for a seat hold).
    pub(crate) items: Vec<ItemView>,
}

impl From<Hold> for HoldView {
    fn from(h: Hold) -> Self {
        HoldView {
            hold_id: h.hold_id,
            performance_id: h.performance_id,
            seats: all(h.seats),
            total_amount: h.total_amount,
            expires_at: h.expires_at,
            extended: h.extended,
            items: all(h.items),
        }
    }
}

/// The path a DPoP proof for creating a hold names (`htu`), as clients see it.
const HOLDS_PATH: &str = "/api/v1/holds";

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_hold))
        .routes(routes!(get_hold, release_hold))
        .routes(routes!(extend_hold))
}

/// Holds every asked seat for the hold TTL, or none: 409 `SEAT_UNAVAILABLE` names the taken ones.
#[utoipa::path(post, path = "/holds", tag = "holds", security(("bearer" = [])), request_body = CreateHoldRequest,
    responses(
        (status = 201, body = HoldView),
        (status = 400, description = "VALIDATION_FAILED: empty, repeated or unknown seat ids"),
        (status = 403, description = "QUEUE_PASS_REQUIRED: the performance is behind a waiting room and no valid Queue-Token pass came along; DPOP_PROOF_INVALID: the pass is bound to a key and the DPoP header holds no fresh, unused proof signed with it for this request"),
        (status = 404, description = "unknown performance"),
        (status = 409, description = "SEAT_UNAVAILABLE, details.unavailableSeatIds"),
        (status = 422, description = "SEAT_LIMIT_EXCEEDED / SALE_NOT_OPEN"),
        (status = 503, description = "DEPENDENCY_UNAVAILABLE"),
    ))]
async fn create_hold(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateHoldRequest>,
) -> Result<Created<HoldView>> {
    // Waiting room: a queued performance needs the caller's pass, and a bound pass a proof
    // signed with its key (services/queue_pass.rs).
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let presented = queue_pass::Presented {
        pass: header(queue_pass::HEADER),
        proof: header(queue_pass::DPOP_HEADER),
        method: "POST",
        path: HOLDS_PATH,
    };
    state
        .services
        .queue_pass
        .check(caller, req.performance_id, presented)
        .await?;
    let hold = state.services.holds.create(caller, req.into()).await?;
    Ok(Created(hold.into()))
}

/// The caller's live hold.
#[utoipa::path(get, path = "/holds/{id}", tag = "holds", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = HoldView), (status = 403), (status = 404)))]
async fn get_hold(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<HoldView>> {
    Ok(Data(state.services.holds.get(caller, id).await?.into()))
}

/// Releases a hold early; its seats are AVAILABLE again at once.
#[utoipa::path(delete, path = "/holds/{id}", tag = "holds", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
async fn release_hold(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode> {
    state.services.holds.release(caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Extends a hold once by the configured extension; a second call is 422 `HOLD_EXTENSION_USED`.
#[utoipa::path(post, path = "/holds/{id}/extend", tag = "holds", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = HoldView), (status = 403), (status = 409, description = "HOLD_EXPIRED"), (status = 422)))]
async fn extend_hold(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<HoldView>> {
    Ok(Data(state.services.holds.extend(caller, id).await?.into()))
}
