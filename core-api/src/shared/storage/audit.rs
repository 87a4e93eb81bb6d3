//! The audit log: who created, changed or cancelled what, written in the same transaction
//! as the change itself.

use crate::storage::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Value};
use uuid::Uuid;

use crate::storage::sql;

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct AuditRow {
    pub(crate) id: i64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor_id: Option<Uuid>,
    pub(crate) action: String,
    pub(crate) entity_type: String,
    pub(crate) entity_id: Uuid,
    pub(crate) before: Option<serde_json::Value>,
    pub(crate) after: Option<serde_json::Value>,
}

pub(crate) struct Entry<'a> {
    pub(crate) actor_id: Uuid,
    pub(crate) action: &'a str,
    pub(crate) entity_type: &'a str,
    pub(crate) entity_id: Uuid,
    pub(crate) before: Option<serde_json::Value>,
    pub(crate) after: Option<serde_json::Value>,
}

pub(crate) async fn record(c: &impl ConnectionTrait, e: Entry<'_>) -> StoreResult<()> {
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

/// Runs the statements and, when there is one, records the admin's `entry`, all in one
/// transaction. Returns the rows each statement touched.
pub(crate) async fn audited(
    db: &DatabaseConnection,
    statements: Vec<sea_orm::Statement>,
    entry: Option<Entry<'_>>,
) -> StoreResult<Vec<u64>> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let mut touched = Vec::with_capacity(statements.len());
    for statement in statements {
        touched.push(txn.execute_raw(statement).await?.rows_affected());
    }
    if let Some(entry) = entry {
        record(&txn, entry).await?;
    }
    txn.commit().await?;
    Ok(touched)
}

#[derive(Clone, Debug, Default)]
pub(crate) struct AuditFilter {
    pub(crate) entity_type: Option<String>,
    pub(crate) entity_id: Option<Uuid>,
    pub(crate) actor_id: Option<Uuid>,
    /// An exact action (`performance.cancel`), or every action under a prefix ending in `.`
    /// (`performance.`).
    pub(crate) action: Option<String>,
    /// Entries at or after this time.
    pub(crate) from: Option<DateTime<Utc>>,
    /// Entries before this time.
    pub(crate) to: Option<DateTime<Utc>>,
    /// Entries with an id below this (paging backwards).
    pub(crate) before_id: Option<i64>,
    pub(crate) limit: u64,
}

#[derive(Clone)]
pub(crate) struct AuditRepo {
    db: DatabaseConnection,
}

impl AuditRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        AuditRepo { db }
    }

    /// Newest first.
    pub(crate) async fn list(&self, f: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
        let values: Vec<Value> = vec![
            f.entity_type.clone().into(),
            f.entity_id.into(),
            f.actor_id.into(),
            f.before_id.into(),
            (f.limit as i64).into(),
            f.action.clone().into(),
            f.from.into(),
            f.to.into(),
        ];
        AuditRow::find_by_statement(sql(
            "SELECT id, at, actor_id, action, entity_type, entity_id, before, after FROM audit_log \
             WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::uuid IS NULL OR entity_id = $2) \
             AND ($3::uuid IS NULL OR actor_id = $3) AND ($4::bigint IS NULL OR id < $4) \
             AND ($6::text IS NULL OR action = $6 \
                  OR (right($6, 1) = '.' AND left(action, length($6)) = $6)) \
             AND ($7::timestamptz IS NULL OR at >= $7) AND ($8::timestamptz IS NULL OR at < $8) \
             ORDER BY id DESC LIMIT $5",
            values,
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }
}
