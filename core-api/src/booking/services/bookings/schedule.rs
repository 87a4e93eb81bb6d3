//! The dashboard's reads: one resource's free and busy time in a window, every resource's
//! bookings in a window, and who has each server now.

use crate::error::ErrorCode;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::BookingService;
use crate::{
    booking::{
        domain::team::Need,
        domain::{
            booking::{Busy, SyncedBooking},
            recurrence,
            schedule::{Availability, ResourceStatus, TimelineEntry},
        },
        services::resources::Policy,
    },
    error::{Error, Result},
    shared::services::auth::Caller,
};

impl BookingService {
    pub(crate) async fn availability(
        &self,
        caller: Caller,
        resource_id: Uuid,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Availability> {
        let resource = self
            .resources
            .get(resource_id)
            .await?
            .ok_or(Error::NotFound("resource"))?;
        self.teams
            .require(caller, resource.team_id, Need::Read, "resource")
            .await?;
        let now = self.clock.now();
        let booked = self.repo.active_in_window(&[resource_id], from, to).await?;
        let busy: Vec<Busy> = booked
            .iter()
            .map(|b| Busy {
                id: b.id,
                resource_id: b.resource_id,
                start_at: b.start_at,
                end_at: b.end_at,
                holder_name: b.user_name.clone(),
            })
            .collect();
        let policy = Policy(&resource);
        let free = free_slots(&policy, from.max(now), to, &busy);
        let verdict = if resource.is_active {
            policy.check(from, to, now, true).err()
        } else {
            Some(Error::rule(
                ErrorCode::ResourceInactive,
                "this resource is not taking bookings",
                json!({}),
            ))
        };
        let whole = free.len() == 1 && free[0] == (from, to);
        Ok(Availability {
            resource_id,
            from,
            to,
            available: whole && verdict.is_none(),
            policy_violation: verdict.map(|e| e.envelope()["error"].clone()),
            free,
            busy,
        })
    }

    /// Every active resource of the caller's teams with its bookings in the window.
    pub(crate) async fn timeline(
        &self,
        caller: Caller,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TimelineEntry>> {
        let resources = self.resources.list(caller.user_id, false).await?;
        let ids: Vec<Uuid> = resources.iter().map(|r| r.id).collect();
        let mut by_resource: HashMap<Uuid, Vec<SyncedBooking>> = HashMap::new();
        for row in self.repo.active_in_window(&ids, from, to).await? {
            by_resource
                .entry(row.resource_id)
                .or_default()
                .push(self.view(row));
        }
        Ok(resources
            .into_iter()
            .map(|r| TimelineEntry {
                bookings: by_resource.remove(&r.id).unwrap_or_default(),
                resource: r,
            })
            .collect())
    }

    /// Who has each of the caller's teams' servers now, and who is next.
    pub(crate) async fn status(&self, caller: Caller) -> Result<Vec<ResourceStatus>> {
        let now = self.clock.now();
        let resources = self.resources.list(caller.user_id, false).await?;
        let rows = self.repo.current_and_next(now).await?;
        Ok(resources
            .into_iter()
            .map(|r| {
                let mine = rows.iter().filter(|b| b.resource_id == r.id);
                let current = mine
                    .clone()
                    .find(|b| b.start_at <= now)
                    .cloned()
                    .map(|b| self.view(b));
                let next = mine
                    .clone()
                    .find(|b| b.start_at > now)
                    .cloned()
                    .map(|b| self.view(b));
                ResourceStatus {
                    resource: r,
                    current,
                    next,
                }
            })
            .collect())
    }
}

/// `[from, to)` minus the busy stretches, cut to the allowed hours of each local day.
pub(super) fn free_slots(
    policy: &Policy<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    busy: &[Busy],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut open = Vec::new();
    match policy.zone() {
        None => open.push((from, to)),
        Some(zone) => {
            let mut day = recurrence::to_local(zone, from).date();
            let last = recurrence::to_local(zone, to).date();
            while day <= last {
                if let Some((s, e)) = policy.allowed_window_on(zone, day) {
                    let (s, e) = (s.max(from), e.min(to));
                    if s < e {
                        open.push((s, e));
                    }
                }
                let Some(next) = day.succ_opt() else { break };
                day = next;
            }
        }
    }
    let mut free = Vec::new();
    for (mut s, e) in open {
        for b in busy {
            if b.end_at <= s || b.start_at >= e {
                continue;
            }
            if b.start_at > s {
                free.push((s, b.start_at));
            }
            s = s.max(b.end_at);
        }
        if s < e {
            free.push((s, e));
        }
    }
    free
}
