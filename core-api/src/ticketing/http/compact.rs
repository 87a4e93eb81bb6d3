//! The compact seat map for clients that draw it themselves (the web app): the immutable
//! layout once, with a long-lived entity tag, then a small status vector and the seat stream's
//! changes after it. The full JSON map (`/performances/{id}/seats`) stays for API users.
//!
//! - `GET /performances/{id}/seat-layout`: every seat's id, section, row, number, x, y, tier
//!   and price, in the layout's fixed order. `ETag` is a hash of that content (strong);
//!   `Cache-Control: public, max-age=86400, immutable`; `If-None-Match` → 304.
//! - `GET /performances/{id}/seat-status`: the statuses in the same order, two bits a seat
//!   (`domain::status_vector`), base64 in JSON, with the seat stream's id they are current
//!   to: open `/seats/stream` with `Last-Event-ID: <lastEventId>` to get every change after
//!   it. A 10,000-seat arena is about 3.5 KB.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::extract::ApiPath,
    startup::AppState,
    ticketing::{
        http::{stream::SeatSnapshot, views::LayoutSeat},
        services::seat_layout::{Layout, WireLayout},
    },
};

/// How a layout is cached: it never changes for a performance.
const LAYOUT_CACHE: &str = "public, max-age=86400, immutable";
/// The status is live: caches may keep it but must ask again (the gateway's edge cache keeps
/// it for its own short time).
const STATUS_CACHE: &str = "public, max-age=0, must-revalidate";
/// The only encoding of `seat-status` so far (see the module docs).
const STATUS_ENCODING: &str = "2bit-le";

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatLayoutView {
    pub(crate) performance_id: Uuid,
    /// The layout's version: the same value as the `ETag` (without quotes).
    pub(crate) version: String,
    /// Every seat in the layout's fixed order (the order of `seat-status`).
    pub(crate) seats: Vec<LayoutSeat>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SeatStatusView {
    pub(crate) performance_id: Uuid,
    /// The layout version these statuses are laid out by.
    pub(crate) layout_version: String,
    pub(crate) seat_count: usize,
    /// `2bit-le`: seat `i` is bits `2*(i%4)..2*(i%4)+1` of byte `i/4`; 0 AVAILABLE, 1 HELD,
    /// 2 RESERVED, 3 SOLD.
    pub(crate) encoding: &'static str,
    /// The packed statuses, base64 (standard alphabet, padded).
    pub(crate) status: String,
    /// The seat stream id these statuses include everything up to: resume the stream with
    /// `Last-Event-ID` set to it.
    pub(crate) last_event_id: String,
}

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(seat_layout))
        .routes(routes!(seat_status))
}

/// The performance's immutable seat layout (ids, places, tiers, prices) in its fixed order.
#[utoipa::path(get, path = "/performances/{id}/seat-layout", tag = "catalog", params(("id" = Uuid, Path),
    ("If-None-Match" = Option<String>, Header, description = "the layout's ETag, when the client has it")),
    responses((status = 200, body = SeatLayoutView, description = "with a strong `ETag`"),
        (status = 304, description = "the client's copy is current"), (status = 404), (status = 503)))]
async fn seat_layout(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let layout = state.services.catalog.layout(id).await?;
    let wire = layout.wire(|layout| word_layout(id, layout));
    Ok(answer(&headers, &wire.etag, LAYOUT_CACHE, &wire.body))
}

/// Every seat's live status, packed (see `encoding`), and the seat stream id it is current to.
#[utoipa::path(get, path = "/performances/{id}/seat-status", tag = "catalog", params(("id" = Uuid, Path),
    ("If-None-Match" = Option<String>, Header, description = "the ETag of the status the client has")),
    responses((status = 200, body = SeatStatusView), (status = 304, description = "unchanged"),
        (status = 404), (status = 503)))]
async fn seat_status(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> Result<Response> {
    let layout = state.services.catalog.layout(id).await?;
    let version = layout.wire(|layout| word_layout(id, layout)).etag.clone();
    let snapshot = state
        .services
        .streams
        .snapshot(id, SeatSnapshot::json)
        .await?;
    let view = SeatStatusView {
        performance_id: id,
        layout_version: version.trim_matches('"').to_owned(),
        seat_count: layout.seats().count(),
        encoding: STATUS_ENCODING,
        status: base64::engine::general_purpose::STANDARD.encode(&snapshot.packed),
        last_event_id: snapshot.last_id.clone(),
    };
    let body = envelope(&view);
    let etag = format!("W/{}", tag(&body));
    Ok(answer(&headers, &etag, STATUS_CACHE, &body))
}

fn word_layout(performance_id: Uuid, layout: &Layout) -> WireLayout {
    let seats: Vec<LayoutSeat> = layout
        .seats()
        .map(|s| LayoutSeat {
            id: s.id,
            section: s.section.clone(),
            row: s.row_label.clone(),
            number: s.number,
            x: s.x,
            y: s.y,
            price_tier: s.price_tier.clone(),
            price: s.price,
        })
        .collect();
    // The version is the hash of the seats themselves: the same layout, the same tag.
    let version = tag(&serde_json::to_vec(&seats).unwrap_or_default());
    let view = SeatLayoutView {
        performance_id,
        version: version.trim_matches('"').to_owned(),
        seats,
    };
    WireLayout {
        body: envelope(&view),
        etag: version,
    }
}

/// `{"success": true, "data": ...}` as bytes.
fn envelope<T: Serialize>(data: &T) -> Bytes {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        success: bool,
        data: &'a T,
    }
    let envelope = Envelope {
        success: true,
        data,
    };
    Bytes::from(serde_json::to_vec(&envelope).unwrap_or_default())
}

/// A quoted entity tag from the first 16 bytes of the content's SHA-256.
fn tag(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// 200 with the body, or 304 when `If-None-Match` names `etag` (weak comparison).
fn answer(headers: &HeaderMap, etag: &str, cache: &'static str, body: &Bytes) -> Response {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == "*" || bare(t) == bare(etag))
        });
    let etag = HeaderValue::from_str(etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let cache = HeaderValue::from_static(cache);
    if matches {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        body.clone(),
    )
        .into_response()
}
