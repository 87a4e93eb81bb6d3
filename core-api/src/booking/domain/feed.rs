//! A calendar feed: a secret subscription URL to a resource's bookings or a user's own.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Whose bookings a feed shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedScope {
    Resource,
    User,
}

impl FeedScope {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedScope::Resource => "resource",
            FeedScope::User => "user",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Feed {
    pub id: Uuid,
    pub user_id: Uuid,
    pub resource_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Feed {
    pub fn scope(&self) -> FeedScope {
        if self.resource_id.is_some() {
            FeedScope::Resource
        } else {
            FeedScope::User
        }
    }
}
