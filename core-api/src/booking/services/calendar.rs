//! iCalendar subscription feeds: per resource or per user, at a secret URL that can be
//! revoked. Calendar apps poll the URL; it needs no login, so the token is the secret and
//! only its SHA-256 is stored.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::booking::services::resources::entry;
use crate::{
    booking::{
        domain::ical::{Calendar, Event, EventStatus},
        storage::{
            bookings::BookingRepo,
            calendar::{CalendarRepo, FeedRow},
            resources::ResourceRepo,
        },
    },
    error::{Error, Result},
    shared::{services::auth::Caller, storage::audit},
};

/// How far back a feed reaches: ended bookings and cancellations older than this drop out.
const FEED_HISTORY_DAYS: i64 = 30;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateFeedRequest {
    /// A resource's feed; without it, the caller's own bookings.
    pub resource_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedView {
    pub id: Uuid,
    /// "resource" or "user".
    pub scope: &'static str,
    pub resource_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Only in the answer that creates the feed: it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<FeedRow> for FeedView {
    fn from(f: FeedRow) -> Self {
        FeedView {
            id: f.id,
            scope: if f.resource_id.is_some() {
                "resource"
            } else {
                "user"
            },
            resource_id: f.resource_id,
            created_at: f.created_at,
            revoked_at: f.revoked_at,
            url: None,
        }
    }
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[derive(Clone)]
pub struct CalendarService {
    db: DatabaseConnection,
    repo: CalendarRepo,
    bookings: BookingRepo,
    resources: ResourceRepo,
    public_url: String,
}

impl CalendarService {
    pub fn new(db: DatabaseConnection, public_url: String) -> Self {
        CalendarService {
            repo: CalendarRepo::new(db.clone()),
            bookings: BookingRepo::new(db.clone()),
            resources: ResourceRepo::new(db.clone()),
            db,
            public_url,
        }
    }

    pub async fn create(&self, caller: Caller, req: CreateFeedRequest) -> Result<FeedView> {
        if let Some(id) = req.resource_id {
            self.resources
                .get(id)
                .await?
                .ok_or(Error::NotFound("resource"))?;
        }
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let txn = self.db.begin().await?;
        let row = self
            .repo
            .insert_feed(&txn, caller.user_id, req.resource_id, digest(&token))
            .await?;
        let view = FeedView::from(row);
        audit::record(
            &txn,
            entry(caller, "feed.create", view.id, None, Some(&view)),
        )
        .await?;
        txn.commit().await?;
        Ok(FeedView {
            url: Some(format!("{}/api/v1/calendar/{token}.ics", self.public_url)),
            ..view
        })
    }

    pub async fn list(&self, caller: Caller) -> Result<Vec<FeedView>> {
        Ok(self
            .repo
            .feeds_of(caller.user_id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Revokes a feed: its URL answers 404 from now on. Revoking twice is a no-op.
    pub async fn revoke(&self, caller: Caller, id: Uuid) -> Result<FeedView> {
        let feed = self
            .repo
            .feed(id)
            .await?
            .ok_or(Error::NotFound("calendar feed"))?;
        if feed.user_id != caller.user_id && !caller.is_admin() {
            return Err(Error::Forbidden(
                "this calendar feed belongs to someone else",
            ));
        }
        let txn = self.db.begin().await?;
        let row = self
            .repo
            .revoke_feed(&txn, id)
            .await?
            .ok_or(Error::NotFound("calendar feed"))?;
        let (before, after) = (FeedView::from(feed), FeedView::from(row.clone()));
        audit::record(
            &txn,
            entry(caller, "feed.revoke", id, Some(&before), Some(&after)),
        )
        .await?;
        txn.commit().await?;
        Ok(row.into())
    }

    /// The iCalendar document a token opens; 404 for unknown or revoked tokens.
    pub async fn render(&self, token: &str) -> Result<String> {
        let token = token.strip_suffix(".ics").unwrap_or(token);
        let feed = self
            .repo
            .feed_by_token(digest(token))
            .await?
            .ok_or(Error::NotFound("calendar feed"))?;
        let since = Utc::now() - Duration::days(FEED_HISTORY_DAYS);
        let (name, rows) = match feed.resource_id {
            Some(resource_id) => {
                let resource = self
                    .resources
                    .get(resource_id)
                    .await?
                    .ok_or(Error::NotFound("calendar feed"))?;
                (
                    format!("{} bookings", resource.name),
                    self.bookings
                        .for_feed(Some(resource_id), None, since)
                        .await?,
                )
            }
            None => (
                "My server bookings".to_owned(),
                self.bookings
                    .for_feed(None, Some(feed.user_id), since)
                    .await?,
            ),
        };
        let per_resource = feed.resource_id.is_some();
        let events = rows
            .into_iter()
            .map(|b| Event {
                uid: format!("{}@holdfast", b.id),
                sequence: b.sequence,
                start: b.start_at,
                end: b.end_at,
                summary: if per_resource {
                    format!("{} ({})", b.title, b.user_name)
                } else {
                    format!("{}: {}", b.resource_name, b.title)
                },
                description: (!b.description.is_empty()).then_some(b.description),
                location: Some(b.resource_name),
                organizer_name: Some(b.user_name),
                status: if b.status == "active" {
                    EventStatus::Confirmed
                } else {
                    EventStatus::Cancelled
                },
                created: b.created_at,
                last_modified: b.updated_at,
            })
            .collect();
        Ok(Calendar {
            name,
            description: None,
            events,
        }
        .render(Utc::now()))
    }
}
