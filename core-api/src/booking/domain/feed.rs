//! A calendar feed: a secret subscription URL to a resource's bookings or a user's own.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Whose bookings a feed shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FeedScope {
    Resource,
    User,
}

impl FeedScope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FeedScope::Resource => "resource",
            FeedScope::User => "user",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Feed {
    pub(crate) id: Uuid,
    pub(crate) user_id: Uuid,
    pub(crate) resource_id: Option<Uuid>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) revoked_at: Option<DateTime<Utc>>,
}

impl Feed {
    pub(crate) fn scope(&self) -> FeedScope {
        if self.resource_id.is_some() {
            FeedScope::Resource
        } else {
            FeedScope::User
        }
    }
}
