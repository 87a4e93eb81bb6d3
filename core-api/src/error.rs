//! The one error type of core-api and its JSON envelope.
//!
//! Every failure becomes `{"success": false, "error": {code, message, details}}` with a
//! stable SCREAMING_SNAKE code ([`ErrorCode`], shared with the gateway and checked against
//! docs/api.md). 5xx answers carry no internals; the cause is logged.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
pub(crate) use holdfast_contract::error_code::ErrorCode;
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Validation { message: String, details: Value },
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("a valid waiting-room pass is required for this performance; join the queue first")]
    QueuePassRequired,
    /// 403 `DPOP_PROOF_INVALID`: a bound pass without a fresh proof signed by its key.
    #[error("{}", .0.message())]
    DpopProofInvalid(holdfast_contract::dpop::Refusal),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A 404 with a code of its own (USER_NOT_FOUND).
    #[error("{message}")]
    Missing { code: ErrorCode, message: String },
    /// 429 `RATE_LIMITED`: a limit on what one client (or everyone) may hold at once.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
        details: Value,
    },
    #[error("some seats are no longer available")]
    SeatUnavailable { seat_ids: Vec<Uuid> },
    /// A 409 other than seat contention (HOLD_EXPIRED, DUPLICATE_REQUEST, EMAIL_TAKEN, ...).
    #[error("{message}")]
    Conflict {
        code: ErrorCode,
        message: String,
        details: Value,
    },
    /// A 422 business rule (SEAT_LIMIT_EXCEEDED, SALE_NOT_OPEN, ...).
    #[error("{message}")]
    Rule {
        code: ErrorCode,
        message: String,
        details: Value,
    },
    #[error("the wallet balance is too low; charge it and try again")]
    InsufficientBalance { balance: i64, required: i64 },
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    #[error("the reservation could not be confirmed; your hold is kept, please retry")]
    ConfirmationFailed,
    /// 503 `SERVER_BUSY`: a bounded queue is full; retry after a second. Expected under a
    /// flood, so not logged as a failure.
    #[error("{0}")]
    Busy(&'static str),
    #[error("{dependency} is unavailable")]
    Dependency {
        dependency: &'static str,
        #[source]
        source: anyhow::Error,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub(crate) fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Error::Validation {
            details: json!({ "field": field, "reason": message }),
            message,
        }
    }

    pub(crate) fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
            details: json!({}),
        }
    }

    /// The same error with these details (for the variants that carry details).
    pub(crate) fn with_details(self, details: Value) -> Self {
        match self {
            Error::Conflict { code, message, .. } => Error::Conflict {
                code,
                message,
                details,
            },
            Error::Rule { code, message, .. } => Error::Rule {
                code,
                message,
                details,
            },
            Error::Validation { message, .. } => Error::Validation { message, details },
            other => other,
        }
    }

    pub(crate) fn rule(code: ErrorCode, message: impl Into<String>, details: Value) -> Self {
        Error::Rule {
            code,
            message: message.into(),
            details,
        }
    }

    pub(crate) fn redis(source: impl Into<anyhow::Error>) -> Self {
        Error::Dependency {
            dependency: "redis",
            source: source.into(),
        }
    }

    pub(crate) fn postgres(source: impl Into<anyhow::Error>) -> Self {
        Error::Dependency {
            dependency: "postgres",
            source: source.into(),
        }
    }

    pub(crate) fn status_code(&self) -> StatusCode {
        match self {
            Error::Validation { .. } => StatusCode::BAD_REQUEST,
            Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) | Error::QueuePassRequired | Error::DpopProofInvalid(_) => {
                StatusCode::FORBIDDEN
            }
            Error::NotFound(_) | Error::Missing { .. } => StatusCode::NOT_FOUND,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::SeatUnavailable { .. } | Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::InsufficientBalance { .. } => StatusCode::PAYMENT_REQUIRED,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::ConfirmationFailed | Error::Dependency { .. } | Error::Busy(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Error::Validation { .. } => ErrorCode::ValidationFailed,
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::QueuePassRequired => ErrorCode::QueuePassRequired,
            Error::DpopProofInvalid(_) => ErrorCode::DpopProofInvalid,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Missing { code, .. } => *code,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::SeatUnavailable { .. } => ErrorCode::SeatUnavailable,
            Error::Conflict { code, .. } | Error::Rule { code, .. } => *code,
            Error::InsufficientBalance { .. } => ErrorCode::InsufficientBalance,
            Error::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Error::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Error::ConfirmationFailed => ErrorCode::ConfirmationFailed,
            Error::Dependency { .. } => ErrorCode::DependencyUnavailable,
            Error::Busy(_) => ErrorCode::ServerBusy,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    fn details(&self) -> Value {
        match self {
            Error::Validation { details, .. }
            | Error::Rule { details, .. }
            | Error::Conflict { details, .. }
            | Error::RateLimited { details, .. } => details.clone(),
            Error::SeatUnavailable { seat_ids } => json!({ "unavailableSeatIds": seat_ids }),
            Error::Dependency { dependency, .. } => json!({ "dependency": dependency }),
            Error::DpopProofInvalid(refusal) => json!({ "reason": refusal.reason() }),
            Error::InsufficientBalance { balance, required } => {
                json!({ "balance": balance, "required": required })
            }
            _ => json!({}),
        }
    }

    fn public_message(&self) -> String {
        match self {
            Error::Internal(_) => "internal error".to_owned(),
            other => other.to_string(),
        }
    }
}

impl Error {
    /// The JSON body this error answers with.
    pub(crate) fn envelope(&self) -> Value {
        json!({
            "success": false,
            "error": { "code": self.code(), "message": self.public_message(), "details": self.details() },
        })
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let retry_after = match &self {
            Error::RateLimited {
                retry_after_secs, ..
            } => Some(HeaderValue::from(*retry_after_secs)),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(HeaderValue::from_static("1")),
            _ => None,
        };
        if status.is_server_error() && !matches!(self, Error::Busy(_)) {
            // The request id is on the enclosing tracing span.
            tracing::error!(code = self.code().as_str(), error = ?anyhow_chain(&self), "request failed");
        }
        let mut response = (status, Json(self.envelope())).into_response();
        if let Some(value) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

fn anyhow_chain(error: &Error) -> String {
    let mut out = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::storage::db::is_connection_error(&err) {
            Error::postgres(err)
        } else {
            Error::Internal(err.into())
        }
    }
}

impl From<crate::storage::StoreError> for Error {
    fn from(err: crate::storage::StoreError) -> Self {
        match err {
            crate::storage::StoreError::Unavailable { dependency, source } => {
                Error::Dependency { dependency, source }
            }
            // The performance was cancelled while the reservation was being made.
            ref e if e.constraint() == Some("reservations_performance_not_cancelled") => {
                Error::rule(
                    ErrorCode::SaleNotOpen,
                    "this performance was cancelled",
                    json!({ "cancelled": true }),
                )
            }
            other => Error::Internal(other.into()),
        }
    }
}

impl From<fred::error::Error> for Error {
    fn from(err: fred::error::Error) -> Self {
        Error::redis(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_hide_their_cause() {
        let err = Error::Internal(anyhow::anyhow!("password=hunter2 in connection string"));
        assert_eq!(err.public_message(), "internal error");
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_rate_limit_answers_429_with_retry_after() {
        let err = Error::RateLimited {
            message: "too many".to_owned(),
            retry_after_secs: 7,
            details: json!({ "limit": "perClient" }),
        };
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers().get(header::RETRY_AFTER),
            Some(&HeaderValue::from_static("7"))
        );
    }

    #[test]
    fn seat_conflicts_name_the_seats() {
        let id = Uuid::nil();
        let err = Error::SeatUnavailable { seat_ids: vec![id] };
        assert_eq!(err.code(), ErrorCode::SeatUnavailable);
        assert_eq!(err.details()["unavailableSeatIds"][0], json!(id));
    }
}
