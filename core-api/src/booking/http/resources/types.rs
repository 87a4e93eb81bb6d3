//! Request and response bodies of `/resources`: a resource with its booking policy, and the
//! checks that turn a request into the fields an admin may set.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    booking::domain::{
        recurrence::Zone,
        resource::{self, MAX_BOOKING_DAYS, Resource, ResourceFields, parse_hhmm},
    },
    error::{Error, Result},
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRequest {
    /// The team that owns the server (required to create one; on update, moves it).
    pub team_id: Option<Uuid>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Free-form size of the server (GPUs, slots); informational.
    pub capacity: Option<i32>,
    /// Inactive resources stay listed for admins but take no new bookings.
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub policy: PolicyInput,
}

fn yes() -> bool {
    true
}

/// Booking rules; an absent field means "no limit".
#[derive(Debug, Default, Deserialize, Serialize, ToSchema, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyInput {
    pub max_duration_minutes: Option<i32>,
    /// How far ahead a booking may start.
    pub max_advance_days: Option<i32>,
    /// How soon before its start a booking may be made.
    pub min_notice_minutes: Option<i32>,
    pub allowed_hours: Option<AllowedHours>,
}

/// Bookings must start and end inside this daily window, in its time zone.
#[derive(Debug, Deserialize, Serialize, ToSchema, Clone, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AllowedHours {
    /// "HH:MM"
    pub start: String,
    /// "HH:MM", later than start; "24:00" is the end of the day.
    pub end: String,
    /// IANA name ("Asia/Seoul") or offset ("+09:00").
    pub time_zone: String,
}

impl From<resource::AllowedHours> for AllowedHours {
    fn from(h: resource::AllowedHours) -> Self {
        AllowedHours {
            start: h.start,
            end: h.end,
            time_zone: h.time_zone,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceView {
    pub(crate) id: Uuid,
    pub(crate) team_id: Uuid,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) capacity: Option<i32>,
    pub(crate) is_active: bool,
    pub(crate) policy: PolicyInput,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl From<Resource> for ResourceView {
    fn from(r: Resource) -> Self {
        let allowed_hours = r.allowed_hours().map(Into::into);
        ResourceView {
            id: r.id,
            team_id: r.team_id,
            name: r.name,
            description: r.description,
            capacity: r.capacity,
            is_active: r.is_active,
            policy: PolicyInput {
                max_duration_minutes: r.max_duration_minutes,
                max_advance_days: r.max_advance_days,
                min_notice_minutes: r.min_notice_minutes,
                allowed_hours,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl ResourceRequest {
    /// The team a new resource goes to; 400 on `teamId` when absent.
    pub fn required_team(&self) -> Result<Uuid> {
        self.team_id
            .ok_or_else(|| Error::validation("teamId", "choose the team that owns this server"))
    }

    /// The fields an owner sets, checked: 400 names the first field out of range.
    pub fn fields(self) -> Result<ResourceFields> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation("name", "must be 1 to 100 characters"));
        }
        if self.description.chars().count() > 2000 {
            return Err(Error::validation(
                "description",
                "must be at most 2000 characters",
            ));
        }
        if self.capacity.is_some_and(|c| !(1..=1_000_000).contains(&c)) {
            return Err(Error::validation("capacity", "must be 1 to 1,000,000"));
        }
        let p = self.policy;
        let max_minutes = (MAX_BOOKING_DAYS * 24 * 60) as i32;
        if p.max_duration_minutes
            .is_some_and(|m| !(1..=max_minutes).contains(&m))
        {
            return Err(Error::validation(
                "policy.maxDurationMinutes",
                format!("must be 1 to {max_minutes}"),
            ));
        }
        if p.max_advance_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(Error::validation(
                "policy.maxAdvanceDays",
                "must be 1 to 3650",
            ));
        }
        if p.min_notice_minutes
            .is_some_and(|m| !(0..=525_600).contains(&m))
        {
            return Err(Error::validation(
                "policy.minNoticeMinutes",
                "must be 0 to 525600",
            ));
        }
        let (allowed_start, allowed_end, zone) = match &p.allowed_hours {
            None => (None, None, "UTC".to_owned()),
            Some(h) => {
                let start = parse_hhmm("policy.allowedHours.start", &h.start)?;
                let end = parse_hhmm("policy.allowedHours.end", &h.end)?;
                if start >= 1440 || end <= start {
                    return Err(Error::validation(
                        "policy.allowedHours",
                        "end must be later than start on the same day",
                    ));
                }
                Zone::parse(&h.time_zone)
                    .map_err(|e| Error::validation("policy.allowedHours.timeZone", e.reason))?;
                (Some(start), Some(end), h.time_zone.clone())
            }
        };
        Ok(ResourceFields {
            name,
            description: self.description,
            capacity: self.capacity,
            is_active: self.is_active,
            max_duration_minutes: p.max_duration_minutes,
            max_advance_days: p.max_advance_days,
            min_notice_minutes: p.min_notice_minutes,
            allowed_start_minute: allowed_start,
            allowed_end_minute: allowed_end,
            policy_time_zone: zone,
        })
    }
}
