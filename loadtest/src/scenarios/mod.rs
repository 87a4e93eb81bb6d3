//! Scenarios, and the loop that starts their virtual users open-loop (fixed arrival rate)
//! or closed-loop (fixed number of workers), with a progress bar.

mod buyer;
pub mod flash_sale;
pub mod holds;
pub mod hot_seat;
pub mod queue_million;
mod sale;
mod watch;

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;

use crate::config::{Common, Mode};

pub fn progress(common: &Common, total: usize, what: &str) -> ProgressBar {
    if common.quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} {msg} ({per_sec})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Runs `user(i)` for i in 0..total, open- or closed-loop per `common`, until all ended or
/// `stop` is set (users not yet started are skipped then).
pub async fn run_users<F, Fut>(
    common: &Common,
    total: usize,
    bar: &ProgressBar,
    stop: Arc<AtomicBool>,
    user: F,
) where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let user = Arc::new(user);
    let limit = Arc::new(Semaphore::new(common.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    match common.mode {
        Mode::Open => {
            let period = Duration::from_secs_f64(1.0 / common.rate.max(0.001));
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            for i in 0..total {
                tick.tick().await;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(permit) = limit.clone().acquire_owned().await else {
                    break;
                };
                let (user, bar) = (user.clone(), bar.clone());
                tasks.spawn(async move {
                    user(i).await;
                    bar.inc(1);
                    drop(permit);
                });
                while tasks.try_join_next().is_some() {}
            }
        }
        Mode::Closed => {
            let next = Arc::new(AtomicUsize::new(0));
            for _ in 0..common.concurrency.max(1) {
                let (user, bar, next, stop) =
                    (user.clone(), bar.clone(), next.clone(), stop.clone());
                tasks.spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total || stop.load(Ordering::Relaxed) {
                            break;
                        }
                        user(i).await;
                        bar.inc(1);
                    }
                });
            }
        }
    }
    while tasks.join_next().await.is_some() {}
    bar.finish();
}
