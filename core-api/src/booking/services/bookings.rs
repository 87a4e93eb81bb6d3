//! Bookings of shared servers: one-off and recurring, updates, cancellations, lists,
//! availability and the dashboard. Postgres decides overlaps (the EXCLUDE constraint);
//! this code turns its refusal into a 409 that names the booking in the way.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::booking::services::{
    gcal::GoogleSync,
    resources::{Policy, ResourceView, entry},
};
use crate::storage::StoreError;
use crate::{
    booking::{
        domain::recurrence::{self, Occurrence, Rule, Zone},
        storage::{
            bookings::{
                self, BookingFilter, BookingRepo, BookingRow, Busy, NO_OVERLAP, NewBooking,
            },
            calendar,
            resources::{Lock, ResourceRepo, ResourceRow},
        },
    },
    error::{Error, ErrorCode, Result},
    shared::{services::auth::Caller, storage::audit},
};

/// Most occurrences one recurring request may create.
pub const MAX_OCCURRENCES: usize = 200;
/// Widest window a list, timeline or availability query may span.
pub const MAX_WINDOW_DAYS: i64 = 92;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBookingRequest {
    pub resource_id: Uuid,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339 with an offset, e.g. "2026-12-01T09:00:00+09:00".
    pub start_at: String,
    pub end_at: String,
    /// Makes this the first occurrence of a series.
    pub recurrence: Option<RecurrenceInput>,
    /// With `recurrence`: book the free occurrences and report the others, instead of
    /// refusing the whole series when one occurrence conflicts.
    #[serde(default)]
    pub skip_conflicts: bool,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurrenceInput {
    /// RRULE subset: FREQ=DAILY|WEEKLY, INTERVAL, COUNT or UNTIL, BYDAY (e.g.
    /// "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8").
    pub rule: String,
    /// The zone whose wall-clock time the series keeps (IANA name). Default: the fixed
    /// offset `startAt` was given in.
    pub time_zone: Option<String>,
}

/// Fields to change; absent ones keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateBookingRequest {
    pub title: Option<String>,
    pub description: Option<String>,
    pub start_at: Option<String>,
    pub end_at: Option<String>,
}

/// A booking: its row plus whether its calendar event is in step.
#[derive(Debug, Serialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    #[serde(flatten)]
    pub booking: BookingRow,
    /// The Google Calendar event is in step with this booking. False while a push is
    /// pending (the outbox retries it) and whenever calendar push is not configured.
    pub calendar_synced: bool,
}

/// A recurring request's answer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeriesView {
    pub series_id: Uuid,
    pub rule: String,
    pub time_zone: String,
    pub bookings: Vec<BookingView>,
    /// Occurrences not booked because another booking holds their time (skipConflicts).
    pub skipped: Vec<SkippedOccurrence>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkippedOccurrence {
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
    pub conflicting_booking_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeriesCancelView {
    pub series_id: Uuid,
    /// The occurrences this call cancelled (ended ones stay as they were).
    pub cancelled: Vec<BookingView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BusySlot {
    pub booking_id: Uuid,
    pub start_at: DateTime<Utc>,
    pub end_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityView {
    pub resource_id: Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The whole window could be booked right now (free, and the policy allows it).
    pub available: bool,
    /// Why not, when the policy refuses the whole window.
    pub policy_violation: Option<serde_json::Value>,
    /// Free stretches inside the window: not booked, not in the past, inside allowed hours.
    pub free: Vec<Slot>,
    pub busy: Vec<BusySlot>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineRow {
    pub resource: ResourceView,
    pub bookings: Vec<BookingView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusRow {
    pub resource: ResourceView,
    /// The booking running now, if any.
    pub current: Option<BookingView>,
    pub next: Option<BookingView>,
}

/// The 409 for a booking that overlaps others.
fn conflict(busy: &[Busy]) -> Error {
    let first = busy.first().map(|b| b.id);
    Error::conflict(
        ErrorCode::BookingConflict,
        "another booking already holds this resource for part of that time",
    )
    .with_details(json!({
        "conflictingBookingId": first,
        "conflictingBookings": busy.iter().map(|b| json!({
            "id": b.id, "startAt": b.start_at, "endAt": b.end_at,
        })).collect::<Vec<_>>(),
    }))
}

/// An RFC 3339 instant with its offset; whole seconds only.
pub(crate) fn parse_instant(field: &str, value: &str) -> Result<DateTime<FixedOffset>> {
    let value = value.trim();
    // An unencoded "+09:00" in a query string arrives as " 09:00"; read it as meant.
    let parsed = DateTime::parse_from_rfc3339(value)
        .or_else(|e| DateTime::parse_from_rfc3339(&value.replace(' ', "+")).map_err(|_| e));
    let at = parsed.map_err(|_| {
        Error::validation(
            field,
            "must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T09:00:00+09:00",
        )
    })?;
    if at.timestamp_subsec_nanos() != 0 {
        return Err(Error::validation(field, "must be a whole second"));
    }
    Ok(at)
}

/// `[from, to)` from query strings, at most MAX_WINDOW_DAYS wide.
pub(crate) fn parse_window(from: &str, to: &str) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let from = parse_instant("from", from)?.to_utc();
    let to = parse_instant("to", to)?.to_utc();
    if to <= from {
        return Err(Error::validation("to", "must be after from"));
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(Error::validation(
            "to",
            format!("the window may span at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok((from, to))
}

fn check_text(title: &str, description: &str) -> Result<()> {
    let n = title.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(Error::validation("title", "must be 1 to 200 characters"));
    }
    if description.chars().count() > 2000 {
        return Err(Error::validation(
            "description",
            "must be at most 2000 characters",
        ));
    }
    if title
        .chars()
        .chain(description.chars())
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::validation(
            "title",
            "must not contain control characters",
        ));
    }
    Ok(())
}

fn check_span(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<()> {
    if end <= start {
        return Err(Error::validation("endAt", "must be after startAt"));
    }
    Ok(())
}

fn is_overlap(e: &StoreError) -> bool {
    e.constraint() == Some(NO_OVERLAP)
}

/// What inserting one occurrence came to.
enum Placed {
    Booked,
    Blocked(Vec<Busy>),
}

#[derive(Clone)]
pub struct BookingService {
    db: DatabaseConnection,
    repo: BookingRepo,
    resources: ResourceRepo,
    sync: Option<GoogleSync>,
}

impl BookingService {
    pub fn new(db: DatabaseConnection, sync: Option<GoogleSync>) -> Self {
        BookingService {
            repo: BookingRepo::new(db.clone()),
            resources: ResourceRepo::new(db.clone()),
            db,
            sync,
        }
    }

    pub fn view(&self, b: BookingRow) -> BookingView {
        let synced = self.sync.is_some()
            && !b.sync_pending
            && (b.status == "cancelled" || b.google_event_id.is_some());
        BookingView {
            booking: b,
            calendar_synced: synced,
        }
    }

    async fn fetch(&self, id: Uuid) -> Result<BookingView> {
        let row = self.repo.get(id).await?.ok_or(Error::NotFound("booking"))?;
        Ok(self.view(row))
    }

    pub async fn get(&self, id: Uuid) -> Result<BookingView> {
        self.fetch(id).await
    }

    /// The resource a booking goes on, locked against other booking writes on it (and against
    /// deactivation) for the transaction; 404 / 422.
    async fn bookable(&self, txn: &DatabaseTransaction, id: Uuid) -> Result<ResourceRow> {
        let resource = self
            .resources
            .get_on(txn, id, Lock::Book)
            .await?
            .ok_or(Error::NotFound("resource"))?;
        if !resource.is_active {
            return Err(Error::rule(
                ErrorCode::ResourceInactive,
                "this resource is not taking bookings",
                json!({ "resourceId": id }),
            ));
        }
        Ok(resource)
    }

    /// Inserts one booking under a savepoint, so a conflict leaves the transaction usable.
    async fn place(&self, txn: &DatabaseTransaction, b: &NewBooking<'_>) -> Result<Placed> {
        // A conflicting booking cancelled between our insert and our look-up leaves nothing
        // to name; the slot is then free, so try again (bounded).
        for _ in 0..3 {
            let sp = txn.begin().await?;
            match bookings::insert(&sp, b).await {
                Ok(()) => {
                    sp.commit().await?;
                    return Ok(Placed::Booked);
                }
                Err(e) if is_overlap(&e) => {
                    sp.rollback().await?;
                    let busy =
                        bookings::overlapping(txn, b.resource_id, b.start_at, b.end_at, None)
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
    pub async fn create(&self, caller: Caller, req: CreateBookingRequest) -> Result<Created> {
        check_text(&req.title, &req.description)?;
        let start = parse_instant("startAt", &req.start_at)?;
        let end = parse_instant("endAt", &req.end_at)?.to_utc();
        check_span(start.to_utc(), end)?;
        let occurrences = match &req.recurrence {
            None => None,
            Some(r) => Some(Self::expand(r, start, end)?),
        };
        let now = Utc::now();
        let title = req.title.trim();
        let txn = self.db.begin().await?;
        let resource = self.bookable(&txn, req.resource_id).await?;
        let policy = Policy(&resource);
        let Some((rule, zone_name, occurrences)) = occurrences else {
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
            if let Placed::Blocked(busy) = self.place(&txn, &b).await? {
                return Err(conflict(&busy));
            }
            self.after_write(
                &txn,
                caller,
                ("booking.create", &[id]),
                HashMap::new(),
                true,
            )
            .await?;
            txn.commit().await?;
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
        let rule_text = rule.to_string();
        bookings::insert_series(
            &txn,
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
            match self.place(&txn, &b).await? {
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
        audit::record(
            &txn,
            audit::Entry {
                actor_id: caller.user_id,
                action: "series.create",
                entity_type: "series",
                entity_id: series_id,
                before: None,
                after: Some(series_note),
            },
        )
        .await?;
        self.after_write(
            &txn,
            caller,
            ("booking.create", &booked),
            HashMap::new(),
            false,
        )
        .await?;
        txn.commit().await?;
        if let Some(sync) = &self.sync {
            sync.kick();
        }
        let rows = self
            .repo
            .list(&BookingFilter {
                series_id: Some(series_id),
                limit: MAX_OCCURRENCES as u64,
                ..Default::default()
            })
            .await?;
        Ok(Created::Series(SeriesView {
            series_id,
            rule: rule_text,
            time_zone: zone_name,
            bookings: rows.into_iter().map(|r| self.view(r)).collect(),
            skipped,
        }))
    }

    /// The occurrences of a recurring request: its rule, zone name and windows.
    fn expand(
        r: &RecurrenceInput,
        start: DateTime<FixedOffset>,
        end: DateTime<Utc>,
    ) -> Result<(Rule, String, Vec<Occurrence>)> {
        let rule: Rule = r.rule.parse().map_err(|e: recurrence::RuleError| {
            Error::validation("recurrence.rule", e.to_string())
        })?;
        let zone_name = match &r.time_zone {
            Some(name) => name.trim().to_owned(),
            None => start.offset().to_string(),
        };
        let zone = Zone::parse(&zone_name)
            .map_err(|e| Error::validation("recurrence.timeZone", e.reason))?;
        let windows = recurrence::expand(
            &rule,
            start.to_utc(),
            end - start.to_utc(),
            zone,
            MAX_OCCURRENCES,
        )
        .map_err(|e| Error::validation("recurrence.rule", e.to_string()))?;
        if windows.windows(2).any(|w| w[1].0 < w[0].1) {
            return Err(Error::validation(
                "recurrence.rule",
                "occurrences of this series would overlap each other; shorten the booking or space them out",
            ));
        }
        Ok((rule, zone_name, windows))
    }

    /// Audit entries (with before-snapshots given by id) and outbox rows for written bookings.
    /// `pushed_now`: the caller pushes these itself right after its commit (`push_now`).
    async fn after_write(
        &self,
        txn: &DatabaseTransaction,
        caller: Caller,
        (action, ids): (&str, &[Uuid]),
        mut before: HashMap<Uuid, BookingRow>,
        pushed_now: bool,
    ) -> Result<()> {
        for id in ids {
            let after = bookings::get(txn, *id, false).await?;
            let before = before.remove(id);
            audit::record(
                txn,
                entry(caller, action, *id, before.as_ref(), after.as_ref()),
            )
            .await?;
        }
        if let Some(sync) = &self.sync {
            // A single booking's row starts leased to this request, which pushes it right
            // after its commit (`push_now`): the outbox worker takes it only if that push
            // never happens or fails. (Before, the worker could take the fresh row first and
            // the answer said `calendarSynced: false` while the push was under way.)
            let leased = pushed_now.then(|| sync.lease_secs());
            calendar::enqueue(txn, ids, leased).await?;
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

    /// The booking, row-locked, if the caller may change it.
    async fn owned(
        &self,
        txn: &DatabaseTransaction,
        caller: Caller,
        id: Uuid,
    ) -> Result<BookingRow> {
        let row = bookings::get(txn, id, true)
            .await?
            .ok_or(Error::NotFound("booking"))?;
        if row.user_id != caller.user_id && !caller.is_admin() {
            return Err(Error::Forbidden("this booking belongs to someone else"));
        }
        Ok(row)
    }

    pub async fn update(
        &self,
        caller: Caller,
        id: Uuid,
        req: UpdateBookingRequest,
    ) -> Result<BookingView> {
        let new_start = req
            .start_at
            .as_deref()
            .map(|s| parse_instant("startAt", s))
            .transpose()?;
        let new_end = req
            .end_at
            .as_deref()
            .map(|s| parse_instant("endAt", s))
            .transpose()?;
        let txn = self.db.begin().await?;
        let before = self.owned(&txn, caller, id).await?;
        if before.status != "active" {
            return Err(Error::conflict(
                ErrorCode::BookingCancelled,
                "a cancelled booking cannot be changed",
            ));
        }
        let now = Utc::now();
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
        let start = new_start.map_or(before.start_at, |s| s.to_utc());
        let end = new_end.map_or(before.end_at, |e| e.to_utc());
        check_text(title, description)?;
        check_span(start, end)?;
        let times_changed = start != before.start_at || end != before.end_at;
        if !times_changed && title == before.title && description == before.description {
            drop(txn);
            return Ok(self.view(before));
        }
        if times_changed {
            let resource = self.bookable(&txn, before.resource_id).await?;
            Policy(&resource).check(start, end, now, start != before.start_at)?;
        }
        let sp = txn.begin().await?;
        match bookings::update(&sp, id, title, description, start, end).await {
            Ok(_) => sp.commit().await?,
            Err(e) if is_overlap(&e) => {
                sp.rollback().await?;
                let busy =
                    bookings::overlapping(&txn, before.resource_id, start, end, Some(id)).await?;
                return Err(conflict(&busy));
            }
            Err(e) => return Err(e.into()),
        }
        self.after_write(
            &txn,
            caller,
            ("booking.update", &[id]),
            HashMap::from([(id, before)]),
            true,
        )
        .await?;
        txn.commit().await?;
        self.push_now(id).await;
        self.fetch(id).await
    }

    /// Cancels one booking (one occurrence of a series, too). Cancelling twice is a no-op.
    pub async fn cancel(&self, caller: Caller, id: Uuid) -> Result<BookingView> {
        let txn = self.db.begin().await?;
        let before = self.owned(&txn, caller, id).await?;
        if before.status != "active" {
            drop(txn);
            return Ok(self.view(before));
        }
        bookings::cancel(&txn, &[id]).await?;
        self.after_write(
            &txn,
            caller,
            ("booking.cancel", &[id]),
            HashMap::from([(id, before)]),
            true,
        )
        .await?;
        txn.commit().await?;
        self.push_now(id).await;
        self.fetch(id).await
    }

    /// Cancels every occurrence of a series that has not ended.
    pub async fn cancel_series(&self, caller: Caller, series_id: Uuid) -> Result<SeriesCancelView> {
        let txn = self.db.begin().await?;
        let owner = bookings::series_owner(&txn, series_id)
            .await?
            .ok_or(Error::NotFound("series"))?;
        if owner != caller.user_id && !caller.is_admin() {
            return Err(Error::Forbidden("this series belongs to someone else"));
        }
        let upcoming = bookings::series_upcoming(&txn, series_id, Utc::now()).await?;
        let mut before = HashMap::new();
        for id in &upcoming {
            if let Some(row) = bookings::get(&txn, *id, false).await? {
                before.insert(*id, row);
            }
        }
        let cancelled = bookings::cancel(&txn, &upcoming).await?;
        audit::record(
            &txn,
            audit::Entry {
                actor_id: caller.user_id,
                action: "series.cancel",
                entity_type: "series",
                entity_id: series_id,
                before: None,
                after: Some(json!({ "cancelled": cancelled })),
            },
        )
        .await?;
        self.after_write(&txn, caller, ("booking.cancel", &cancelled), before, false)
            .await?;
        txn.commit().await?;
        if let Some(sync) = &self.sync {
            sync.kick();
        }
        let rows = self
            .repo
            .list(&BookingFilter {
                series_id: Some(series_id),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        Ok(SeriesCancelView {
            series_id,
            cancelled: rows
                .into_iter()
                .filter(|r| cancelled.contains(&r.id))
                .map(|r| self.view(r))
                .collect(),
        })
    }

    pub async fn list(&self, filter: BookingFilter) -> Result<Vec<BookingView>> {
        if !(1..=500).contains(&filter.limit) {
            return Err(Error::validation("limit", "must be 1 to 500"));
        }
        if let Some(status) = &filter.status
            && status != "active"
            && status != "cancelled"
        {
            return Err(Error::validation("status", "must be active or cancelled"));
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to <= from
        {
            return Err(Error::validation("to", "must be after from"));
        }
        Ok(self
            .repo
            .list(&filter)
            .await?
            .into_iter()
            .map(|r| self.view(r))
            .collect())
    }

    pub async fn availability(
        &self,
        resource_id: Uuid,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<AvailabilityView> {
        let resource = self
            .resources
            .get(resource_id)
            .await?
            .ok_or(Error::NotFound("resource"))?;
        let now = Utc::now();
        let booked = self.repo.active_in_window(&[resource_id], from, to).await?;
        let busy: Vec<BusySlot> = booked
            .iter()
            .map(|b| BusySlot {
                booking_id: b.id,
                start_at: b.start_at,
                end_at: b.end_at,
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
        let whole = free.len() == 1 && free[0].start_at == from && free[0].end_at == to;
        Ok(AvailabilityView {
            resource_id,
            from,
            to,
            available: whole && verdict.is_none(),
            policy_violation: verdict.map(|e| e.envelope()["error"].clone()),
            free,
            busy,
        })
    }

    /// Every active resource with its bookings in the window.
    pub async fn timeline(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<TimelineRow>> {
        let resources = self.resources.list(false).await?;
        let ids: Vec<Uuid> = resources.iter().map(|r| r.id).collect();
        let mut by_resource: HashMap<Uuid, Vec<BookingView>> = HashMap::new();
        for row in self.repo.active_in_window(&ids, from, to).await? {
            by_resource
                .entry(row.resource_id)
                .or_default()
                .push(self.view(row));
        }
        Ok(resources
            .into_iter()
            .map(|r| TimelineRow {
                bookings: by_resource.remove(&r.id).unwrap_or_default(),
                resource: r.into(),
            })
            .collect())
    }

    /// Who has each server now, and who is next.
    pub async fn status(&self) -> Result<Vec<StatusRow>> {
        let now = Utc::now();
        let resources = self.resources.list(false).await?;
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
                StatusRow {
                    resource: r.into(),
                    current,
                    next,
                }
            })
            .collect())
    }
}

/// `[from, to)` minus the busy stretches, cut to the allowed hours of each local day.
fn free_slots(
    policy: &Policy<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    busy: &[BusySlot],
) -> Vec<Slot> {
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
                free.push(Slot {
                    start_at: s,
                    end_at: b.start_at,
                });
            }
            s = s.max(b.end_at);
        }
        if s < e {
            free.push(Slot {
                start_at: s,
                end_at: e,
            });
        }
    }
    free
}

/// What `create` made.
pub enum Created {
    One(BookingView),
    Series(SeriesView),
}
