//! Refresh tokens: issued per sign-in, used once each, revoked by family.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use super::UserRepo;
use crate::{shared::storage::entity::refresh_tokens, storage::StoreResult};

pub(crate) struct NewRefreshToken {
    pub(crate) user_id: Uuid,
    pub(crate) family_id: Uuid,
    pub(crate) token_hash: Vec<u8>,
    pub(crate) expires_at: DateTime<Utc>,
    /// The account's auth version the token is issued under.
    pub(crate) auth_version: i64,
}

impl UserRepo {
    pub(crate) async fn insert_refresh_token(&self, token: NewRefreshToken) -> StoreResult<()> {
        refresh_tokens::Entity::insert(refresh_tokens::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(token.user_id),
            family_id: Set(token.family_id),
            token_hash: Set(token.token_hash),
            expires_at: Set(token.expires_at),
            used_at: Set(None),
            revoked_at: Set(None),
            created_at: Set(Utc::now()),
            auth_version: Set(token.auth_version),
        })
        .exec_without_returning(&self.db)
        .await
        .map(|_| ())
        .map_err(Into::into)
    }

    pub(crate) async fn refresh_token_by_hash(
        &self,
        hash: &[u8],
    ) -> StoreResult<Option<refresh_tokens::Model>> {
        refresh_tokens::Entity::find()
            .filter(refresh_tokens::Column::TokenHash.eq(hash.to_vec()))
            .one(&self.db)
            .await
            .map_err(Into::into)
    }

    /// Marks a token used, exactly once: false if another request used (or revoked) it first.
    pub(crate) async fn use_refresh_token(&self, id: Uuid) -> StoreResult<bool> {
        let result = refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::UsedAt, Expr::value(Utc::now()))
            .filter(refresh_tokens::Column::Id.eq(id))
            .filter(refresh_tokens::Column::UsedAt.is_null())
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    pub(crate) async fn revoke_family(&self, family_id: Uuid) -> StoreResult<()> {
        refresh_tokens::Entity::update_many()
            .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(refresh_tokens::Column::FamilyId.eq(family_id))
            .filter(refresh_tokens::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await
            .map(|_| ())
            .map_err(Into::into)
    }
}
