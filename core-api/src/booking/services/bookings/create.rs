//! Making bookings: one window, or every occurrence of a series, each checked against the
//! resource's policy and placed under a savepoint so one conflict can be skipped.

use crate::error::ErrorCode;
use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{BookingService, MAX_OCCURRENCES, conflict};
use crate::{
    booking::{
        domain::{
            booking::{
                BookingFilter, BookingRequest, Busy, Created, Recurrence, Series, SkippedOccurrence,
            },
            recurrence::{self, Occurrence},
        },
        services::resources::Policy,
        storage::{
            bookings::{NO_OVERLAP, NewBooking},
            tx::BookingTx,
        },
    },
    error::{Error, Result},
    shared::{services::auth::Caller, storage::audit},
};

/// What inserting one occurrence came to.
enum Placed {
    Booked,
    Blocked(Vec<Busy>),
}

impl BookingService {
    /// Inserts one booking under a savepoint, so a conflict leaves the transaction usable.
    async fn place(&self, tx: &BookingTx, b: &NewBooking<'_>) -> Result<Placed> {
        // A conflicting booking cancelled between our insert and our look-up leaves nothing
        // to name; the slot is then free, so try again (bounded).
        for _ in 0..3 {
            match tx.insert_booking(b).await {
                Ok(()) => return Ok(Placed::Booked),
                Err(e) if e.constraint() == Some(NO_OVERLAP) => {
                    let busy = tx
                        .overlapping(b.resource_id, b.start_at, b.end_at, None)
                        .await?;
                    if !busy.is_empty() {
                        return Ok(Placed::Blocked(busy));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::conflict(
            ErrorCode::BookingConflict,
            "this time is changing hands right now; please retry",
        ))
    }

    /// Books one window, or every occurrence of a series.
    pub(crate) async fn create(&self, caller: Caller, req: BookingRequest) -> Result<Created> {
        let (start, end) = (req.start, req.end);
        let occurrences = match &req.recurrence {
            None => None,
            Some(r) => Some(expand(r, start, end)?),
        };
        let now = self.clock.now();
        let title = req.title.trim();
        let tx = self.repo.begin().await?;
        let resource = self.bookable(&tx, caller, req.resource_id).await?;
        let policy = Policy(&resource);
        let (Some(occurrences), Some(recurrence)) = (occurrences, &req.recurrence) else {
            policy.check(start.to_utc(), end, now, true)?;
            let id = Uuid::now_v7();
            let b = NewBooking {
                id,
                resource_id: resource.id,
                user_id: caller.user_id,
                series_id: None,
                title,
                description: &req.description,
                start_at: start.to_utc(),
                end_at: end,
            };
            if let Placed::Blocked(busy) = self.place(&tx, &b).await? {
                return Err(conflict(&busy));
            }
            self.after_write(&tx, caller, ("booking.create", &[id]), HashMap::new(), true)
                .await?;
            tx.commit().await?;
            self.push_now(id).await;
            return Ok(Created::One(self.fetch(id).await?));
        };
        for (i, (s, e)) in occurrences.iter().enumerate() {
            policy.check(*s, *e, now, true).map_err(|err| {
                let details = match &err {
                    Error::Rule { details, .. } => {
                        let mut d = details.clone();
                        d["occurrence"] = json!(i);
                        d["occurrenceStartAt"] = json!(s);
                        d
                    }
                    _ => json!({}),
                };
                err.with_details(details)
            })?;
        }
        let series_id = Uuid::now_v7();
        let rule_text = recurrence.rule.to_string();
        let zone_name = recurrence.zone_name.clone();
        tx.insert_series(
            series_id,
            resource.id,
            caller.user_id,
            &rule_text,
            &zone_name,
        )
        .await?;
        let mut booked = Vec::new();
        let mut skipped = Vec::new();
        for (s, e) in occurrences {
            let id = Uuid::now_v7();
            let b = NewBooking {
                id,
                resource_id: resource.id,
                user_id: caller.user_id,
                series_id: Some(series_id),
                title,
                description: &req.description,
                start_at: s,
                end_at: e,
            };
            match self.place(&tx, &b).await? {
                Placed::Booked => booked.push(id),
                Placed::Blocked(busy) if req.skip_conflicts => skipped.push(SkippedOccurrence {
                    start_at: s,
                    end_at: e,
                    conflicting_booking_ids: busy.iter().map(|b| b.id).collect(),
                }),
                Placed::Blocked(busy) => {
                    let mut err = conflict(&busy);
                    if let Error::Conflict { details, .. } = &mut err {
                        details["occurrenceStartAt"] = json!(s);
                    }
                    return Err(err);
                }
            }
        }
        if booked.is_empty() {
            return Err(Error::conflict(
                ErrorCode::BookingConflict,
                "every occurrence of this series conflicts with other bookings; nothing was booked",
            )
            .with_details(json!({ "skipped": skipped })));
        }
        let series_note = json!({ "seriesId": series_id, "rule": rule_text, "timeZone": zone_name,
            "booked": booked.len(), "skipped": skipped.len() });
        tx.audit(audit::Entry {
            actor_id: caller.user_id,
            action: "series.create",
            entity_type: "series",
            entity_id: series_id,
            before: None,
            after: Some(series_note),
        })
        .await?;
        self.after_write(
            &tx,
            caller,
            ("booking.create", &booked),
            HashMap::new(),
            false,
        )
        .await?;
        tx.commit().await?;
        self.kick();
        let rows = self
            .repo
            .list(&BookingFilter {
                series_id: Some(series_id),
                limit: MAX_OCCURRENCES as u64,
                ..Default::default()
            })
            .await?;
        Ok(Created::Series(Series {
            series_id,
            rule: rule_text,
            time_zone: zone_name,
            bookings: rows.into_iter().map(|r| self.view(r)).collect(),
            skipped,
        }))
    }
}

/// The windows of a recurring request, refused when there are too many or they overlap.
fn expand(
    r: &Recurrence,
    start: DateTime<FixedOffset>,
    end: DateTime<Utc>,
) -> Result<Vec<Occurrence>> {
    let windows = recurrence::expand(
        &r.rule,
        start.to_utc(),
        end - start.to_utc(),
        r.zone,
        MAX_OCCURRENCES,
    )
    .map_err(|e| Error::validation("recurrence.rule", e.to_string()))?;
    if windows.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err(Error::validation(
            "recurrence.rule",
            "occurrences of this series would overlap each other; shorten the booking or space them out",
        ));
    }
    Ok(windows)
}
