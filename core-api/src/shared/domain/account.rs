//! An account as admins see it, and one page of a search.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Role;

#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) active: bool,
    pub(crate) created_at: DateTime<Utc>,
}

/// Accounts matching a search, `limit` from `offset`, with the number matching in all.
#[derive(Clone, Debug)]
pub(crate) struct AccountPage {
    pub(crate) items: Vec<Account>,
    pub(crate) total: u64,
    pub(crate) limit: u64,
    pub(crate) offset: u64,
}
