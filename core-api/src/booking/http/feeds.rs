//! `/calendar-feeds` and `/calendar/{token}`: secret iCalendar subscription URLs, and the
//! documents behind them.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    booking::{domain::feed::Feed, services::calendar::NewFeed},
    error::Result,
    http::extract::{ApiJson, ApiPath, Created, Data},
    shared::services::auth::Caller,
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_feeds, create_feed))
        .routes(routes!(revoke_feed))
        .routes(routes!(feed))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateFeedRequest {
    /// A resource's feed; without it, the caller's own bookings.
    pub(crate) resource_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FeedView {
    pub(crate) id: Uuid,
    /// "resource" or "user".
    pub(crate) scope: &'static str,
    pub(crate) resource_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
    /// Only in the answer that creates the feed: it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) url: Option<String>,
}

impl From<Feed> for FeedView {
    fn from(f: Feed) -> Self {
        FeedView {
            id: f.id,
            scope: f.scope().as_str(),
            resource_id: f.resource_id,
            created_at: f.created_at,
            revoked_at: f.revoked_at,
            url: None,
        }
    }
}

impl From<NewFeed> for FeedView {
    fn from(f: NewFeed) -> Self {
        FeedView {
            url: Some(f.url),
            ..f.feed.into()
        }
    }
}

/// Creates a secret iCalendar subscription URL: a resource's bookings, or the caller's own.
/// The URL is shown only in this answer.
#[utoipa::path(post, path = "/calendar-feeds", tag = "calendar", security(("bearer" = [])), request_body = CreateFeedRequest,
    responses((status = 201, body = FeedView), (status = 400), (status = 404)))]
async fn create_feed(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CreateFeedRequest>,
) -> Result<Created<FeedView>> {
    Ok(Created(
        state
            .services
            .calendar
            .create(caller, req.resource_id)
            .await?
            .into(),
    ))
}

/// The caller's feeds (without their URLs).
#[utoipa::path(get, path = "/calendar-feeds", tag = "calendar", security(("bearer" = [])),
    responses((status = 200, body = Vec<FeedView>)))]
async fn list_feeds(State(state): State<AppState>, caller: Caller) -> Result<Data<Vec<FeedView>>> {
    Ok(Data(
        state
            .services
            .calendar
            .list(caller)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Revokes a feed: its URL answers 404 from now on.
#[utoipa::path(delete, path = "/calendar-feeds/{id}", params(("id" = Uuid, Path)), tag = "calendar", security(("bearer" = [])),
    responses((status = 200, body = FeedView), (status = 403), (status = 404)))]
async fn revoke_feed(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<FeedView>> {
    Ok(Data(
        state.services.calendar.revoke(caller, id).await?.into(),
    ))
}

/// The iCalendar (RFC 5545) document behind a feed URL. No login: the token is the secret.
#[utoipa::path(get, path = "/calendar/{token}", tag = "calendar",
    params(("token" = String, Path, description = "the feed's secret token, optionally ending in .ics")),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404)))]
async fn feed(State(state): State<AppState>, ApiPath(token): ApiPath<String>) -> Result<Response> {
    let body = state.services.calendar.render(&token).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::booking::domain::ical::CONTENT_TYPE),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok(response)
}
