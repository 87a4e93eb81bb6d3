//! Live booking changes for this instance's stream clients: one Postgres listener per
//! instance hears every committed change (made on any instance), reads the booking once and
//! fans it out through a broadcast channel; each stream keeps what its caller may see.

use std::{sync::Arc, time::Duration};

use sea_orm::DatabaseConnection;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use super::BookingService;
use crate::booking::{
    domain::booking::SyncedBooking,
    storage::live::{ChangeKind, Notice, listener},
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
    db: DatabaseConnection,
    bookings: BookingService,
}

impl LiveBookings {
    pub(crate) fn new(db: DatabaseConnection, bookings: BookingService) -> Self {
        LiveBookings {
            sender: broadcast::channel(BACKLOG).0,
            db,
            bookings,
        }
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
        let mut listener = match listener(&self.db).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, "live bookings: cannot listen; retrying");
                return;
            }
        };
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => self.announce(notification.payload()).await,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "live bookings: listener failed; reconnecting");
                    return;
                }
            }
        }
    }

    async fn announce(&self, payload: &str) {
        let Ok(notice) = serde_json::from_str::<Notice>(payload) else {
            return;
        };
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
