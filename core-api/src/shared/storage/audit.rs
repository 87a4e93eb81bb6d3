//! The audit log: who created, changed or cancelled what, written in the same transaction
//! as the change itself.

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Value};
use uuid::Uuid;

use crate::storage::sql;

#[derive(Clone, Debug, FromQueryResult)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub struct Entry<'a> {
    pub actor_id: Uuid,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn record(c: &impl ConnectionTrait, e: Entry<'_>) -> StoreResult<()> {
    c.execute_raw(sql(
        "INSERT INTO audit_log (actor_id, action, entity_type, entity_id, before, after) VALUES ($1, $2, $3, $4, $5, $6)",
        [
            e.actor_id.into(),
            e.action.into(),
            e.entity_type.into(),
            e.entity_id.into(),
            e.before.into(),
            e.after.into(),
        ],
    ))
    .await
    .map(|_| ()).map_err(Into::into)
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// Entries with an id below this (paging backwards).
    pub before_id: Option<i64>,
    pub limit: u64,
}

#[derive(Clone)]
pub struct AuditRepo {
    db: DatabaseConnection,
}

impl AuditRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        AuditRepo { db }
    }

    /// Newest first.
    pub async fn list(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
        let values: Vec<Value> = vec![
            f.entity_type.clone().into(),
            f.entity_id.into(),
            f.actor_id.into(),
            f.before_id.into(),
            (f.limit as i64).into(),
        ];
        AuditRow::find_by_statement(sql(
            "SELECT id, at, actor_id, action, entity_type, entity_id, before, after FROM audit_log \
             WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::uuid IS NULL OR entity_id = $2) \
             AND ($3::uuid IS NULL OR actor_id = $3) AND ($4::bigint IS NULL OR id < $4) \
             ORDER BY id DESC LIMIT $5",
            values,
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }
}
