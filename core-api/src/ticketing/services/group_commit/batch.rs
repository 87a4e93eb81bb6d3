//! One batch of the group commit: the items written in their savepoints, their holds
//! converted, the ones that could not be undone, the answers stored, then one COMMIT (or
//! ROLLBACK) and every item's outcome settled.

use futures::future::join_all;

use super::{Committer, Job, Outcome};
use crate::{
    error::Error,
    storage::StoreError,
    ticketing::{
        domain::status::{ReservationStatus, SeatStatus},
        services::{
            committed::{seat_reservation, written_row},
            holds::{hold_expired, limit_exceeded},
        },
        storage::reservations::ReservationTx,
    },
};

impl Committer {
    /// Everything before COMMIT. `Written::outcomes` holds `None` for the items to commit.
    pub(super) async fn write(&self, tx: &ReservationTx, jobs: &[Job]) -> Written {
        let items: Vec<_> = jobs
            .iter()
            .map(|job| (job.new_reservation(), job.limit))
            .collect();
        let written = match tx.reserve_batch(&items).await {
            Ok(written) => written,
            Err(e) => {
                tracing::debug!(error = %e, "group commit failed; committing alone");
                return Written::nothing(jobs.len());
            }
        };
        // Convert the written items' holds at once: the commands share one round trip.
        let converted = join_all(jobs.iter().zip(&written).map(|(job, item)| async move {
            match item.written && !job.fail_confirmation {
                true => Some(self.holds.convert(tx, &job.hold).await),
                false => None,
            }
        }))
        .await;
        let mut outcomes = Vec::with_capacity(jobs.len());
        let mut undo = Vec::new();
        for ((job, item), converted) in jobs.iter().zip(&written).zip(converted) {
            let seats = job.hold.seat_ids.len() as i64;
            outcomes.push(match converted {
                None if item.written => {
                    metrics::counter!("confirmation_failures_total").increment(1);
                    undo.push(job.id);
                    Some(Outcome::Refused(Error::ConfirmationFailed))
                }
                None if item.reserved.already + seats > job.limit => Some(Outcome::Refused(
                    limit_exceeded(job.limit.clamp(0, i64::from(u32::MAX)) as u32),
                )),
                None => Some(Outcome::Refused(Error::SeatUnavailable {
                    seat_ids: job.hold.seat_ids.clone(),
                })),
                Some(Ok(true)) => None,
                Some(Ok(false)) => {
                    undo.push(job.id);
                    Some(Outcome::Refused(hold_expired()))
                }
                Some(Err(e)) => {
                    undo.push(job.id);
                    Some(Outcome::Refused(e))
                }
            });
        }
        let any_converted = outcomes.iter().any(Option::is_none);
        let mut done = Written {
            outcomes,
            failure: None,
            any_converted,
        };
        if !undo.is_empty()
            && let Err(e) = tx.unreserve(&undo).await
        {
            done.failure = Some(e);
            return done;
        }
        for ((job, item), outcome) in jobs.iter().zip(&written).zip(done.outcomes.iter_mut()) {
            if outcome.is_some() {
                continue;
            }
            let row = written_row(
                &job.new_reservation(),
                &job.attendee,
                ReservationStatus::PendingPayment,
                item.reserved,
                job.window,
            );
            let view = match seat_reservation(
                &self.layouts,
                row,
                &job.hold.seat_ids,
                SeatStatus::Reserved,
            )
            .await
            {
                Ok(view) => view,
                Err(e) => {
                    done.failure = Some(StoreError::Other(anyhow::anyhow!(e.to_string())));
                    return done;
                }
            };
            if let Some((target, wording)) = &job.answer
                && let Err(e) = tx.answer_to(target, 201, &wording(&view)).await
            {
                done.failure = Some(e);
                return done;
            }
            *outcome = Some(Outcome::Committed(view));
        }
        done
    }
}

/// The state of a batch before its COMMIT.
pub(super) struct Written {
    /// Per item: its final outcome, `Committed` (pending the COMMIT), or `None` while
    /// undecided.
    outcomes: Vec<Option<Outcome>>,
    /// A statement failed after the batch function: the transaction is lost.
    failure: Option<StoreError>,
    /// Some hold was converted: a lost transaction cannot fall back to committing alone.
    any_converted: bool,
}

impl Written {
    pub(super) fn nothing(n: usize) -> Self {
        Written {
            outcomes: (0..n).map(|_| Some(Outcome::Alone)).collect(),
            failure: None,
            any_converted: false,
        }
    }

    /// Commits (or rolls back) and settles every item's outcome.
    pub(super) async fn and_then_commit(self, tx: ReservationTx) -> Vec<Outcome> {
        let Written {
            outcomes,
            failure,
            any_converted,
        } = self;
        let pending = outcomes
            .iter()
            .any(|o| matches!(o, Some(Outcome::Committed(_)) | None));
        let failure = match failure {
            None if pending => tx.commit().await.err(),
            None => {
                let _ = tx.rollback().await;
                None
            }
            Some(e) => {
                let _ = tx.rollback().await;
                Some(e)
            }
        };
        let Some(e) = failure else {
            return outcomes
                .into_iter()
                .map(|o| o.unwrap_or(Outcome::Alone))
                .collect();
        };
        tracing::warn!(error = %e, "group commit failed");
        outcomes
            .into_iter()
            .map(|o| match o {
                // Written but lost with the transaction, hold already converted.
                Some(Outcome::Committed(_)) | None if any_converted => {
                    Outcome::Failed(shared_error(&e))
                }
                Some(Outcome::Committed(_)) | None => Outcome::Alone,
                Some(other) => other,
            })
            .collect()
    }
}

/// One batch's database error, answered to each of its requests.
fn shared_error(e: &StoreError) -> Error {
    let mut text = format!("group commit: {e}");
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    let source = anyhow::anyhow!(text);
    if matches!(e, StoreError::Unavailable { .. }) {
        Error::postgres(source)
    } else {
        Error::Internal(source)
    }
}
