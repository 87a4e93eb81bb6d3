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
pub struct Availability {
    pub resource_id: Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The whole window could be booked right now (free, and the policy allows it).
    pub available: bool,
    /// Why not, when the policy refuses the whole window (the error body).
    pub policy_violation: Option<serde_json::Value>,
    /// Free stretches inside the window: not booked, not in the past, inside allowed hours.
    pub free: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub busy: Vec<Busy>,
}

/// A resource with its bookings in a window.
#[derive(Clone, Debug)]
pub struct TimelineEntry {
    pub resource: Resource,
    pub bookings: Vec<SyncedBooking>,
}

/// A resource with the booking running now and the next one.
#[derive(Clone, Debug)]
pub struct ResourceStatus {
    pub resource: Resource,
    pub current: Option<SyncedBooking>,
    pub next: Option<SyncedBooking>,
}
