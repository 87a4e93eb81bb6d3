//! The refusals a hold or a reservation's commit answers with.

use serde_json::json;
use uuid::Uuid;

use crate::error::Error;

pub(crate) fn limit_exceeded(limit: u32) -> Error {
    Error::rule(
        "SEAT_LIMIT_EXCEEDED",
        format!("at most {limit} seats per person for this performance"),
        json!({ "maxSeatsPerUser": limit }),
    )
}

pub(crate) fn hold_expired() -> Error {
    Error::conflict(
        "HOLD_EXPIRED",
        "the hold expired or was released; pick your seats again",
    )
}

pub(crate) fn sold_out(product_id: Uuid, available: u32) -> Error {
    Error::conflict("SOLD_OUT", format!("only {available} left of this product"))
        .with_details(json!({ "productId": product_id, "available": available }))
}
