//! Bookings of shared servers: one-off and recurring, updates, cancellations, lists,
//! availability and the dashboard. Postgres decides overlaps (the EXCLUDE constraint);
//! this code turns its refusal into a 409 that names the booking in the way.

mod change;
mod create;
pub(crate) mod live;
mod schedule;
mod utilisation;

pub(crate) use utilisation::{TopUser, Utilisation, WeekUse, csv as utilisation_csv};

use crate::error::ErrorCode;
use std::{collections::HashMap, sync::Arc};

use holdfast_contract::clock::Clock;
use serde_json::json;
use uuid::Uuid;

use crate::{
    booking::{
        domain::team::{Need, TeamRole, allow},
        domain::{
            booking::{Booking, BookingFilter, Busy, SyncedBooking},
            resource::Resource,
        },
        services::{audit::entry, gcal::GoogleSync, teams::TeamService},
        storage::{
            bookings::BookingRepo,
            live::{ChangeKind, Notice},
            resources::ResourceRepo,
            tx::BookingTx,
        },
    },
    error::{Error, Result},
    shared::services::auth::Caller,
};

/// Most occurrences one recurring request may create.
const MAX_OCCURRENCES: usize = 200;

/// The 409 for a booking that overlaps others: `conflicts` names each booking in the way
/// (`conflictingBookingId` and `conflictingBookings` are the older shape, kept for clients).
fn conflict(busy: &[Busy]) -> Error {
    let first = busy.first().map(|b| b.id);
    let message = match busy.first() {
        Some(b) => format!(
            "{} already holds this resource from {} to {}",
            b.holder_name,
            b.start_at.format("%Y-%m-%d %H:%M UTC"),
            b.end_at.format("%Y-%m-%d %H:%M UTC")
        ),
        None => "another booking already holds this resource for part of that time".to_owned(),
    };
    Error::conflict(ErrorCode::BookingConflict, message).with_details(json!({
        "conflicts": busy.iter().map(|b| json!({
            "id": b.id, "resourceId": b.resource_id, "startsAt": b.start_at, "endsAt": b.end_at,
            "holderName": b.holder_name,
        })).collect::<Vec<_>>(),
        "conflictingBookingId": first,
        "conflictingBookings": busy.iter().map(|b| json!({
            "id": b.id, "startAt": b.start_at, "endAt": b.end_at,
        })).collect::<Vec<_>>(),
    }))
}

#[derive(Clone)]
pub(crate) struct BookingService {
    repo: BookingRepo,
    resources: ResourceRepo,
    teams: TeamService,
    sync: Option<GoogleSync>,
    clock: Arc<dyn Clock>,
}

impl BookingService {
    pub(crate) fn new(
        (repo, resources, teams): (BookingRepo, ResourceRepo, TeamService),
        sync: Option<GoogleSync>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        BookingService {
            repo,
            resources,
            teams,
            sync,
            clock,
        }
    }

    fn view(&self, b: Booking) -> SyncedBooking {
        // Nothing left in the outbox: the team's calendar (if it has one) matches the booking.
        let synced = self.sync.is_some() && !b.sync_pending;
        SyncedBooking {
            booking: b,
            calendar_synced: synced,
        }
    }

    async fn fetch(&self, id: Uuid) -> Result<SyncedBooking> {
        let row = self.repo.get(id).await?.ok_or(Error::NotFound("booking"))?;
        Ok(self.view(row))
    }

    /// A booking of one of the caller's teams' servers; 404 for anyone outside the team.
    pub(crate) async fn get(&self, caller: Caller, id: Uuid) -> Result<SyncedBooking> {
        let booking = self.fetch(id).await?;
        self.teams
            .require(caller, booking.booking.team_id, Need::Read, "booking")
            .await?;
        Ok(booking)
    }

    /// The caller's teams' bookings matching `filter` (its limit and window checked by the
    /// caller), in time order.
    pub(crate) async fn list(
        &self,
        caller: Caller,
        mut filter: BookingFilter,
    ) -> Result<Vec<SyncedBooking>> {
        filter.viewer = Some(caller.user_id);
        Ok(self
            .repo
            .list(&filter)
            .await?
            .into_iter()
            .map(|r| self.view(r))
            .collect())
    }

    /// The resource a booking goes on, locked against other booking writes on it (and against
    /// deactivation) for the transaction; 404 outside its team, 403 for viewers, 422 inactive.
    async fn bookable(&self, tx: &BookingTx, caller: Caller, id: Uuid) -> Result<Resource> {
        let resource = tx
            .lock_resource_for_booking(id)
            .await?
            .ok_or(Error::NotFound("resource"))?;
        let role = tx.team_role(resource.team_id, caller.user_id).await?;
        allow(caller.is_admin(), role, Need::Book, "resource")?;
        if !resource.is_active {
            return Err(Error::rule(
                ErrorCode::ResourceInactive,
                "this resource is not taking bookings",
                json!({ "resourceId": id }),
            ));
        }
        Ok(resource)
    }

    /// Audit entries (with before-snapshots given by id) and outbox rows for written bookings.
    /// `pushed_now`: the caller pushes these itself right after its commit (`push_now`).
    async fn after_write(
        &self,
        tx: &BookingTx,
        caller: Caller,
        (action, ids): (&str, &[Uuid]),
        mut before: HashMap<Uuid, Booking>,
        pushed_now: bool,
    ) -> Result<()> {
        for id in ids {
            let after = tx.booking(*id).await?;
            if let (Some(kind), Some(row)) = (ChangeKind::of_action(action), &after) {
                let notice = Notice {
                    kind,
                    booking_id: *id,
                    team_id: row.team_id,
                };
                tx.notify(&notice).await?;
                tx.enqueue_notifications(&notice, row.sequence).await?;
            }
            let before = before.remove(id);
            tx.audit(entry(caller, action, *id, before.as_ref(), after.as_ref()))
                .await?;
        }
        if let Some(sync) = &self.sync {
            // A single booking's row starts leased to this request, which pushes it right
            // after its commit (`push_now`): the outbox worker takes it only if that push
            // never happens or fails. (Before, the worker could take the fresh row first and
            // the answer said `calendarSynced: false` while the push was under way.)
            let leased = pushed_now.then(|| sync.lease_secs());
            tx.enqueue_push(ids, leased).await?;
        }
        Ok(())
    }

    /// After a commit: try the calendar push right away (bounded), so the answer can say
    /// `calendarSynced: true`; the outbox worker retries whatever this does not finish.
    async fn push_now(&self, id: Uuid) {
        if let Some(sync) = &self.sync {
            sync.push_now(id).await;
        }
    }

    /// Wakes the calendar push worker after a commit that wrote several bookings.
    fn kick(&self) {
        if let Some(sync) = &self.sync {
            sync.kick();
        }
    }

    /// The booking, row-locked, if the caller may change it: its holder, the team's owners
    /// and admins. Outside the team, 404.
    async fn owned(&self, tx: &BookingTx, caller: Caller, id: Uuid) -> Result<Booking> {
        let row = tx
            .lock_booking(id)
            .await?
            .ok_or(Error::NotFound("booking"))?;
        may_change(tx, caller, (row.user_id, row.team_id), "booking").await?;
        Ok(row)
    }
}

/// Whether the caller may change or cancel what `holder` made on a server of `team_id`.
async fn may_change(
    tx: &BookingTx,
    caller: Caller,
    (holder, team_id): (Uuid, Uuid),
    what: &'static str,
) -> Result<()> {
    if caller.is_admin() {
        return Ok(());
    }
    match tx.team_role(team_id, caller.user_id).await? {
        None => Err(Error::NotFound(what)),
        Some(_) if holder == caller.user_id => Ok(()),
        Some(TeamRole::Owner) => Ok(()),
        Some(_) => Err(Error::Forbidden("this booking belongs to someone else")),
    }
}
