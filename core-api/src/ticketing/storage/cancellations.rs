//! Cancellation jobs (`admin_jobs`): starting one (the performances turn CANCELLED in the same
//! transaction), the lease an instance runs it under, its progress, and reads for the API.
//! The batches themselves are `ReservationTx` statements (`reservations::bulk`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, FromQueryResult,
    TransactionTrait,
};
use uuid::Uuid;

use super::reservations::Refunded;
use crate::{
    shared::storage::audit,
    storage::{StoreResult, sql},
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct JobRow {
    pub(crate) id: Uuid,
    pub(crate) kind: String,
    pub(crate) status: String,
    pub(crate) event_id: Option<Uuid>,
    pub(crate) performance_ids: Vec<Uuid>,
    pub(crate) reason: String,
    pub(crate) actor_id: Option<Uuid>,
    pub(crate) total: i32,
    pub(crate) done: i32,
    pub(crate) refunded: i32,
    pub(crate) refunded_amount: i64,
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) finished_at: Option<DateTime<Utc>>,
    pub(crate) error: Option<String>,
}

const JOB_COLUMNS: &str = "id, kind, status, event_id, performance_ids, reason, actor_id, total, done, \
     refunded, refunded_amount, started_at, finished_at, error";

/// What to cancel: one performance, or every performance of an event.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    Performance(Uuid),
    Event(Uuid),
}

/// How starting a job went.
#[derive(Debug)]
pub(crate) enum Started {
    /// A new job; the performances are CANCELLED from this commit on.
    New(JobRow),
    /// Everything asked was already cancelled: the job that did it.
    Existing(JobRow),
    NotFound,
}

#[derive(Clone)]
pub(crate) struct CancellationRepo {
    db: DatabaseConnection,
}

impl CancellationRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        CancellationRepo { db }
    }

    /// Cancels the performances (no reservation can be made from this commit on: see the
    /// migration's trigger), closes their sale, cancels the event if asked, and records the
    /// job and its audit entry, in one transaction.
    pub(crate) async fn start(
        &self,
        target: Target,
        reason: &str,
        actor_id: Uuid,
    ) -> StoreResult<Started> {
        let txn = self.db.begin().await?;
        let started = start_in(&txn, target, reason, actor_id).await?;
        txn.commit().await?;
        Ok(started)
    }

    pub(crate) async fn job(&self, id: Uuid) -> StoreResult<Option<JobRow>> {
        JobRow::find_by_statement(sql(
            &format!("SELECT {JOB_COLUMNS} FROM admin_jobs WHERE id = $1"),
            [id.into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Newest first, optionally only those touching one performance.
    pub(crate) async fn jobs(
        &self,
        performance_id: Option<Uuid>,
        limit: u64,
    ) -> StoreResult<Vec<JobRow>> {
        JobRow::find_by_statement(sql(
            &format!(
                "SELECT {JOB_COLUMNS} FROM admin_jobs \
                 WHERE ($1::uuid IS NULL OR performance_ids @> ARRAY[$1::uuid]) \
                 ORDER BY started_at DESC, id DESC LIMIT $2"
            ),
            [performance_id.into(), (limit as i64).into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Takes the oldest RUNNING job nobody holds a live lease on (a new one, or one whose
    /// instance died), leased to `owner` for `lease_ms`.
    pub(crate) async fn claim(&self, owner: Uuid, lease_ms: u64) -> StoreResult<Option<JobRow>> {
        JobRow::find_by_statement(sql(
            &format!(
                "UPDATE admin_jobs SET lease_owner = $1, \
                     lease_until = now() + make_interval(secs => $2::double precision / 1000) \
                 WHERE id = (SELECT id FROM admin_jobs WHERE status = 'RUNNING' \
                     AND (lease_until IS NULL OR lease_until < now()) \
                     ORDER BY started_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING {JOB_COLUMNS}"
            ),
            [owner.into(), (lease_ms as i64).into()],
        ))
        .one(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Ends the job (DONE, or FAILED with `error`) if `owner` still leases it. A finished
    /// job's total is what it cancelled (buyers may have cancelled some themselves meanwhile).
    pub(crate) async fn finish(
        &self,
        id: Uuid,
        owner: Uuid,
        error: Option<&str>,
    ) -> StoreResult<bool> {
        let status = if error.is_some() { "FAILED" } else { "DONE" };
        let result = self
            .db
            .execute_raw(sql(
                "UPDATE admin_jobs SET status = $3, error = $4, finished_at = now(), \
                     total = CASE WHEN $3 = 'DONE' THEN done ELSE total END, \
                     lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
                [
                    id.into(),
                    owner.into(),
                    status.into(),
                    error.map(str::to_owned).into(),
                ],
            ))
            .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Gives the lease up early (this instance stops), so another takes the job at once.
    pub(crate) async fn release(&self, id: Uuid, owner: Uuid) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "UPDATE admin_jobs SET lease_owner = NULL, lease_until = NULL \
                 WHERE id = $1 AND lease_owner = $2",
                [id.into(), owner.into()],
            ))
            .await?;
        Ok(())
    }
}

async fn start_in(
    txn: &DatabaseTransaction,
    target: Target,
    reason: &str,
    actor_id: Uuid,
) -> StoreResult<Started> {
    #[derive(FromQueryResult)]
    struct Perf {
        id: Uuid,
        cancelled: bool,
    }
    // Locked FOR UPDATE: this waits for every reservation being inserted right now (their
    // trigger and foreign key hold FOR KEY SHARE), and makes later inserts wait for us.
    let (condition, id) = match target {
        Target::Performance(id) => ("id = $1", id),
        Target::Event(id) => ("event_id = $1", id),
    };
    let perfs = Perf::find_by_statement(sql(
        &format!(
            "SELECT id, cancelled_at IS NOT NULL AS cancelled FROM performances \
             WHERE {condition} ORDER BY id FOR UPDATE"
        ),
        [id.into()],
    ))
    .all(txn)
    .await?;
    let event_row = match target {
        Target::Event(id) => {
            #[derive(FromQueryResult)]
            struct Status {
                status: String,
            }
            let row = Status::find_by_statement(sql(
                "SELECT status FROM events WHERE id = $1 FOR UPDATE",
                [id.into()],
            ))
            .one(txn)
            .await?;
            match row {
                Some(r) => Some(r.status),
                None => return Ok(Started::NotFound),
            }
        }
        Target::Performance(_) if perfs.is_empty() => return Ok(Started::NotFound),
        Target::Performance(_) => None,
    };
    let ids: Vec<Uuid> = perfs.iter().map(|p| p.id).collect();
    let all_cancelled = perfs.iter().all(|p| p.cancelled);
    if all_cancelled && event_row.as_deref().is_none_or(|s| s == "CANCELLED") {
        let existing = JobRow::find_by_statement(sql(
            &format!(
                "SELECT {JOB_COLUMNS} FROM admin_jobs WHERE performance_ids && $1 \
                 AND ($2::uuid IS NULL OR event_id = $2) ORDER BY started_at DESC LIMIT 1"
            ),
            [
                ids.clone().into(),
                match target {
                    Target::Event(id) => Some(id),
                    Target::Performance(_) => None,
                }
                .into(),
            ],
        ))
        .one(txn)
        .await?;
        if let Some(job) = existing {
            return Ok(Started::Existing(job));
        }
    }
    txn.execute_raw(sql(
        "UPDATE performances SET cancelled_at = now(), cancel_reason = $2, \
             sale_opens_at = least(sale_opens_at, now()), sale_closes_at = least(sale_closes_at, now()) \
         WHERE id = ANY($1) AND cancelled_at IS NULL",
        [ids.clone().into(), reason.into()],
    ))
    .await?;
    let (kind, event_id) = match target {
        Target::Performance(_) => ("CANCEL_PERFORMANCE", None),
        Target::Event(id) => {
            txn.execute_raw(sql(
                "UPDATE events SET status = 'CANCELLED' WHERE id = $1",
                [id.into()],
            ))
            .await?;
            ("CANCEL_EVENT", Some(id))
        }
    };
    let job = JobRow::find_by_statement(sql(
        &format!(
            "INSERT INTO admin_jobs (id, kind, event_id, performance_ids, reason, actor_id, total) \
             SELECT $1, $2, $3, $4, $5, $6, count(*) FROM reservations \
             WHERE performance_id = ANY($4) AND status IN ('PENDING_PAYMENT', 'CONFIRMED') \
             RETURNING {JOB_COLUMNS}"
        ),
        [
            Uuid::now_v7().into(),
            kind.into(),
            event_id.into(),
            ids.clone().into(),
            reason.into(),
            actor_id.into(),
        ],
    ))
    .one(txn)
    .await?
    .ok_or(DbErr::RecordNotInserted)?;
    let (entity_type, entity_id) = match target {
        Target::Performance(id) => ("performance", id),
        Target::Event(id) => ("event", id),
    };
    audit::record(
        txn,
        audit::Entry {
            actor_id,
            action: if event_id.is_some() {
                "event.cancel"
            } else {
                "performance.cancel"
            },
            entity_type,
            entity_id,
            before: event_row.map(|status| serde_json::json!({ "status": status })),
            after: Some(serde_json::json!({
                "status": "CANCELLED",
                "reason": reason,
                "jobId": job.id,
                "performanceIds": ids,
                "liveReservations": job.total,
            })),
        },
    )
    .await?;
    Ok(Started::New(job))
}

/// See `ReservationTx::renew_job`.
pub(crate) async fn renew(
    c: &impl ConnectionTrait,
    job_id: Uuid,
    owner: Uuid,
    lease_ms: u64,
) -> StoreResult<bool> {
    let result = c
        .execute_raw(sql(
            "UPDATE admin_jobs SET lease_until = now() + make_interval(secs => $3::double precision / 1000) \
             WHERE id = $1 AND lease_owner = $2 AND status = 'RUNNING'",
            [job_id.into(), owner.into(), (lease_ms as i64).into()],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// See `ReservationTx::count_into_job`.
pub(crate) async fn count(
    c: &impl ConnectionTrait,
    job_id: Uuid,
    cancelled: usize,
    refunded: Refunded,
) -> StoreResult<()> {
    c.execute_raw(sql(
        "UPDATE admin_jobs SET done = done + $2, refunded = refunded + $3, \
             refunded_amount = refunded_amount + $4 WHERE id = $1",
        [
            job_id.into(),
            (cancelled as i32).into(),
            (refunded.count as i32).into(),
            refunded.amount.into(),
        ],
    ))
    .await?;
    Ok(())
}
