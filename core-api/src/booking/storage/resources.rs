//! Shared servers (resources) and their booking policy.

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};
use uuid::Uuid;

use crate::storage::sql;

#[derive(Clone, Debug, FromQueryResult, serde::Serialize)]
pub struct ResourceRow {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub capacity: Option<i32>,
    pub is_active: bool,
    pub max_duration_minutes: Option<i32>,
    pub max_advance_days: Option<i32>,
    pub min_notice_minutes: Option<i32>,
    pub allowed_start_minute: Option<i32>,
    pub allowed_end_minute: Option<i32>,
    pub policy_time_zone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an admin sets on a resource (create and full update).
#[derive(Clone, Debug)]
pub struct ResourceFields {
    pub name: String,
    pub description: String,
    pub capacity: Option<i32>,
    pub is_active: bool,
    pub max_duration_minutes: Option<i32>,
    pub max_advance_days: Option<i32>,
    pub min_notice_minutes: Option<i32>,
    pub allowed_start_minute: Option<i32>,
    pub allowed_end_minute: Option<i32>,
    pub policy_time_zone: String,
}

const COLUMNS: &str = "id, name, description, capacity, is_active, max_duration_minutes, max_advance_days, \
     min_notice_minutes, allowed_start_minute, allowed_end_minute, policy_time_zone, created_at, updated_at";

impl ResourceFields {
    fn values(&self) -> [sea_orm::Value; 10] {
        [
            self.name.clone().into(),
            self.description.clone().into(),
            self.capacity.into(),
            self.is_active.into(),
            self.max_duration_minutes.into(),
            self.max_advance_days.into(),
            self.min_notice_minutes.into(),
            self.allowed_start_minute.into(),
            self.allowed_end_minute.into(),
            self.policy_time_zone.clone().into(),
        ]
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Lock {
    None,
    /// One booking write at a time per resource (`FOR NO KEY UPDATE`). Overlapping inserts
    /// would otherwise each find the other's row under the exclusion constraint, wait for
    /// each other, and one would be aborted as a deadlock. Still blocks `Update`, so a
    /// resource is not deactivated under a booking being made.
    Book,
    Update,
}

#[derive(Clone)]
pub struct ResourceRepo {
    db: DatabaseConnection,
}

impl ResourceRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        ResourceRepo { db }
    }

    pub async fn insert(
        &self,
        c: &impl ConnectionTrait,
        id: Uuid,
        f: &ResourceFields,
    ) -> StoreResult<ResourceRow> {
        let mut values = vec![id.into()];
        values.extend(f.values());
        ResourceRow::find_by_statement(sql(
            &format!(
                "INSERT INTO resources (id, name, description, capacity, is_active, max_duration_minutes, \
                 max_advance_days, min_notice_minutes, allowed_start_minute, allowed_end_minute, policy_time_zone) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
            ),
            values,
        ))
        .one(c)
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted.into())
    }

    pub async fn update(
        &self,
        c: &impl ConnectionTrait,
        id: Uuid,
        f: &ResourceFields,
    ) -> StoreResult<Option<ResourceRow>> {
        let mut values = vec![id.into()];
        values.extend(f.values());
        ResourceRow::find_by_statement(sql(
            &format!(
                "UPDATE resources SET name = $2, description = $3, capacity = $4, is_active = $5, \
                 max_duration_minutes = $6, max_advance_days = $7, min_notice_minutes = $8, \
                 allowed_start_minute = $9, allowed_end_minute = $10, policy_time_zone = $11, updated_at = now() \
                 WHERE id = $1 AND deleted_at IS NULL RETURNING {COLUMNS}"
            ),
            values,
        ))
        .one(c)
        .await.map_err(Into::into)
    }

    /// Soft delete: bookings keep pointing at the row; it disappears from every list.
    pub async fn delete(&self, c: &impl ConnectionTrait, id: Uuid) -> StoreResult<bool> {
        let done = c
            .execute_raw(sql(
                "UPDATE resources SET deleted_at = now(), is_active = false, updated_at = now() \
                 WHERE id = $1 AND deleted_at IS NULL",
                [id.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn get(&self, id: Uuid) -> StoreResult<Option<ResourceRow>> {
        self.get_on(&self.db, id, Lock::None).await
    }

    /// The resource, locked as asked for the rest of the transaction: bookings take it
    /// shared, so a policy change or a delete (exclusive) never interleaves with them.
    pub async fn get_on(
        &self,
        c: &impl ConnectionTrait,
        id: Uuid,
        lock: Lock,
    ) -> StoreResult<Option<ResourceRow>> {
        let lock = match lock {
            Lock::None => "",
            Lock::Book => " FOR NO KEY UPDATE",
            Lock::Update => " FOR UPDATE",
        };
        ResourceRow::find_by_statement(sql(
            &format!("SELECT {COLUMNS} FROM resources WHERE id = $1 AND deleted_at IS NULL{lock}"),
            [id.into()],
        ))
        .one(c)
        .await
        .map_err(Into::into)
    }

    pub async fn list(&self, include_inactive: bool) -> StoreResult<Vec<ResourceRow>> {
        ResourceRow::find_by_statement(sql(
            &format!(
                "SELECT {COLUMNS} FROM resources WHERE deleted_at IS NULL AND (is_active OR $1) ORDER BY lower(name)"
            ),
            [include_inactive.into()],
        ))
        .all(&self.db)
        .await.map_err(Into::into)
    }
}
