//! Group commit for seat reservations.
//!
//! On its own, a reservation costs a transaction: BEGIN, the reserving function, the hold's
//! conversion in Redis, COMMIT, and the pool's ping when the connection goes back. Under a
//! flash crowd many reservations are waiting to commit at the same moment, so a few committer
//! tasks (`CORE_COMMIT_WORKERS`) each take every reservation waiting, up to
//! `CORE_COMMIT_BATCH_MAX`, and write them in one transaction:
//!
//! 1. `reserve_seats_batch` runs each reservation in its own savepoint: one refused item
//!    (seats gone, over the per-user limit, hold already reserved) leaves the others written.
//! 2. The written items' holds are converted in Redis, all in one pipelined round trip.
//! 3. Items whose hold could not be converted (it expired or was released meanwhile) are
//!    undone in the same transaction (`unreserve_seats`).
//! 4. Idempotency-Key answers of the items that stay are stored, then one COMMIT.
//!
//! Every request still gets the answer it would get alone. If the batch fails before any
//! hold was converted (a deadlock, a lost connection), nothing is written and each request
//! commits alone instead. After a conversion, a failure answers the converted items with the
//! error, exactly as a failed COMMIT does for a reservation committed alone.
//!
//! Items are written in (user, performance) order, the order of the per-user locks the
//! function takes, so two batches never wait on each other's locks in a cycle.
//!
//! Here: the queue and its committer tasks; what one batch writes before its COMMIT, and how
//! each item's outcome is settled, in `batch`.

mod batch;

use std::{panic::AssertUnwindSafe, sync::Arc};

use chrono::{DateTime, Utc};
use futures::{FutureExt, future::join_all};
use tokio::sync::{Mutex, mpsc, oneshot};
use uuid::Uuid;

use crate::ticketing::services::{
    committed::{Reservation, Wording, announce_commit},
    seat_layout::SeatLayouts,
    stream::Publisher,
};
use crate::{
    error::Error,
    shared::storage::idempotency::AnswerTarget,
    ticketing::{
        domain::{Attendee, CancelWindow},
        storage::{
            holds::{HoldRecord, Holds},
            reservations::{NewReservation, ReservationRepo},
        },
    },
};

/// One reservation waiting to be committed with others.
pub struct Job {
    pub id: Uuid,
    pub number: String,
    pub user_id: Uuid,
    pub hold: HoldRecord,
    pub attendee: Attendee,
    pub expires_at: DateTime<Utc>,
    /// The performance's per-user seat limit.
    pub limit: i64,
    /// Where the Idempotency-Key answer goes, if the request has one, and its wording.
    pub answer: Option<(AnswerTarget, Wording)>,
    /// `CONFIRM_FAILURE_RATE` picked this one to fail once written: it is undone and its
    /// hold kept, as a reservation committed alone is rolled back.
    pub fail_confirmation: bool,
    /// The performance's start and refund cut-off, for the answer.
    pub window: CancelWindow,
}

impl Job {
    fn new_reservation(&self) -> NewReservation<'_> {
        NewReservation {
            id: self.id,
            number: &self.number,
            user_id: self.user_id,
            performance_id: self.hold.performance_id,
            hold_id: self.hold.hold_id,
            seat_ids: &self.hold.seat_ids,
            attendee_name: &self.attendee.name,
            attendee_phone: &self.attendee.phone,
            attendee_email: self.attendee.email.as_deref(),
            expires_at: self.expires_at,
        }
    }
}

/// What became of one job.
pub enum Outcome {
    /// Committed; the answer, built from what was written.
    Committed(Reservation),
    /// Not written (seats gone, over the limit, hold expired): the error to handle as a
    /// reservation committed alone would.
    Refused(Error),
    /// Nothing was written and no hold touched: commit this one alone.
    Alone,
    /// The batch failed after this item's hold was converted.
    Failed(Error),
}

#[derive(Clone)]
pub struct GroupCommit {
    sender: mpsc::Sender<(Job, oneshot::Sender<Outcome>)>,
}

struct Committer {
    repo: ReservationRepo,
    holds: Holds,
    layouts: SeatLayouts,
    publisher: Publisher,
    max_batch: usize,
}

type Queue = Arc<Mutex<mpsc::Receiver<(Job, oneshot::Sender<Outcome>)>>>;

impl GroupCommit {
    /// Starts `workers` committer tasks; `None` when `max_batch` is 0 (group commit off).
    /// The tasks end once every handle is dropped.
    pub(crate) fn start(
        (repo, holds): (ReservationRepo, Holds),
        (layouts, publisher): (SeatLayouts, Publisher),
        workers: usize,
        max_batch: usize,
    ) -> Option<Self> {
        if max_batch == 0 {
            return None;
        }
        let (sender, receiver) = mpsc::channel(1024);
        let queue: Queue = Arc::new(Mutex::new(receiver));
        let committer = Arc::new(Committer {
            repo,
            holds,
            layouts,
            publisher,
            max_batch,
        });
        for _ in 0..workers.max(1) {
            tokio::spawn(committer.clone().run(queue.clone()));
        }
        Some(GroupCommit { sender })
    }

    /// Reservations waiting for a committer.
    pub fn waiting(&self) -> usize {
        self.sender.max_capacity() - self.sender.capacity()
    }

    /// Commits `job` with whatever else is waiting.
    pub async fn submit(&self, job: Job) -> Outcome {
        let (reply, answer) = oneshot::channel();
        if self.sender.send((job, reply)).await.is_err() {
            return Outcome::Alone;
        }
        // A batch that panicked dropped the reply. Committing alone is still safe: if the
        // reservation was written after all, that finds it through its hold, and if the hold
        // was converted but not committed, that answers HOLD_EXPIRED.
        answer.await.unwrap_or(Outcome::Alone)
    }
}

impl Committer {
    async fn run(self: Arc<Self>, queue: Queue) {
        loop {
            let batch = {
                let mut receiver = queue.lock().await;
                let Some(first) = receiver.recv().await else {
                    return;
                };
                let mut batch = vec![first];
                while batch.len() < self.max_batch {
                    match receiver.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                batch
            };
            // A panic inside one batch must not take the committer with it: with every
            // committer gone, reservations would wait forever.
            if AssertUnwindSafe(self.commit(batch))
                .catch_unwind()
                .await
                .is_err()
            {
                tracing::error!("a group commit batch panicked; its requests commit alone");
            }
        }
    }

    async fn commit(&self, mut batch: Vec<(Job, oneshot::Sender<Outcome>)>) {
        batch.sort_by_key(|(job, _)| (job.user_id, job.hold.performance_id));
        metrics::histogram!("reservation_group_commit_size").record(batch.len() as f64);
        let (jobs, replies): (Vec<Job>, Vec<_>) = batch.into_iter().unzip();
        let outcomes = match self.repo.begin().await {
            Ok(tx) => self.write(&tx, &jobs).await.and_then_commit(tx).await,
            Err(e) => {
                tracing::debug!(error = %e, "group commit could not begin; committing alone");
                jobs.iter().map(|_| Outcome::Alone).collect()
            }
        };
        // Announced here rather than by each request, so a request whose client went away
        // meanwhile still has its seats shown RESERVED.
        join_all(
            jobs.iter()
                .zip(&outcomes)
                .filter(|(_, outcome)| matches!(outcome, Outcome::Committed(_)))
                .map(|(job, _)| announce_commit(&self.holds, &self.publisher, &job.hold, false)),
        )
        .await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            let _ = reply.send(outcome);
        }
    }
}

/// Whether a request's reservation can go through group commit: a seat hold kept in Redis,
/// reserved without paying at once.
pub(crate) fn eligible(hold: &HoldRecord, pay_now: bool) -> bool {
    hold.product_id.is_none()
        && hold.backend == crate::ticketing::storage::holds::Backend::Redis
        && !pay_now
}
