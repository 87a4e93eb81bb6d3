//! `/teams/{id}/webhooks`: Slack-compatible incoming webhooks a team's owners add; each
//! booking event of the team's servers is POSTed to them as `{"text": ...}`.

use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    booking::domain::team::Need,
    error::{Error, Result},
    http::extract::{ApiJson, ApiPath, Created, Data},
    shared::{services::auth::Caller, storage::notifications::Webhook},
    startup::AppState,
};

/// The events a team webhook may ask for.
const EVENTS: [&str; 4] = [
    "bookingCreated",
    "bookingChanged",
    "bookingCancelled",
    "bookingReminder",
];

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, add_webhook))
        .routes(routes!(remove_webhook))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookView {
    id: Uuid,
    team_id: Uuid,
    url: String,
    /// The events it is sent; null: every booking event.
    events: Option<Vec<String>>,
    created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        WebhookView {
            id: w.id,
            team_id: w.team_id,
            url: w.url,
            events: w.events,
            created_at: w.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WebhookRequest {
    /// An http(s) URL that takes `{"text": ...}` (Slack, Mattermost, Discord's /slack, ...).
    url: String,
    /// Some of bookingCreated, bookingChanged, bookingCancelled, bookingReminder; absent: all.
    events: Option<Vec<String>>,
}

impl WebhookRequest {
    fn check(self) -> Result<(String, Option<Vec<String>>)> {
        let url = self.url.trim().to_owned();
        let parsed = reqwest::Url::parse(&url)
            .map_err(|_| Error::validation("url", "must be an http:// or https:// URL"))?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.host_str().is_none()
            || url.len() > 2000
        {
            return Err(Error::validation(
                "url",
                "must be an http:// or https:// URL",
            ));
        }
        if let Some(events) = &self.events
            && (events.is_empty() || events.iter().any(|e| !EVENTS.contains(&e.as_str())))
        {
            return Err(Error::validation(
                "events",
                format!("must be some of {}", EVENTS.join(", ")),
            ));
        }
        Ok((url, self.events))
    }
}

/// The team's webhooks (owners).
#[utoipa::path(get, path = "/teams/{id}/webhooks", params(("id" = Uuid, Path)), tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = Vec<WebhookView>), (status = 403), (status = 404)))]
async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<Vec<WebhookView>>> {
    state
        .services
        .teams
        .require(caller, id, Need::Manage, "team")
        .await?;
    let hooks = state.services.notifier.webhooks(id).await?;
    Ok(Data(hooks.into_iter().map(Into::into).collect()))
}

/// Adds a webhook (owners).
#[utoipa::path(post, path = "/teams/{id}/webhooks", params(("id" = Uuid, Path)), tag = "teams", security(("bearer" = [])),
    request_body = WebhookRequest,
    responses((status = 201, body = WebhookView), (status = 400), (status = 403), (status = 404)))]
async fn add_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<WebhookRequest>,
) -> Result<Created<WebhookView>> {
    state
        .services
        .teams
        .require(caller, id, Need::Manage, "team")
        .await?;
    let (url, events) = req.check()?;
    Ok(Created(
        state
            .services
            .notifier
            .add_webhook(id, &url, events)
            .await?
            .into(),
    ))
}

/// Removes a webhook (owners).
#[utoipa::path(delete, path = "/teams/{id}/webhooks/{webhookId}", params(("id" = Uuid, Path), ("webhookId" = Uuid, Path)),
    tag = "teams", security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404)))]
async fn remove_webhook(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, webhook_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<axum::http::StatusCode> {
    state
        .services
        .teams
        .require(caller, id, Need::Manage, "team")
        .await?;
    if !state
        .services
        .notifier
        .remove_webhook(id, webhook_id)
        .await?
    {
        return Err(Error::NotFound("webhook"));
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}
