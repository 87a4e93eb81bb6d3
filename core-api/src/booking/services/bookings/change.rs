//! Changing bookings: moving or renaming one, cancelling one, cancelling what is left of a
//! series. Only the owner or an admin may; ended and cancelled bookings stay as they were.

use crate::error::ErrorCode;
use std::collections::HashMap;

use serde_json::json;
use uuid::Uuid;

use super::{BookingService, conflict};
use crate::{
    booking::{
        domain::booking::{
            BookingChanges, BookingFilter, SeriesCancelled, SyncedBooking, check_span, check_text,
        },
        services::resources::Policy,
        storage::bookings::NO_OVERLAP,
    },
    error::{Error, Result},
    shared::{services::auth::Caller, storage::audit},
};

impl BookingService {
    pub(crate) async fn update(
        &self,
        caller: Caller,
        id: Uuid,
        req: BookingChanges,
    ) -> Result<SyncedBooking> {
        let tx = self.repo.begin().await?;
        let before = self.owned(&tx, caller, id).await?;
        if !before.is_active() {
            return Err(Error::conflict(
                ErrorCode::BookingCancelled,
                "a cancelled booking cannot be changed",
            ));
        }
        let now = self.clock.now();
        if before.end_at <= now {
            return Err(Error::conflict(
                ErrorCode::BookingEnded,
                "a booking that has ended cannot be changed",
            ));
        }
        let title = req
            .title
            .as_deref()
            .map_or(before.title.as_str(), str::trim);
        let description = req.description.as_deref().unwrap_or(&before.description);
        let start = req.start.unwrap_or(before.start_at);
        let end = req.end.unwrap_or(before.end_at);
        check_text(title, description)?;
        check_span(start, end)?;
        let times_changed = start != before.start_at || end != before.end_at;
        if !times_changed && title == before.title && description == before.description {
            drop(tx);
            return Ok(self.view(before));
        }
        if times_changed {
            let resource = self.bookable(&tx, caller, before.resource_id).await?;
            Policy(&resource).check(start, end, now, start != before.start_at)?;
        }
        match tx
            .update_booking(id, title, description, (start, end))
            .await
        {
            Ok(_) => {}
            Err(e) if e.constraint() == Some(NO_OVERLAP) => {
                let busy = tx
                    .overlapping(before.resource_id, start, end, Some(id))
                    .await?;
                return Err(conflict(&busy));
            }
            Err(e) => return Err(e.into()),
        }
        self.after_write(
            &tx,
            caller,
            ("booking.update", &[id]),
            HashMap::from([(id, before)]),
            true,
        )
        .await?;
        tx.commit().await?;
        self.push_now(id).await;
        self.fetch(id).await
    }

    /// Cancels one booking (one occurrence of a series, too). Cancelling twice is a no-op.
    pub(crate) async fn cancel(&self, caller: Caller, id: Uuid) -> Result<SyncedBooking> {
        let tx = self.repo.begin().await?;
        let before = self.owned(&tx, caller, id).await?;
        if !before.is_active() {
            drop(tx);
            return Ok(self.view(before));
        }
        tx.cancel(&[id]).await?;
        self.after_write(
            &tx,
            caller,
            ("booking.cancel", &[id]),
            HashMap::from([(id, before)]),
            true,
        )
        .await?;
        tx.commit().await?;
        self.push_now(id).await;
        self.fetch(id).await
    }

    /// Cancels every occurrence of a series that has not ended.
    pub(crate) async fn cancel_series(
        &self,
        caller: Caller,
        series_id: Uuid,
    ) -> Result<SeriesCancelled> {
        let tx = self.repo.begin().await?;
        let owner = tx
            .series_owner(series_id)
            .await?
            .ok_or(Error::NotFound("series"))?;
        super::may_change(&tx, caller, owner, "series").await?;
        let upcoming = tx.series_upcoming(series_id, self.clock.now()).await?;
        let mut before = HashMap::new();
        for id in &upcoming {
            if let Some(row) = tx.booking(*id).await? {
                before.insert(*id, row);
            }
        }
        let cancelled = tx.cancel(&upcoming).await?;
        tx.audit(audit::Entry {
            actor_id: caller.user_id,
            action: "series.cancel",
            entity_type: "series",
            entity_id: series_id,
            before: None,
            after: Some(json!({ "cancelled": cancelled })),
        })
        .await?;
        self.after_write(&tx, caller, ("booking.cancel", &cancelled), before, false)
            .await?;
        tx.commit().await?;
        self.kick();
        let rows = self
            .repo
            .list(&BookingFilter {
                series_id: Some(series_id),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        Ok(SeriesCancelled {
            series_id,
            cancelled: rows
                .into_iter()
                .filter(|r| cancelled.contains(&r.id))
                .map(|r| self.view(r))
                .collect(),
        })
    }
}
