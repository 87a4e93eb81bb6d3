//! What the dashboard shows of shared servers: one resource's free and busy time, every
//! resource's bookings in a window, and who has each server now.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    booking::{Busy, SyncedBooking},
    resource::Resource,
};

/// One resource's time in a window.
#[derive(Clone, Debug)]
pub(crate) struct Availability {
    pub(crate) resource_id: Uuid,
    pub(crate) from: DateTime<Utc>,
    pub(crate) to: DateTime<Utc>,
    /// The whole window could be booked right now (free, and the policy allows it).
    pub(crate) available: bool,
    /// Why not, when the policy refuses the whole window (the error body).
    pub(crate) policy_violation: Option<serde_json::Value>,
    /// Free stretches inside the window: not booked, not in the past, inside allowed hours.
    pub(crate) free: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub(crate) busy: Vec<Busy>,
}

/// A resource with its bookings in a window.
#[derive(Clone, Debug)]
pub(crate) struct TimelineEntry {
    pub(crate) resource: Resource,
    pub(crate) bookings: Vec<SyncedBooking>,
}

/// A resource with the booking running now and the next one.
#[derive(Clone, Debug)]
pub(crate) struct ResourceStatus {
    pub(crate) resource: Resource,
    pub(crate) current: Option<SyncedBooking>,
    pub(crate) next: Option<SyncedBooking>,
}
