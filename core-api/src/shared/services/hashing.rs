//! Password hashing off the async runtime, bounded: at most `concurrency` hashes run at once
//! and at most `queue` more wait, each for at most `wait`. Anything beyond gets a fast 503
//! `SERVER_BUSY`, so a flood of logins cannot pile up work (or memory) without bound.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::Semaphore;

use crate::error::{Error, Result};

const BUSY: Error = Error::Busy("too many sign-ins at once; retry in a moment");

#[derive(Clone)]
pub(crate) struct HashingPool {
    /// argon2id takes ~19 MiB and a core's worth of CPU per hash. Unbounded, a crowd logging
    /// in at once ran dozens in parallel (hundreds of MiB, no faster); this caps them.
    slots: Arc<Semaphore>,
    /// Hashes waiting for a slot now.
    waiting: Arc<AtomicUsize>,
    queue: usize,
    wait: Duration,
}

/// One place in the queue, given back however the wait ends.
struct QueuePlace<'a>(&'a AtomicUsize);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashingPool {
    pub(crate) fn new(concurrency: usize, queue: usize, wait: Duration) -> Self {
        HashingPool {
            slots: Arc::new(Semaphore::new(concurrency)),
            waiting: Arc::default(),
            queue,
            wait,
        }
    }

    /// Runs one hash or check on the blocking pool once a slot is free.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let permit = match self.slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let ahead = self.waiting.fetch_add(1, Ordering::AcqRel);
                let _place = QueuePlace(&self.waiting);
                if ahead >= self.queue {
                    return Err(rejected());
                }
                match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
                    Ok(permit) => permit.map_err(|e| Error::Internal(e.into()))?,
                    Err(_) => return Err(rejected()),
                }
            }
        };
        // The permit moves into the blocking task: it is held until the hash really ends,
        // even if the client goes away meanwhile.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| Error::Internal(e.into()))
    }
}

fn rejected() -> Error {
    metrics::counter!("password_hash_rejected_total").increment(1);
    BUSY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn with_every_slot_and_queue_place_taken_a_hash_is_refused_at_once() {
        let pool = HashingPool::new(1, 0, Duration::from_secs(60));
        let held = pool
            .slots
            .clone()
            .try_acquire_owned()
            .expect("the one slot");

        let refused = pool.run(|| ()).await;

        assert!(matches!(refused, Err(Error::Busy(_))));
        assert_eq!(
            pool.waiting.load(Ordering::Acquire),
            0,
            "the place is given back"
        );
        drop(held);
        assert!(pool.run(|| ()).await.is_ok());
    }

    #[tokio::test]
    async fn a_queued_hash_waits_at_most_its_budget() {
        let pool = HashingPool::new(1, 1, Duration::from_millis(50));
        let _held = pool
            .slots
            .clone()
            .try_acquire_owned()
            .expect("the one slot");

        let refused = pool.run(|| ()).await;

        assert!(matches!(refused, Err(Error::Busy(_))));
        assert_eq!(pool.waiting.load(Ordering::Acquire), 0);
    }
}
