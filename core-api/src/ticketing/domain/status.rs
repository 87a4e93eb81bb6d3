//! The status vocabularies of seats, reservations, payments and events: the same words on the
//! wire, in the OpenAPI document and in the database's text columns (whose CHECK constraints
//! hold the same lists). Storage parses a row's text into these; nothing compares strings.

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

/// A word that names no status of the vocabulary it was read as.
#[derive(Debug, thiserror::Error)]
#[error("{word:?} is not a {vocabulary}")]
pub struct UnknownWord {
    pub word: String,
    pub vocabulary: &'static str,
}

/// `as_str` (the word on the wire and in the database) and `FromStr` for each vocabulary.
macro_rules! words {
    ($($ty:ident { $($variant:ident => $word:literal),+ $(,)? })+) => {$(
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $word,)+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = UnknownWord;

            fn from_str(word: &str) -> Result<Self, UnknownWord> {
                match word {
                    $($word => Ok($ty::$variant),)+
                    _ => Err(UnknownWord {
                        word: word.to_owned(),
                        vocabulary: stringify!($ty),
                    }),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

words! {
    SeatStatus { Available => "AVAILABLE", Held => "HELD", Reserved => "RESERVED", Sold => "SOLD" }
    SeatChangeReason {
        Held => "HELD",
        Released => "RELEASED",
        Reserved => "RESERVED",
        Sold => "SOLD",
        Expired => "EXPIRED",
        Cancelled => "CANCELLED",
    }
    ReservationStatus {
        PendingPayment => "PENDING_PAYMENT",
        Confirmed => "CONFIRMED",
        Cancelled => "CANCELLED",
        Expired => "EXPIRED",
    }
    EventStatus {
        Draft => "DRAFT",
        OnSale => "ON_SALE",
        SoldOut => "SOLD_OUT",
        Ended => "ENDED",
        Cancelled => "CANCELLED",
    }
    PaymentStatus { Paid => "PAID", Refunded => "REFUNDED" }
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

    #[test]
    fn as_str_and_parse_agree_with_the_wire() {
        for status in [
            ReservationStatus::PendingPayment,
            ReservationStatus::Confirmed,
            ReservationStatus::Cancelled,
            ReservationStatus::Expired,
        ] {
            let json = serde_json::to_string(&status).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(
                status.as_str().parse::<ReservationStatus>().ok(),
                Some(status)
            );
        }
        assert_eq!("HELD".parse::<SeatStatus>().ok(), Some(SeatStatus::Held));
        assert!("on_sale".parse::<EventStatus>().is_err());
    }
}
