//! Live booking changes for this instance's stream clients: one Postgres listener per
//! instance hears every committed change (made on any instance), reads the booking once and
//! fans it out through a broadcast channel; each stream keeps what its caller may see.

use std::{sync::Arc, time::Duration};

use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast, watch};
use uuid::Uuid;

use super::BookingService;
use crate::{
    booking::{
        domain::booking::SyncedBooking,
        storage::live::{ChangeKind, Notice, Notices},
    },
    error::{Error, Result},
};

/// Changes a stream may fall behind by before it is told to reload (`event: resync`).
const BACKLOG: usize = 1024;

/// One change as every stream of this instance is handed it.
#[derive(Debug)]
pub(crate) enum LiveEvent {
    Booking {
        kind: ChangeKind,
        team_id: Uuid,
        booking: Box<SyncedBooking>,
    },
    /// Notices may have been missed (the listener's connection dropped): reload.
    Resync,
}

#[derive(Clone)]
pub(crate) struct LiveBookings {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    notices: Notices,
    bookings: BookingService,
    /// Streams this instance may hold open at once.
    slots: Arc<Semaphore>,
}

impl LiveBookings {
    pub(crate) fn new(notices: Notices, bookings: BookingService, max_streams: usize) -> Self {
        LiveBookings {
            sender: broadcast::channel(BACKLOG).0,
            notices,
            bookings,
            slots: Arc::new(Semaphore::new(max_streams)),
        }
    }

    /// A stream's slot, or 429 when this instance holds as many as it may.
    pub(crate) fn admit(&self) -> Result<OwnedSemaphorePermit> {
        self.slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::RateLimited {
                message: "too many live streams are open on this server; retry shortly".to_owned(),
                retry_after_secs: 5,
                details: json!({ "limit": "CORE_STREAM_MAX_CONNECTIONS" }),
            })
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.sender.subscribe()
    }

    /// Listens until `stop` turns true, reconnecting after a lost connection.
    pub(crate) fn spawn(&self, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let live = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => break,
                    () = live.listen() => {}
                }
                // Notices sent while nobody listened are gone: streams reload what they show.
                let _ = live.sender.send(Arc::new(LiveEvent::Resync));
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => break,
                    () = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
        })
    }

    /// One listening connection's life: returns when it is lost.
    async fn listen(&self) {
        let mut listener = match self.notices.listen().await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "live bookings: cannot listen; retrying");
                return;
            }
        };
        loop {
            match listener.next().await {
                Ok(Some(notice)) => self.announce(notice).await,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "live bookings: listener failed; reconnecting");
                    return;
                }
            }
        }
    }

    async fn announce(&self, notice: Notice) {
        match self.bookings.fetch(notice.booking_id).await {
            Ok(booking) => {
                // No stream open on this instance: nobody to tell.
                let _ = self.sender.send(Arc::new(LiveEvent::Booking {
                    kind: notice.kind,
                    team_id: notice.team_id,
                    booking: Box::new(booking),
                }));
            }
            Err(e) => {
                tracing::warn!(error = %e, booking_id = %notice.booking_id, "live bookings: cannot read a changed booking");
                let _ = self.sender.send(Arc::new(LiveEvent::Resync));
            }
        }
    }
}
