//! iCalendar subscription feeds: per resource or per user, at a secret URL that can be
//! revoked. Calendar apps poll the URL; it needs no login, so the token is the secret and
//! only its SHA-256 is stored. A feed shows only servers of its owner's teams, as they are
//! when it is read: someone who leaves a team stops seeing its bookings (a resource feed
//! answers 404).

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use holdfast_contract::clock::Clock;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    booking::{
        domain::{
            feed::Feed,
            ical::{Calendar, Event, EventStatus},
        },
        services::audit::entry,
        storage::{bookings::BookingRepo, feeds::FeedRepo, resources::ResourceRepo},
    },
    error::{Error, Result},
    shared::services::auth::Caller,
};

/// How far back a feed reaches: ended bookings and cancellations older than this drop out.
const FEED_HISTORY_DAYS: i64 = 30;

/// A feed just made, with the URL that is shown only this once.
pub(crate) struct NewFeed {
    pub(crate) feed: Feed,
    pub(crate) url: String,
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// What the audit log keeps of a feed (the API's view of it, without a URL).
fn snapshot(f: &Feed) -> serde_json::Value {
    json!({
        "id": f.id,
        "scope": f.scope().as_str(),
        "resourceId": f.resource_id,
        "createdAt": f.created_at,
        "revokedAt": f.revoked_at,
    })
}

#[derive(Clone)]
pub(crate) struct CalendarService {
    repo: FeedRepo,
    bookings: BookingRepo,
    resources: ResourceRepo,
    public_url: String,
    clock: Arc<dyn Clock>,
}

impl CalendarService {
    pub(crate) fn new(
        (repo, bookings, resources): (FeedRepo, BookingRepo, ResourceRepo),
        public_url: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        CalendarService {
            repo,
            bookings,
            resources,
            public_url,
            clock,
        }
    }

    /// A feed of a resource's bookings, or (without one) of the caller's own.
    pub(crate) async fn create(
        &self,
        caller: Caller,
        resource_id: Option<Uuid>,
    ) -> Result<NewFeed> {
        if let Some(id) = resource_id {
            self.resources
                .visible(id, caller.user_id)
                .await?
                .ok_or(Error::NotFound("resource"))?;
        }
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let tx = self.repo.begin().await?;
        let feed = tx
            .insert_feed(caller.user_id, resource_id, digest(&token))
            .await?;
        tx.audit(entry(
            caller,
            "feed.create",
            feed.id,
            None,
            Some(&snapshot(&feed)),
        ))
        .await?;
        tx.commit().await?;
        Ok(NewFeed {
            feed,
            url: format!("{}/api/v1/calendar/{token}.ics", self.public_url),
        })
    }

    pub(crate) async fn list(&self, caller: Caller) -> Result<Vec<Feed>> {
        Ok(self.repo.feeds_of(caller.user_id).await?)
    }

    /// Revokes a feed: its URL answers 404 from now on. Revoking twice is a no-op.
    pub(crate) async fn revoke(&self, caller: Caller, id: Uuid) -> Result<Feed> {
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
        let tx = self.repo.begin().await?;
        let row = tx
            .revoke_feed(id)
            .await?
            .ok_or(Error::NotFound("calendar feed"))?;
        let (before, after) = (snapshot(&feed), snapshot(&row));
        tx.audit(entry(
            caller,
            "feed.revoke",
            id,
            Some(&before),
            Some(&after),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The iCalendar document a token opens; 404 for unknown or revoked tokens.
    pub(crate) async fn render(&self, token: &str) -> Result<String> {
        let token = token.strip_suffix(".ics").unwrap_or(token);
        let feed = self
            .repo
            .feed_by_token(digest(token))
            .await?
            .ok_or(Error::NotFound("calendar feed"))?;
        let now = self.clock.now();
        let since = now - Duration::days(FEED_HISTORY_DAYS);
        let (name, rows) = match feed.resource_id {
            Some(resource_id) => {
                let resource = self
                    .resources
                    .visible(resource_id, feed.user_id)
                    .await?
                    .ok_or(Error::NotFound("calendar feed"))?;
                (
                    format!("{} bookings", resource.name),
                    self.bookings
                        .for_feed((Some(resource_id), None), feed.user_id, since)
                        .await?,
                )
            }
            None => (
                "My server bookings".to_owned(),
                self.bookings
                    .for_feed((None, Some(feed.user_id)), feed.user_id, since)
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
                status: if b.is_active() {
                    EventStatus::Confirmed
                } else {
                    EventStatus::Cancelled
                },
                summary: if per_resource {
                    format!("{} ({})", b.title, b.user_name)
                } else {
                    format!("{}: {}", b.resource_name, b.title)
                },
                description: (!b.description.is_empty()).then_some(b.description),
                location: Some(b.resource_name),
                organizer_name: Some(b.user_name),
                created: b.created_at,
                last_modified: b.updated_at,
            })
            .collect();
        Ok(Calendar {
            name,
            description: None,
            events,
        }
        .render(now))
    }
}
