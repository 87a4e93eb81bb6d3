//! The stable SCREAMING_SNAKE codes of the error envelope
//! (`{"success": false, "error": {"code", "message", "details"}}`), whichever service answers.
//! `docs/api.md` lists them and the web app's error table names a subset; a test of this
//! crate holds all three together.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $text:literal,)+) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
        }

        impl ErrorCode {
            /// Every code, in the order of the table in `docs/api.md`.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as it stands in the envelope.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)+
                }
            }
        }
    };
}

error_codes! {
    // 400
    ValidationFailed = "VALIDATION_FAILED",
    // 401
    Unauthenticated = "UNAUTHENTICATED",
    // 402
    InsufficientBalance = "INSUFFICIENT_BALANCE",
    // 403
    Forbidden = "FORBIDDEN",
    QueuePassRequired = "QUEUE_PASS_REQUIRED",
    PowRequired = "POW_REQUIRED",
    PowInvalid = "POW_INVALID",
    DpopProofInvalid = "DPOP_PROOF_INVALID",
    // 404, 405
    NotFound = "NOT_FOUND",
    UserNotFound = "USER_NOT_FOUND",
    MethodNotAllowed = "METHOD_NOT_ALLOWED",
    // 409
    SeatUnavailable = "SEAT_UNAVAILABLE",
    SoldOut = "SOLD_OUT",
    HoldExpired = "HOLD_EXPIRED",
    QueueNotOpen = "QUEUE_NOT_OPEN",
    DuplicateRequest = "DUPLICATE_REQUEST",
    AlreadyPaid = "ALREADY_PAID",
    ReservationExpired = "RESERVATION_EXPIRED",
    ReservationCancelled = "RESERVATION_CANCELLED",
    ReservationNotCancellable = "RESERVATION_NOT_CANCELLABLE",
    EmailTaken = "EMAIL_TAKEN",
    BookingConflict = "BOOKING_CONFLICT",
    BookingCancelled = "BOOKING_CANCELLED",
    BookingEnded = "BOOKING_ENDED",
    ResourceNameTaken = "RESOURCE_NAME_TAKEN",
    ResourceHasBookings = "RESOURCE_HAS_BOOKINGS",
    TeamMemberExists = "TEAM_MEMBER_EXISTS",
    LastTeamOwner = "LAST_TEAM_OWNER",
    VenueInUse = "VENUE_IN_USE",
    HasSales = "HAS_SALES",
    // 503 (with the dependency codes below)
    QueueFull = "QUEUE_FULL",
    // 413, 431
    PayloadTooLarge = "PAYLOAD_TOO_LARGE",
    HeadersTooLarge = "HEADERS_TOO_LARGE",
    // 422
    SeatLimitExceeded = "SEAT_LIMIT_EXCEEDED",
    SaleNotOpen = "SALE_NOT_OPEN",
    CancellationClosed = "CANCELLATION_CLOSED",
    HoldExtensionUsed = "HOLD_EXTENSION_USED",
    SeatsNotAvailableTogether = "SEATS_NOT_AVAILABLE_TOGETHER",
    WalletLimitExceeded = "WALLET_LIMIT_EXCEEDED",
    IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED",
    BookingPolicyViolated = "BOOKING_POLICY_VIOLATED",
    ResourceInactive = "RESOURCE_INACTIVE",
    SelfLockout = "SELF_LOCKOUT",
    // 429
    RateLimited = "RATE_LIMITED",
    // 500, 502
    Internal = "INTERNAL",
    BadGateway = "BAD_GATEWAY",
    // 503
    DependencyUnavailable = "DEPENDENCY_UNAVAILABLE",
    ConfirmationFailed = "CONFIRMATION_FAILED",
    ServerBusy = "SERVER_BUSY",
}

impl ErrorCode {
    /// The code of an envelope, if it is one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|code| code.as_str() == text)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown error code {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_text_and_parse_back() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("serializes");
            assert_eq!(json, serde_json::Value::from(code.as_str()));
            let back: ErrorCode = serde_json::from_value(json).expect("parses");
            assert_eq!(back, *code);
        }
        assert_eq!(ErrorCode::parse("SOMETHING_ELSE"), None);
    }

    #[test]
    fn codes_are_distinct_screaming_snake() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{text}"
            );
        }
    }
}
