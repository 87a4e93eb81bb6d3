//! The gateway's refusals and failures, and the JSON envelope they are written in.
//!
//! Every answer the gateway makes itself looks like core-api's:
//! `{"success": false, "error": {"code", "message", "details"}}` with a stable code
//! ([`ErrorCode`], shared with core-api).

use holdfast_contract::error_code::ErrorCode;
use http::StatusCode;
use serde_json::{Value, json};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("a valid waiting-room pass is required for this performance; join the queue first")]
    QueuePassRequired,
    #[error(
        "this pass was not used in time and its place went to the next in line; join the queue again"
    )]
    PassReleased,
    #[error(
        "this waiting room asks for a proof of work: get a challenge from {challenge_url}, solve it and send it with the join"
    )]
    PowRequired { challenge_url: String },
    #[error("{}", .0.message())]
    PowInvalid(crate::admission::pow::Refusal),
    #[error("{}", .0.message())]
    DpopProofInvalid(holdfast_contract::dpop::Refusal),
    #[error("the waiting room is full; try again in {retry_after_secs}s")]
    QueueFull { retry_after_secs: u64 },
    #[error("the waiting room opens at {prequeue_opens_at} (Unix seconds)")]
    QueueNotOpen {
        prequeue_opens_at: i64,
        sale_opens_at: i64,
    },
    #[error("too many requests; retry after {retry_after_secs}s")]
    RateLimited {
        retry_after_secs: u64,
        scope: &'static str,
    },
    #[error("the same request is already being processed")]
    Duplicate { retry_after_ms: u64 },
    #[error("{message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("request headers are too large")]
    HeadersTooLarge,
    #[error("{dependency} is unavailable")]
    Dependency { dependency: &'static str },
    #[error("the upstream service failed to answer")]
    BadGateway,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    pub fn status_code(&self) -> StatusCode {
        match self {
            Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_)
            | Error::QueuePassRequired
            | Error::PassReleased
            | Error::PowRequired { .. }
            | Error::PowInvalid(_)
            | Error::DpopProofInvalid(_) => StatusCode::FORBIDDEN,
            Error::QueueFull { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::QueueNotOpen { .. } => StatusCode::CONFLICT,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Duplicate { .. } => StatusCode::CONFLICT,
            Error::Validation { .. } => StatusCode::BAD_REQUEST,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Error::Dependency { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::BadGateway => StatusCode::BAD_GATEWAY,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::QueuePassRequired | Error::PassReleased => ErrorCode::QueuePassRequired,
            Error::PowRequired { .. } => ErrorCode::PowRequired,
            Error::PowInvalid(_) => ErrorCode::PowInvalid,
            Error::DpopProofInvalid(_) => ErrorCode::DpopProofInvalid,
            Error::QueueFull { .. } => ErrorCode::QueueFull,
            Error::QueueNotOpen { .. } => ErrorCode::QueueNotOpen,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Duplicate { .. } => ErrorCode::DuplicateRequest,
            Error::Validation { .. } => ErrorCode::ValidationFailed,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Error::HeadersTooLarge => ErrorCode::HeadersTooLarge,
            Error::Dependency { .. } => ErrorCode::DependencyUnavailable,
            Error::BadGateway => ErrorCode::BadGateway,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The reject reason for metrics (`gateway_rejects_total{reason}`), when this is a refusal.
    pub fn reject_reason(&self) -> Option<&'static str> {
        Some(match self {
            Error::Unauthenticated(_) => "unauthenticated",
            Error::Forbidden(_) => "forbidden",
            Error::QueuePassRequired | Error::PassReleased => "no_pass",
            Error::PowRequired { .. } | Error::PowInvalid(_) => "pow",
            Error::DpopProofInvalid(_) => "dpop",
            Error::QueueFull { .. } => "queue_full",
            Error::QueueNotOpen { .. } => "queue_not_open",
            Error::RateLimited { .. } => "rate_limited",
            Error::Duplicate { .. } => "duplicate",
            Error::PayloadTooLarge => "body_too_large",
            Error::HeadersTooLarge => "headers_too_large",
            Error::Validation { .. } => "invalid",
            Error::Dependency { .. } => "dependency",
            _ => return None,
        })
    }

    /// Seconds for `Retry-After`, when the client should come back.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::RateLimited {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Error::Duplicate { retry_after_ms } => Some(retry_after_ms.div_ceil(1000).max(1)),
            Error::QueueFull { retry_after_secs } => Some(*retry_after_secs),
            Error::Dependency { .. } | Error::BadGateway => Some(1),
            _ => None,
        }
    }

    fn details(&self) -> Value {
        match self {
            Error::RateLimited {
                retry_after_secs,
                scope,
            } => {
                json!({ "retryAfterSeconds": retry_after_secs, "scope": scope })
            }
            Error::Duplicate { retry_after_ms } => json!({ "retryAfterMs": retry_after_ms }),
            Error::QueueFull { retry_after_secs } => {
                json!({ "retryAfterSeconds": retry_after_secs })
            }
            Error::PassReleased => json!({ "reason": "PASS_UNUSED" }),
            Error::PowRequired { challenge_url } => json!({ "challengeUrl": challenge_url }),
            Error::PowInvalid(refusal) => json!({ "reason": refusal.reason() }),
            Error::DpopProofInvalid(refusal) => json!({ "reason": refusal.reason() }),
            Error::QueueNotOpen {
                prequeue_opens_at,
                sale_opens_at,
            } => json!({ "prequeueOpensAt": prequeue_opens_at, "saleOpensAt": sale_opens_at }),
            Error::Validation { field, message } => json!({ "field": field, "reason": message }),
            Error::Dependency { dependency } => json!({ "dependency": dependency }),
            Error::HeadersTooLarge => json!({
                "maxHeaderFields": crate::admission::hygiene::MAX_HEADER_FIELDS,
                "maxHeaderBytes": crate::admission::hygiene::MAX_HEADER_BYTES,
            }),
            _ => json!({}),
        }
    }

    /// The envelope body. 5xx answers carry no internals.
    pub fn body(&self) -> Vec<u8> {
        let body = json!({
            "success": false,
            "error": { "code": self.code(), "message": self.to_string(), "details": self.details() },
        });
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

/// `{"success": true, "data": ...}` for the routes the gateway serves itself.
pub fn data_body(data: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({ "success": true, "data": data })).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_have_stable_codes_and_statuses() {
        let limited = Error::RateLimited {
            retry_after_secs: 3,
            scope: "ip",
        };
        assert_eq!(limited.status_code(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.retry_after_secs(), Some(3));
        assert_eq!(limited.reject_reason(), Some("rate_limited"));
        let dup = Error::Duplicate {
            retry_after_ms: 1200,
        };
        assert_eq!(dup.code(), ErrorCode::DuplicateRequest);
        assert_eq!(dup.retry_after_secs(), Some(2));
        assert_eq!(
            Error::QueuePassRequired.status_code(),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let body = Error::Internal(anyhow::anyhow!("secret=hunter2")).body();
        let text = String::from_utf8(body).expect("utf8");
        assert!(!text.contains("hunter2"));
        assert!(text.contains("\"INTERNAL\""));
    }
}
