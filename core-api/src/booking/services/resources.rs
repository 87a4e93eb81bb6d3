//! Shared servers (resources): admin CRUD and the booking policy each one carries.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::storage::StoreError;
use crate::{
    booking::{
        domain::recurrence::{self, Zone},
        storage::{
            bookings,
            resources::{Lock, ResourceFields, ResourceRepo, ResourceRow},
        },
    },
    error::{Error, ErrorCode, Result},
    shared::{
        services::auth::Caller,
        storage::audit::{self, Entry},
    },
};

/// Longest booking any policy may allow, and the default when a resource sets none.
pub const MAX_BOOKING_DAYS: i64 = 31;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRequest {
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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub capacity: Option<i32>,
    pub is_active: bool,
    pub policy: PolicyInput,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ResourceRow> for ResourceView {
    fn from(r: ResourceRow) -> Self {
        let allowed_hours = match (r.allowed_start_minute, r.allowed_end_minute) {
            (Some(start), Some(end)) => Some(AllowedHours {
                start: hhmm(start),
                end: hhmm(end),
                time_zone: r.policy_time_zone.clone(),
            }),
            _ => None,
        };
        ResourceView {
            id: r.id,
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

fn hhmm(minute: i32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn parse_hhmm(field: &str, value: &str) -> Result<i32> {
    if value == "24:00" {
        return Ok(1440);
    }
    NaiveTime::parse_from_str(value, "%H:%M")
        .map(|t| {
            use chrono::Timelike;
            (t.hour() * 60 + t.minute()) as i32
        })
        .map_err(|_| Error::validation(field, "must be HH:MM (00:00 to 24:00)"))
}

impl ResourceRequest {
    fn fields(self) -> Result<ResourceFields> {
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

/// A resource's booking rules, checked for every booking and every occurrence of a series.
pub struct Policy<'a>(pub &'a ResourceRow);

impl Policy<'_> {
    fn refuse(&self, rule: &str, message: String, limit: serde_json::Value) -> Error {
        Error::rule(
            ErrorCode::BookingPolicyViolated,
            message,
            json!({ "rule": rule, "limit": limit, "resourceId": self.0.id }),
        )
    }

    /// Checks `[start, end)` as of `now`. `new_start` is false when an update keeps the
    /// start it had (a running booking may still be extended or renamed).
    pub fn check(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        now: DateTime<Utc>,
        new_start: bool,
    ) -> Result<()> {
        let r = self.0;
        let minutes = (end - start).num_minutes();
        let max = r
            .max_duration_minutes
            .map_or(MAX_BOOKING_DAYS * 24 * 60, i64::from);
        if (end - start) > Duration::minutes(max) {
            return Err(self.refuse(
                "maxDuration",
                format!(
                    "a booking of this resource may last at most {max} minutes (asked {minutes})"
                ),
                json!(max),
            ));
        }
        let notice = r.min_notice_minutes.unwrap_or(0);
        if new_start && start < now + Duration::minutes(notice.into()) {
            let message = if notice == 0 {
                "a booking cannot start in the past".to_owned()
            } else {
                format!("bookings of this resource must be made at least {notice} minutes ahead")
            };
            return Err(self.refuse("minNotice", message, json!(notice)));
        }
        if let Some(days) = r.max_advance_days
            && start > now + Duration::days(days.into())
        {
            return Err(self.refuse(
                "maxAdvance",
                format!("bookings of this resource may start at most {days} days ahead"),
                json!(days),
            ));
        }
        if let Some((from, to)) = self.allowed_window_of(start)
            && (start < from || end > to)
        {
            let hours = ResourceView::from(r.clone()).policy.allowed_hours;
            return Err(self.refuse(
                "allowedHours",
                "this resource can only be booked inside its allowed hours, within one day"
                    .to_owned(),
                json!(hours),
            ));
        }
        Ok(())
    }

    /// The allowed-hours window of the local day `at` falls on, as instants.
    pub fn allowed_window_of(&self, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let zone = self.zone()?;
        let day = recurrence::to_local(zone, at).date();
        self.allowed_window_on(zone, day)
    }

    /// The allowed-hours window on one local date.
    pub fn allowed_window_on(
        &self,
        zone: Zone,
        day: chrono::NaiveDate,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (start, end) = (self.0.allowed_start_minute?, self.0.allowed_end_minute?);
        let midnight = day.and_time(NaiveTime::MIN);
        let at = |m: i32| recurrence::to_instant(zone, midnight + Duration::minutes(m.into()));
        Some((at(start), at(end)))
    }

    /// The policy's zone when it has allowed hours.
    pub fn zone(&self) -> Option<Zone> {
        self.0.allowed_start_minute?;
        Zone::parse(&self.0.policy_time_zone).ok()
    }
}

#[derive(Clone)]
pub struct ResourceService {
    db: DatabaseConnection,
    repo: ResourceRepo,
}

impl ResourceService {
    pub fn new(db: DatabaseConnection) -> Self {
        ResourceService {
            repo: ResourceRepo::new(db.clone()),
            db,
        }
    }

    pub fn repo(&self) -> &ResourceRepo {
        &self.repo
    }

    pub async fn list(&self, include_inactive: bool) -> Result<Vec<ResourceView>> {
        Ok(self
            .repo
            .list(include_inactive)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn get(&self, id: Uuid) -> Result<ResourceRow> {
        self.repo.get(id).await?.ok_or(Error::NotFound("resource"))
    }

    pub async fn create(&self, caller: Caller, req: ResourceRequest) -> Result<ResourceView> {
        let fields = req.fields()?;
        let txn = self.db.begin().await?;
        let row = self
            .repo
            .insert(&txn, Uuid::now_v7(), &fields)
            .await
            .map_err(name_taken)?;
        audit::record(
            &txn,
            entry(caller, "resource.create", row.id, None, Some(&row)),
        )
        .await?;
        txn.commit().await?;
        Ok(row.into())
    }

    pub async fn update(
        &self,
        caller: Caller,
        id: Uuid,
        req: ResourceRequest,
    ) -> Result<ResourceView> {
        let fields = req.fields()?;
        let txn = self.db.begin().await?;
        let before = self.locked(&txn, id).await?;
        let row = self
            .repo
            .update(&txn, id, &fields)
            .await
            .map_err(name_taken)?
            .ok_or(Error::NotFound("resource"))?;
        audit::record(
            &txn,
            entry(caller, "resource.update", id, Some(&before), Some(&row)),
        )
        .await?;
        txn.commit().await?;
        Ok(row.into())
    }

    /// The resource, locked against bookings for the rest of the transaction.
    async fn locked(&self, txn: &DatabaseTransaction, id: Uuid) -> Result<ResourceRow> {
        self.repo
            .get_on(txn, id, Lock::Update)
            .await?
            .ok_or(Error::NotFound("resource"))
    }

    /// Removes a resource that has nothing booked ahead; otherwise 409 (deactivate it, or
    /// cancel those bookings, first).
    pub async fn delete(&self, caller: Caller, id: Uuid) -> Result<ResourceView> {
        let txn = self.db.begin().await?;
        let before = self.locked(&txn, id).await?;
        if bookings::has_upcoming(&txn, id, Utc::now()).await? {
            return Err(Error::conflict(
                ErrorCode::ResourceHasBookings,
                "this resource has active bookings that have not ended; cancel them or deactivate the resource",
            ));
        }
        if !self.repo.delete(&txn, id).await? {
            return Err(Error::NotFound("resource"));
        }
        audit::record(
            &txn,
            entry(caller, "resource.delete", id, Some(&before), None),
        )
        .await?;
        txn.commit().await?;
        Ok(before.into())
    }
}

fn name_taken(e: StoreError) -> Error {
    if e.constraint() == Some("resources_name_key") {
        Error::conflict(
            ErrorCode::ResourceNameTaken,
            "another resource already has this name",
        )
    } else {
        e.into()
    }
}

/// An audit entry with row snapshots.
pub(crate) fn entry<'a, T: Serialize>(
    caller: Caller,
    action: &'a str,
    id: Uuid,
    before: Option<&T>,
    after: Option<&T>,
) -> Entry<'a> {
    let snap = |v: Option<&T>| v.and_then(|v| serde_json::to_value(v).ok());
    Entry {
        actor_id: caller.user_id,
        action,
        entity_type: action.split('.').next().unwrap_or(action),
        entity_id: id,
        before: snap(before),
        after: snap(after),
    }
}
