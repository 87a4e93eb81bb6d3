//! Accounts: sign-up, the first admin, what each request is checked against, and admins'
//! changes. Refresh tokens are in `refresh`.

use crate::storage::StoreResult;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::shared::storage::entity::users;
use crate::{shared::storage::audit, storage::sql};

mod refresh;

pub(crate) use refresh::NewRefreshToken;
pub(crate) use users::Model as UserRow;

#[derive(Clone)]
pub struct UserRepo {
    db: DatabaseConnection,
}

/// What `insert_first_admin` did.
#[derive(Debug)]
pub enum FirstAdmin {
    Created(UserRow),
    /// Some account is an ADMIN already: nothing was written.
    AdminExists,
    /// An account has that e-mail already: nothing was written (it is not promoted).
    EmailTaken,
}

/// What every authenticated request is checked against.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub(crate) struct AccountState {
    pub(crate) active: bool,
    pub(crate) role: String,
    pub(crate) auth_version: i64,
}

/// An admin's change to an account; `None` leaves that part as it is.
#[derive(Clone, Debug, Default)]
pub(crate) struct AccountChange {
    pub(crate) role: Option<String>,
    pub(crate) active: Option<bool>,
}

/// One page of accounts, newest first.
pub(crate) struct AccountPage {
    pub(crate) items: Vec<UserRow>,
    pub(crate) total: u64,
}

impl UserRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        UserRepo { db }
    }

    pub async fn insert(
        &self,
        email: &str,
        password_hash: &str,
        name: &str,
        role: &str,
    ) -> StoreResult<UserRow> {
        users::Entity::insert(users::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.to_owned()),
            password_hash: Set(password_hash.to_owned()),
            name: Set(name.to_owned()),
            role: Set(role.to_owned()),
            created_at: Set(Utc::now()),
            // active and auth_version take their column defaults (true, 0).
            ..Default::default()
        })
        .exec_with_returning(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Creates an ADMIN account only while there is none. Concurrent calls are serialised by
    /// a transaction-scoped advisory lock, so at most one of them creates it.
    pub async fn insert_first_admin(
        &self,
        email: &str,
        password_hash: &str,
        name: &str,
    ) -> StoreResult<FirstAdmin> {
        let txn = self.db.begin().await?;
        txn.execute_raw(sql(
            "SELECT pg_advisory_xact_lock(hashtextextended('holdfast:first-admin', 0))",
            [],
        ))
        .await?;
        let admins = users::Entity::find()
            .filter(users::Column::Role.eq("ADMIN"))
            .count(&txn)
            .await?;
        if admins > 0 {
            return Ok(FirstAdmin::AdminExists);
        }
        let taken = users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .count(&txn)
            .await?;
        if taken > 0 {
            return Ok(FirstAdmin::EmailTaken);
        }
        let user = users::Entity::insert(users::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.to_owned()),
            password_hash: Set(password_hash.to_owned()),
            name: Set(name.to_owned()),
            role: Set("ADMIN".to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(FirstAdmin::Created(user))
    }

    pub async fn by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.db)
            .await
            .map_err(Into::into)
    }

    pub(crate) async fn by_id(&self, id: Uuid) -> StoreResult<Option<UserRow>> {
        users::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(Into::into)
    }

    pub(crate) async fn account_state(&self, id: Uuid) -> StoreResult<Option<AccountState>> {
        users::Entity::find_by_id(id)
            .select_only()
            .columns([
                users::Column::Active,
                users::Column::Role,
                users::Column::AuthVersion,
            ])
            .into_model::<AccountState>()
            .one(&self.db)
            .await
            .map_err(Into::into)
    }

    /// Sign out everywhere: a new auth version (old access tokens stop working) and every
    /// refresh token revoked, in one transaction. The new version, or None for no such user.
    pub(crate) async fn end_all_sessions(&self, user_id: Uuid) -> StoreResult<Option<i64>> {
        let txn = self.db.begin().await?;
        let version = bump_version(&txn, user_id).await?;
        if version.is_some() {
            revoke_all(&txn, user_id).await?;
        }
        txn.commit().await?;
        Ok(version)
    }

    /// Accounts whose e-mail or name contains `query` (case-insensitive), newest first.
    pub(crate) async fn search(
        &self,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> StoreResult<AccountPage> {
        let pattern = query.map(|q| format!("%{}%", like_escape(q)));
        let filter = "($1::text IS NULL OR email ILIKE $1 OR name ILIKE $1)";
        let items = UserRow::find_by_statement(sql(
            &format!(
                "SELECT * FROM users WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
            ),
            [
                pattern.clone().into(),
                (limit as i64).into(),
                (offset as i64).into(),
            ],
        ))
        .all(&self.db)
        .await?;
        let total = self
            .db
            .query_one_raw(sql(
                &format!("SELECT count(*) AS n FROM users WHERE {filter}"),
                [pattern.into()],
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        Ok(AccountPage {
            items,
            total: total.max(0) as u64,
        })
    }

    /// Applies an admin's change, audited in the same transaction. Deactivating or
    /// reactivating bumps the auth version (tokens issued before never work again, not even
    /// after reactivation) and deactivation revokes every refresh token. A role change alone
    /// keeps the tokens: requests are checked against the current role anyway. Returns the
    /// account after the change and whether anything changed, or None for an unknown id.
    pub(crate) async fn change_account(
        &self,
        actor_id: Uuid,
        id: Uuid,
        change: &AccountChange,
    ) -> StoreResult<Option<(UserRow, bool)>> {
        let txn = self.db.begin().await?;
        let Some(before) = UserRow::find_by_statement(sql(
            "SELECT * FROM users WHERE id = $1 FOR UPDATE",
            [id.into()],
        ))
        .one(&txn)
        .await?
        else {
            return Ok(None);
        };
        let role = change.role.clone().unwrap_or_else(|| before.role.clone());
        let active = change.active.unwrap_or(before.active);
        if role == before.role && active == before.active {
            return Ok(Some((before, false)));
        }
        let after = UserRow::find_by_statement(sql(
            "UPDATE users SET role = $2, active = $3, \
             auth_version = auth_version + CASE WHEN active = $3 THEN 0 ELSE 1 END \
             WHERE id = $1 RETURNING *",
            [id.into(), role.into(), active.into()],
        ))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("users".to_owned()))?;
        if !after.active {
            revoke_all(&txn, id).await?;
        }
        audit::record(
            &txn,
            audit::Entry {
                actor_id,
                action: "user.update",
                entity_type: "user",
                entity_id: id,
                before: Some(json!({ "role": before.role, "active": before.active })),
                after: Some(json!({ "role": after.role, "active": after.active })),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(Some((after, true)))
    }
}

async fn bump_version(c: &impl ConnectionTrait, user_id: Uuid) -> StoreResult<Option<i64>> {
    c.query_one_raw(sql(
        "UPDATE users SET auth_version = auth_version + 1 WHERE id = $1 RETURNING auth_version",
        [user_id.into()],
    ))
    .await?
    .map(|row| row.try_get::<i64>("", "auth_version"))
    .transpose()
    .map_err(Into::into)
}

async fn revoke_all(c: &impl ConnectionTrait, user_id: Uuid) -> StoreResult<()> {
    c.execute_raw(sql(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL",
        [user_id.into()],
    ))
    .await
    .map(|_| ())
    .map_err(Into::into)
}

/// `query` taken literally inside a LIKE pattern.
pub(crate) fn like_escape(query: &str) -> String {
    query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
