//! The status vocabularies of the API, as the OpenAPI document and the web app's generated
//! types name them. Rows keep their statuses as text (the database's CHECK constraints hold
//! the same lists); views declare these as their field types in the document.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A seat's status for everyone: HELD lives only in Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeatStatus {
    Available,
    Held,
    Reserved,
    Sold,
}

/// Why seats changed status (the seat stream's `reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeatChangeReason {
    Held,
    Released,
    Reserved,
    Sold,
    Expired,
    Cancelled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReservationStatus {
    PendingPayment,
    Confirmed,
    Cancelled,
    Expired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventStatus {
    Draft,
    OnSale,
    SoldOut,
    Ended,
    Cancelled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    Paid,
    Refunded,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_ones_on_the_wire() {
        let json = serde_json::to_string(&(
            SeatStatus::Available,
            ReservationStatus::PendingPayment,
            EventStatus::OnSale,
            PaymentStatus::Refunded,
            SeatChangeReason::Released,
        ))
        .unwrap_or_default();
        assert_eq!(
            json,
            r#"["AVAILABLE","PENDING_PAYMENT","ON_SALE","REFUNDED","RELEASED"]"#
        );
    }
}
