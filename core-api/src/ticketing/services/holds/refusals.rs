//! The refusals a hold or a reservation's commit answers with.

use crate::error::ErrorCode;
use serde_json::json;
use uuid::Uuid;

use crate::error::Error;

pub(crate) fn limit_exceeded(limit: u32) -> Error {
    Error::rule(
        ErrorCode::SeatLimitExceeded,
        format!("at most {limit} seats per person for this performance"),
        json!({ "maxSeatsPerUser": limit }),
    )
}

pub(crate) fn hold_expired() -> Error {
    Error::conflict(
        ErrorCode::HoldExpired,
        "the hold expired or was released; pick your seats again",
    )
}

pub(crate) fn sold_out(product_id: Uuid, available: u32) -> Error {
    Error::conflict(
        ErrorCode::SoldOut,
        format!("only {available} left of this product"),
    )
    .with_details(json!({ "productId": product_id, "available": available }))
}
