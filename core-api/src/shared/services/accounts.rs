//! Admin account management: finding accounts, changing roles, deactivating. Every change
//! is audited and takes effect on the account's next request, on every instance.

use serde_json::json;
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    shared::{
        domain::{Account, AccountPage, Role},
        services::{auth::Caller, sessions::Sessions},
        storage::users::{AccountChange, UserRepo, UserRow},
    },
};

impl From<UserRow> for Account {
    fn from(u: UserRow) -> Self {
        Account {
            id: u.id,
            role: Role::from_db(&u.role),
            email: u.email,
            name: u.name,
            active: u.active,
            created_at: u.created_at,
        }
    }
}

/// What an admin asks to change; `None` leaves it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Change {
    pub(crate) role: Option<Role>,
    pub(crate) active: Option<bool>,
}

#[derive(Clone)]
pub(crate) struct AccountAdmin {
    users: UserRepo,
    sessions: Sessions,
}

impl AccountAdmin {
    pub(crate) fn new(users: UserRepo, sessions: Sessions) -> Self {
        AccountAdmin { users, sessions }
    }

    /// Accounts whose e-mail or name contains `query`, newest first.
    pub(crate) async fn list(
        &self,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<AccountPage> {
        let page = self.users.search(query, limit, offset).await?;
        Ok(AccountPage {
            items: page.items.into_iter().map(Into::into).collect(),
            total: page.total,
            limit,
            offset,
        })
    }

    pub(crate) async fn change(&self, actor: Caller, id: Uuid, change: Change) -> Result<Account> {
        if id == actor.user_id && (change.active == Some(false) || change.role == Some(Role::User))
        {
            return Err(Error::rule(
                "SELF_LOCKOUT",
                "admins cannot deactivate or demote themselves; ask another admin",
                json!({}),
            ));
        }
        let stored = AccountChange {
            role: change.role.map(|r| r.as_str().to_owned()),
            active: change.active,
        };
        let (account, changed) = self
            .users
            .change_account(actor.user_id, id, &stored)
            .await?
            .ok_or(Error::NotFound("user"))?;
        if changed {
            self.sessions.changed(id).await;
        }
        Ok(account.into())
    }
}
