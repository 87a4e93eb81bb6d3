//! Links from each create to the routes that read and change what it made, for clients and
//! for stateful API testing.

use serde_json::{Value, json};

use super::is_method;

/// A link from a create's answer to an operation on what it made: (from path, from method,
/// status, link name, to operationId, parameter, JSON pointer into the answer's body).
const LINKS: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "/api/v1/holds",
        "post",
        "201",
        "GetHold",
        "get_hold",
        "id",
        "/data/holdId",
    ),
    (
        "/api/v1/holds",
        "post",
        "201",
        "ReleaseHold",
        "release_hold",
        "id",
        "/data/holdId",
    ),
    (
        "/api/v1/holds",
        "post",
        "201",
        "ExtendHold",
        "extend_hold",
        "id",
        "/data/holdId",
    ),
    (
        "/api/v1/reservations",
        "post",
        "201",
        "GetReservation",
        "get_reservation",
        "id",
        "/data/reservationId",
    ),
    (
        "/api/v1/reservations",
        "post",
        "201",
        "CancelReservation",
        "cancel_reservation",
        "id",
        "/data/reservationId",
    ),
    (
        "/api/v1/resource-bookings",
        "post",
        "201",
        "GetBooking",
        "get_booking",
        "id",
        "/data/id",
    ),
    (
        "/api/v1/resource-bookings",
        "post",
        "201",
        "UpdateBooking",
        "update_booking",
        "id",
        "/data/id",
    ),
    (
        "/api/v1/resource-bookings",
        "post",
        "201",
        "CancelBooking",
        "cancel_booking",
        "id",
        "/data/id",
    ),
    (
        "/api/v1/calendar-feeds",
        "post",
        "201",
        "DeleteFeed",
        "delete_feed",
        "id",
        "/data/id",
    ),
];

pub(super) fn add_links(doc: &mut Value) {
    let known: std::collections::HashSet<String> = operation_ids(doc).into_iter().collect();
    for (path, method, status, name, target, param, pointer) in LINKS {
        if !known.contains(*target) {
            continue;
        }
        let Some(response) = doc
            .pointer_mut(&format!(
                "/paths/{}/{method}/responses/{status}",
                path.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let links = response
            .entry("links")
            .or_insert_with(|| json!({}))
            .as_object_mut();
        if let Some(links) = links {
            links.insert(
                (*name).to_owned(),
                json!({
                    "operationId": target,
                    "parameters": { *param: format!("$response.body#{pointer}") }
                }),
            );
        }
    }
}

/// Every operationId in the document.
pub(crate) fn operation_ids(doc: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            if let Some(item) = item.as_object() {
                for (method, op) in item {
                    if is_method(method)
                        && let Some(id) = op["operationId"].as_str()
                    {
                        ids.push(id.to_owned());
                    }
                }
            }
        }
    }
    ids
}
