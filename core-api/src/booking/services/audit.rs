//! Audit entries of this context, with JSON snapshots of what was there before and after.

use serde::Serialize;
use uuid::Uuid;

use crate::shared::{services::auth::Caller, storage::audit::Entry};

/// An audit entry with row snapshots; the entity type is the action's first word.
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
