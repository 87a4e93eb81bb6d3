//! Cancelling a performance or a whole event: the performances turn CANCELLED at once, then a
//! job cancels every live reservation and refunds the paid ones in bounded batches.
//!
//! Resumable and exactly-once: the job's state lives in Postgres (`admin_jobs`). Each batch
//! is one transaction that takes the job's row under this instance's lease, locks up to
//! `CORE_CANCEL_BATCH_SIZE` live reservations, refunds the paid ones (conditional UPDATE of
//! the payment; one ledger line per reservation, enforced by a unique index), cancels them
//! and counts them into the job. A crash loses at most the uncommitted batch; the job stays
//! RUNNING, and once its lease lapses (`CORE_JOB_LEASE_MS`) any instance (the restarted
//! one, at start-up) takes it over and goes on from the reservations still live.

use std::{sync::Arc, time::Duration};

use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
    shared::services::auth::Caller,
    ticketing::{
        domain::status::{ReservationStatus, SeatChangeReason, SeatStatus},
        services::{queue::QueueService, rules::RulesCache, stream::Publisher},
        storage::{
            cancellations::{CancellationRepo, JobRow, Started, Target},
            holds::Holds,
            reservations::ReservationRepo,
        },
    },
};

/// How big and how fast the batches are, and the lease.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobSettings {
    pub(crate) batch_size: u64,
    pub(crate) pause: Duration,
    pub(crate) lease_ms: u64,
}

impl JobSettings {
    pub(crate) fn from_config(config: &Config) -> Self {
        JobSettings {
            batch_size: config.cancel_batch_size,
            pause: Duration::from_millis(config.cancel_batch_pause_ms),
            lease_ms: config.job_lease_ms,
        }
    }
}

#[derive(Clone)]
pub(crate) struct CancellationService {
    jobs: CancellationRepo,
    reservations: ReservationRepo,
    holds: Holds,
    publisher: Publisher,
    queue: QueueService,
    rules: RulesCache,
    settings: JobSettings,
    /// This instance's name on the leases it takes.
    owner: Uuid,
    /// Wakes this instance's runner when it starts a job.
    wake: Arc<Notify>,
}

/// How one batch went.
enum Batch {
    /// Some reservations cancelled; more may be left.
    Cancelled,
    /// No live reservation is left.
    Empty,
    /// Another instance holds the job now.
    LeaseLost,
}

impl CancellationService {
    pub(crate) fn new(
        (jobs, reservations): (CancellationRepo, ReservationRepo),
        holds: Holds,
        publisher: Publisher,
        (queue, rules): (QueueService, RulesCache),
        settings: JobSettings,
    ) -> Self {
        CancellationService {
            jobs,
            reservations,
            holds,
            publisher,
            queue,
            rules,
            settings,
            owner: Uuid::new_v4(),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Cancels the performance (or every performance of the event) now and starts the job
    /// that cancels and refunds its reservations. Asking again for something already
    /// cancelled answers with the job that did it.
    pub(crate) async fn start(
        &self,
        caller: Caller,
        target: Target,
        reason: &str,
    ) -> Result<JobRow> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::validation("reason", "1 to 500 characters"));
        }
        let job = match self.jobs.start(target, reason, caller.user_id).await? {
            Started::New(job) => job,
            Started::Existing(job) => return Ok(job),
            Started::NotFound => {
                return Err(Error::NotFound(match target {
                    Target::Performance(_) => "performance",
                    Target::Event(_) => "event",
                }));
            }
        };
        self.rules.clear();
        for performance_id in &job.performance_ids {
            // The waiting room tells its line at once (sold-out flag), and held seats go back.
            self.queue.publish(*performance_id).await;
        }
        self.wake.notify_one();
        Ok(job)
    }

    pub(crate) async fn job(&self, id: Uuid) -> Result<JobRow> {
        self.jobs.job(id).await?.ok_or(Error::NotFound("job"))
    }

    pub(crate) async fn jobs(&self, performance_id: Option<Uuid>) -> Result<Vec<JobRow>> {
        Ok(self.jobs.jobs(performance_id, 100).await?)
    }

    /// Runs jobs until `stop`: at start-up (a job left RUNNING by a crashed instance whose
    /// lease lapsed), when this instance starts one, and every half lease (another
    /// instance's job whose lease lapsed).
    pub(crate) fn spawn(self, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let every = Duration::from_millis(self.settings.lease_ms / 2);
            loop {
                while !*stop.borrow() {
                    match self.jobs.claim(self.owner, self.settings.lease_ms).await {
                        Ok(Some(job)) => self.run(job, &stop).await,
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "could not look for cancellation jobs");
                            break;
                        }
                    }
                }
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
        })
    }

    /// Runs one leased job to its end, or until the lease is lost, a dependency fails (the
    /// job stays RUNNING; it is taken up again once the lease lapses) or `stop`.
    async fn run(&self, job: JobRow, stop: &watch::Receiver<bool>) {
        tracing::info!(job = %job.id, done = job.done, total = job.total, "running a cancellation job");
        for performance_id in &job.performance_ids {
            match self.holds.release_all(*performance_id).await {
                Ok(n) if n > 0 => {
                    tracing::info!(performance = %performance_id, holds = n, "released holds")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "could not release the holds; they lapse on their own")
                }
            }
        }
        loop {
            if *stop.borrow() {
                let _ = self.jobs.release(job.id, self.owner).await;
                return;
            }
            match self.batch(&job).await {
                Ok(Batch::Cancelled) => {
                    if !self.settings.pause.is_zero() {
                        tokio::time::sleep(self.settings.pause).await;
                    }
                }
                Ok(Batch::Empty) => {
                    if let Err(e) = self.jobs.finish(job.id, self.owner, None).await {
                        tracing::warn!(job = %job.id, error = %e, "could not mark the job done; retrying");
                        continue;
                    }
                    for performance_id in &job.performance_ids {
                        self.queue.publish(*performance_id).await;
                    }
                    tracing::info!(job = %job.id, "cancellation job done");
                    return;
                }
                Ok(Batch::LeaseLost) => return,
                Err(Error::Dependency { .. }) => {
                    tracing::warn!(job = %job.id, "a dependency failed; the job resumes later");
                    return;
                }
                Err(e) => {
                    tracing::error!(job = %job.id, error = ?e, "cancellation job failed");
                    let _ = self
                        .jobs
                        .finish(
                            job.id,
                            self.owner,
                            Some("a batch was refused; see the logs"),
                        )
                        .await;
                    return;
                }
            }
        }
    }

    /// One transaction: the job's row (under our lease), up to a batch of live reservations
    /// locked, the paid ones refunded, all of them cancelled, the progress counted.
    async fn batch(&self, job: &JobRow) -> Result<Batch> {
        let tx = self.reservations.begin().await?;
        if !tx
            .renew_job(job.id, self.owner, self.settings.lease_ms)
            .await?
        {
            tx.rollback().await?;
            return Ok(Batch::LeaseLost);
        }
        let ids = tx
            .lock_live_of(&job.performance_ids, self.settings.batch_size)
            .await?;
        if ids.is_empty() {
            tx.rollback().await?;
            return Ok(Batch::Empty);
        }
        let refunded = tx.refund_paid(&ids).await?;
        let freed = tx.release(&ids, ReservationStatus::Cancelled).await?;
        tx.count_into_job(job.id, ids.len(), refunded).await?;
        tx.notify_cancelled(&ids).await?;
        if let Some(actor_id) = job.actor_id {
            tx.audit(crate::shared::storage::audit::Entry {
                actor_id,
                action: "reservations.bulk_cancel",
                entity_type: "job",
                entity_id: job.id,
                before: None,
                after: Some(serde_json::json!({
                    "reservationIds": ids,
                    "refunded": refunded.count,
                    "refundedAmount": refunded.amount,
                })),
            })
            .await?;
        }
        tx.commit().await?;
        metrics::counter!("reservations_cancelled_total").increment(ids.len() as u64);
        self.holds.seats_back_on_sale(&freed).await;
        self.publisher
            .seats(&freed, SeatStatus::Available, SeatChangeReason::Cancelled)
            .await;
        Ok(Batch::Cancelled)
    }
}
