//! Shared servers (resources) and their booking policy: reads on the repo, writes and
//! locks as operations of a [`BookingTx`].

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};
use uuid::Uuid;

use super::{teams::visible_to, tx::BookingTx};
use crate::{
    booking::domain::resource::{Resource, ResourceFields},
    storage::{StoreResult, sql},
};

#[derive(FromQueryResult)]
struct ResourceRow {
    id: Uuid,
    team_id: Uuid,
    name: String,
    description: String,
    capacity: Option<i32>,
    is_active: bool,
    max_duration_minutes: Option<i32>,
    max_advance_days: Option<i32>,
    min_notice_minutes: Option<i32>,
    allowed_start_minute: Option<i32>,
    allowed_end_minute: Option<i32>,
    policy_time_zone: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ResourceRow> for Resource {
    fn from(r: ResourceRow) -> Self {
        Resource {
            id: r.id,
            team_id: r.team_id,
            name: r.name,
            description: r.description,
            capacity: r.capacity,
            is_active: r.is_active,
            max_duration_minutes: r.max_duration_minutes,
            max_advance_days: r.max_advance_days,
            min_notice_minutes: r.min_notice_minutes,
            allowed_start_minute: r.allowed_start_minute,
            allowed_end_minute: r.allowed_end_minute,
            policy_time_zone: r.policy_time_zone,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, team_id, name, description, capacity, is_active, max_duration_minutes, max_advance_days, \
     min_notice_minutes, allowed_start_minute, allowed_end_minute, policy_time_zone, created_at, updated_at";

fn values(f: &ResourceFields) -> [sea_orm::Value; 10] {
    [
        f.name.clone().into(),
        f.description.clone().into(),
        f.capacity.into(),
        f.is_active.into(),
        f.max_duration_minutes.into(),
        f.max_advance_days.into(),
        f.min_notice_minutes.into(),
        f.allowed_start_minute.into(),
        f.allowed_end_minute.into(),
        f.policy_time_zone.clone().into(),
    ]
}

#[derive(Clone, Copy, Debug)]
enum Lock {
    None,
    /// One booking write at a time per resource (`FOR NO KEY UPDATE`). Overlapping inserts
    /// would otherwise each find the other's row under the exclusion constraint, wait for
    /// each other, and one would be aborted as a deadlock. Still blocks `Update`, so a
    /// resource is not deactivated under a booking being made.
    Book,
    Update,
}

/// The resource, locked as asked for the rest of the transaction: bookings take it
/// shared, so a policy change or a delete (exclusive) never interleaves with them.
async fn get_on(c: &impl ConnectionTrait, id: Uuid, lock: Lock) -> StoreResult<Option<Resource>> {
    let lock = match lock {
        Lock::None => "",
        Lock::Book => " FOR NO KEY UPDATE",
        Lock::Update => " FOR UPDATE",
    };
    Ok(ResourceRow::find_by_statement(sql(
        &format!("SELECT {COLUMNS} FROM resources WHERE id = $1 AND deleted_at IS NULL{lock}"),
        [id.into()],
    ))
    .one(c)
    .await?
    .map(Into::into))
}

#[derive(Clone)]
pub(crate) struct ResourceRepo {
    db: DatabaseConnection,
}

impl ResourceRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        ResourceRepo { db }
    }

    pub(crate) async fn begin(&self) -> StoreResult<BookingTx> {
        BookingTx::begin(&self.db).await
    }

    pub(crate) async fn get(&self, id: Uuid) -> StoreResult<Option<Resource>> {
        get_on(&self.db, id, Lock::None).await
    }

    /// The resource if it belongs to one of `viewer`'s teams (or `viewer` is an admin).
    pub(crate) async fn visible(&self, id: Uuid, viewer: Uuid) -> StoreResult<Option<Resource>> {
        Ok(ResourceRow::find_by_statement(sql(
            &format!(
                "SELECT {COLUMNS} FROM resources r WHERE id = $1 AND deleted_at IS NULL AND {}",
                visible_to(2)
            ),
            [id.into(), viewer.into()],
        ))
        .one(&self.db)
        .await?
        .map(Into::into))
    }

    /// The resources of `viewer`'s teams (every one, for an admin), by name.
    pub(crate) async fn list(
        &self,
        viewer: Uuid,
        include_inactive: bool,
    ) -> StoreResult<Vec<Resource>> {
        let rows = ResourceRow::find_by_statement(sql(
            &format!(
                "SELECT {COLUMNS} FROM resources r WHERE deleted_at IS NULL AND {} \
                 AND (is_active OR ($1 AND (r.team_id IN \
                     (SELECT team_id FROM team_members WHERE user_id = $2 AND role = 'owner') \
                     OR EXISTS (SELECT 1 FROM users WHERE id = $2 AND role = 'ADMIN')))) \
                 ORDER BY lower(name), id",
                visible_to(2)
            ),
            [include_inactive.into(), viewer.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

impl BookingTx {
    /// The resource a booking goes on, locked against other booking writes on it (and
    /// against deactivation) for the rest of the transaction.
    pub(crate) async fn lock_resource_for_booking(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<Resource>> {
        get_on(&self.txn, id, Lock::Book).await
    }

    /// The resource, locked against bookings for the rest of the transaction.
    pub(crate) async fn lock_resource(&self, id: Uuid) -> StoreResult<Option<Resource>> {
        get_on(&self.txn, id, Lock::Update).await
    }

    pub(crate) async fn insert_resource(
        &self,
        (id, team_id): (Uuid, Uuid),
        f: &ResourceFields,
    ) -> StoreResult<Resource> {
        let mut values = vec![id.into()];
        values.extend(self::values(f));
        values.push(team_id.into());
        ResourceRow::find_by_statement(sql(
            &format!(
                "INSERT INTO resources (id, name, description, capacity, is_active, max_duration_minutes, \
                 max_advance_days, min_notice_minutes, allowed_start_minute, allowed_end_minute, policy_time_zone, team_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {COLUMNS}"
            ),
            values,
        ))
        .one(&self.txn)
        .await?
        .map(Into::into)
        .ok_or_else(|| DbErr::RecordNotInserted.into())
    }

    pub(crate) async fn update_resource(
        &self,
        (id, team_id): (Uuid, Uuid),
        f: &ResourceFields,
    ) -> StoreResult<Option<Resource>> {
        let mut values = vec![id.into()];
        values.extend(self::values(f));
        values.push(team_id.into());
        Ok(ResourceRow::find_by_statement(sql(
            &format!(
                "UPDATE resources SET name = $2, description = $3, capacity = $4, is_active = $5, \
                 max_duration_minutes = $6, max_advance_days = $7, min_notice_minutes = $8, \
                 allowed_start_minute = $9, allowed_end_minute = $10, policy_time_zone = $11, team_id = $12, updated_at = now() \
                 WHERE id = $1 AND deleted_at IS NULL RETURNING {COLUMNS}"
            ),
            values,
        ))
        .one(&self.txn)
        .await?
        .map(Into::into))
    }

    /// Soft delete: bookings keep pointing at the row; it disappears from every list.
    pub(crate) async fn delete_resource(&self, id: Uuid) -> StoreResult<bool> {
        let done = self
            .txn
            .execute_raw(sql(
                "UPDATE resources SET deleted_at = now(), is_active = false, updated_at = now() \
                 WHERE id = $1 AND deleted_at IS NULL",
                [id.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
