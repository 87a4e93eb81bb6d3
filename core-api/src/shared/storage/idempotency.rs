//! Stored answers to writes sent with an `Idempotency-Key`.

use crate::storage::StoreResult;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, FromQueryResult};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::storage::sql;

/// What the key already stands for.
pub(crate) enum KeyState {
    /// The key is ours now: run the request, then `finish` or `abandon`.
    Started,
    /// Another request with this key is running (or crashed less than a minute ago).
    InProgress { request_hash: Vec<u8> },
    /// The first request finished; replay its answer.
    Done {
        request_hash: Vec<u8>,
        status: u16,
        body: Value,
    },
}

#[derive(FromQueryResult)]
struct Row {
    request_hash: Vec<u8>,
    response_status: Option<i32>,
    response_body: Option<Value>,
}

#[derive(Clone)]
pub(crate) struct IdempotencyRepo {
    db: DatabaseConnection,
}

impl IdempotencyRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        IdempotencyRepo { db }
    }

    /// Claims the key, unless it is taken and still valid. An expired key, or one whose request
    /// started over a minute ago without finishing (its instance died), is claimed afresh.
    pub(crate) async fn begin(
        &self,
        user_id: Uuid,
        route: &str,
        key: &str,
        request_hash: &[u8],
        expires_at: DateTime<Utc>,
    ) -> StoreResult<KeyState> {
        let started = self
            .db
            .execute_raw(sql(
                "INSERT INTO idempotency_keys (user_id, route, key, request_hash, expires_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id, route, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, \
                     response_status = NULL, response_body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at \
                 WHERE idempotency_keys.expires_at <= now() \
                    OR (idempotency_keys.response_status IS NULL AND idempotency_keys.created_at < now() - interval '60 seconds')",
                [user_id.into(), route.into(), key.into(), request_hash.to_vec().into(), expires_at.into()],
            ))
            .await?
            .rows_affected()
            == 1;
        if started {
            return Ok(KeyState::Started);
        }
        let row = Row::find_by_statement(sql(
            "SELECT request_hash, response_status, response_body FROM idempotency_keys \
             WHERE user_id = $1 AND route = $2 AND key = $3",
            [user_id.into(), route.into(), key.into()],
        ))
        .one(&self.db)
        .await?
        .ok_or(DbErr::RecordNotFound("idempotency key".to_owned()))?;
        Ok(match (row.response_status, row.response_body) {
            (Some(status), Some(body)) => KeyState::Done {
                request_hash: row.request_hash,
                status: status.clamp(100, 599) as u16,
                body,
            },
            _ => KeyState::InProgress {
                request_hash: row.request_hash,
            },
        })
    }

    pub(crate) async fn finish(&self, claim: &Claim, status: u16, body: &Value) -> StoreResult<()> {
        store_answer(&self.db, &claim.target, status, body).await
    }

    /// Frees the key after a failure worth retrying (5xx), so the retry runs for real.
    pub(crate) async fn abandon(&self, claim: &Claim) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "DELETE FROM idempotency_keys WHERE user_id = $1 AND route = $2 AND key = $3",
                [
                    claim.target.user_id.into(),
                    claim.target.route.clone().into(),
                    claim.target.key.clone().into(),
                ],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }
}

/// The body of a successful answer: `{"success": true, "data": ...}`.
pub(crate) fn success_body<T: Serialize>(data: &T) -> Value {
    json!({ "success": true, "data": data })
}

/// A key this request has claimed (`begin` said `Started`). A service that commits the work
/// in a transaction stores the answer with `answer_in` just before its COMMIT, so the answer
/// and the work land together, with one commit fewer than storing it afterwards, and calls
/// `committed` once that COMMIT succeeded. Until then the caller stores the answer itself.
pub struct Claim {
    target: AnswerTarget,
    /// `answer_in` wrote the answer into the work's transaction.
    written: AtomicBool,
    /// ... and that transaction committed.
    stored: AtomicBool,
}

impl Claim {
    pub(crate) fn new(user_id: Uuid, route: &str, key: &str) -> Self {
        Claim {
            target: AnswerTarget {
                user_id,
                route: route.to_owned(),
                key: key.to_owned(),
            },
            written: AtomicBool::new(false),
            stored: AtomicBool::new(false),
        }
    }

    /// Writes `data` as the successful answer (`status`) inside the caller's transaction.
    /// Use it only when nothing that can fail follows the COMMIT: the stored answer is what
    /// every retry gets.
    pub(crate) async fn answer_in<T: Serialize>(
        &self,
        txn: &DatabaseTransaction,
        status: u16,
        data: &T,
    ) -> StoreResult<()> {
        self.target.answer_in(txn, status, data).await?;
        self.written.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// Where the answer goes, for a transaction another task runs (group commit). Once that
    /// transaction committed with the answer written, call `committed_elsewhere`.
    pub(crate) fn target(&self) -> AnswerTarget {
        self.target.clone()
    }

    /// The answer was written to `target` in a transaction that committed.
    pub(crate) fn committed_elsewhere(&self) {
        self.written.store(true, Ordering::Relaxed);
        self.stored.store(true, Ordering::Relaxed);
    }

    /// The transaction is committed: an answer written with `answer_in` is now stored.
    pub(crate) fn committed(&self) {
        if self.written.load(Ordering::Relaxed) {
            self.stored.store(true, Ordering::Relaxed);
        }
    }

    /// Whether the answer is stored already (written in a transaction that committed).
    pub(crate) fn answered(&self) -> bool {
        self.stored.load(Ordering::Relaxed)
    }
}

/// The idempotency key row a claim's answer is stored in.
#[derive(Clone, Debug)]
pub struct AnswerTarget {
    user_id: Uuid,
    route: String,
    key: String,
}

impl AnswerTarget {
    /// Writes `data` as the successful answer (`status`) inside the caller's transaction.
    pub(crate) async fn answer_in<T: Serialize>(
        &self,
        txn: &DatabaseTransaction,
        status: u16,
        data: &T,
    ) -> StoreResult<()> {
        store_answer(txn, self, status, &success_body(data)).await
    }
}

async fn store_answer(
    conn: &impl ConnectionTrait,
    claim: &AnswerTarget,
    status: u16,
    body: &Value,
) -> StoreResult<()> {
    conn.execute_raw(sql(
        "UPDATE idempotency_keys SET response_status = $4, response_body = $5 \
         WHERE user_id = $1 AND route = $2 AND key = $3",
        [
            claim.user_id.into(),
            claim.route.clone().into(),
            claim.key.clone().into(),
            i32::from(status).into(),
            body.clone().into(),
        ],
    ))
    .await
    .map(|_| ())
    .map_err(Into::into)
}
