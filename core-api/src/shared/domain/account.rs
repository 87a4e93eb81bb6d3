//! An account as admins see it, and one page of a search.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Role;

#[derive(Clone, Debug)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// Accounts matching a search, `limit` from `offset`, with the number matching in all.
#[derive(Clone, Debug)]
pub struct AccountPage {
    pub items: Vec<Account>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}
