//! An account as admins see it, one page of a search, and what signing up and signing in
//! take and give.

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

/// What a new account is made from, as the client sent it (checked when it is created).
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: String,
    pub password: String,
    pub name: String,
}

/// An e-mail and a password to sign in with, as the client sent them.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// What a sign-in or a refresh hands out.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}
