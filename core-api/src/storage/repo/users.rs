//! Accounts and refresh tokens.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait, sea_query::Expr,
};
use uuid::Uuid;

use super::sql;
use crate::storage::entity::{refresh_tokens, users};

pub use users::Model as UserRow;

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

pub struct NewRefreshToken {
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: Vec<u8>,
    pub expires_at: DateTime<Utc>,
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
    ) -> Result<UserRow, DbErr> {
        users::Entity::insert(users::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set(email.to_owned()),
            password_hash: Set(password_hash.to_owned()),
            name: Set(name.to_owned()),
            role: Set(role.to_owned()),
            created_at: Set(Utc::now()),
        })
        .exec_with_returning(&self.db)
        .await
    }

    /// Creates an ADMIN account only while there is none. Concurrent calls are serialised by
    /// a transaction-scoped advisory lock, so at most one of them creates it.
    pub async fn insert_first_admin(
        &self,
        email: &str,
        password_hash: &str,
        name: &str,
    ) -> Result<FirstAdmin, DbErr> {
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
        })
        .exec_with_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(FirstAdmin::Created(user))
    }

    pub async fn by_email(&self, email: &str) -> Result<Option<UserRow>, DbErr> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&self.db)
            .await
    }

    pub async fn by_id(&self, id: Uuid) -> Result<Option<UserRow>, DbErr> {
        users::Entity::find_by_id(id).one(&self.db).await
    }

    pub async fn insert_refresh_token(&self, token: NewRefreshToken) -> Result<(), DbErr> {
        refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(token.user_id),
            family_id: Set(token.family_id),
            token_hash: Set(token.token_hash),
            expires_at: Set(token.expires_at),
            used_at: Set(None),
            revoked_at: Set(None),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(&self.db)
        .await
        .map(|_| ())
    }

    pub async fn refresh_token_by_hash(
        &self,
        hash: &[u8],
    ) -> Result<Option<refresh_tokens::Model>, DbErr> {
        refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(hash.to_vec()))
            .one(&self.db)
            .await
    }

    /// Marks a token used, exactly once: false if another request used (or revoked) it first.
    pub async fn use_refresh_token(&self, id: Uuid) -> Result<bool, DbErr> {
        let result = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::UsedAt, Expr::value(Utc::now()))
            .filter(refresh_tokens::Column::Id.eq(id))
            .filter(refresh_tokens::Column::UsedAt.is_null())
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    pub async fn revoke_family(&self, family_id: Uuid) -> Result<(), DbErr> {
        refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map(|_| ())
    }
}
