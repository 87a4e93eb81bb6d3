//! Extractors and response wrappers that speak our envelope: a bad body, path or query gets
//! a 400 `VALIDATION_FAILED` in JSON, never axum's plain-text rejection.

use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
};

use axum::{
    Json,
    extract::{
        ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request,
        rejection::{JsonRejection, PathRejection, QueryRejection},
    },
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::json;

use crate::{error::Error, shared::services::auth::Caller, startup::AppState};

/// JSON request body.
pub(crate) struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        // The body is already in memory (`read_body_first`): looking at it costs no copy.
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| Error::PayloadTooLarge)?;
        if has_nul_escape(&bytes) {
            return Err(no_nul("body"));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// PostgreSQL text cannot hold NUL, so input carrying one is refused at the edge (it used to
/// reach a query and answer 500).
fn no_nul(field: &str) -> Error {
    Error::validation(field, "must not contain NUL characters")
}

/// Whether JSON text holds a `\u0000` escape (one not itself escaped as `\\u0000`).
fn has_nul_escape(json: &[u8]) -> bool {
    const ESCAPE: &[u8] = b"\\u0000";
    json.windows(ESCAPE.len()).enumerate().any(|(i, w)| {
        w == ESCAPE && json[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

/// Whether a percent-encoded URI part decodes to a NUL somewhere.
fn has_encoded_nul(raw: &str) -> bool {
    raw.contains("%00")
}

fn json_rejection(rejection: JsonRejection) -> Error {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Error::PayloadTooLarge;
    }
    let (message, reason) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => (
            "Content-Type must be application/json",
            "missing or wrong Content-Type".to_owned(),
        ),
        JsonRejection::JsonSyntaxError(_) => ("the body is not valid JSON", rejection.body_text()),
        _ => (
            "the body does not have the expected fields and types",
            rejection.body_text(),
        ),
    };
    // serde_path_to_error puts the failing field first: "seatIds[0]: invalid type ...".
    let reason = reason
        .rsplit_once("target type: ")
        .map_or(reason.clone(), |(_, r)| r.to_owned());
    let field = reason
        .split_once(": ")
        .map(|(f, _)| f)
        .filter(|f| !f.contains(' '))
        .unwrap_or("body");
    Error::Validation {
        message: message.to_owned(),
        details: json!({ "field": field, "reason": reason }),
    }
}

/// Path parameters; an unparsable id is a 400 naming the path.
pub(crate) struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        if has_encoded_nul(parts.uri.path()) {
            return Err(no_nul("path"));
        }
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| Error::validation("path", e.body_text()))
    }
}

/// Query string parameters.
pub(crate) struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        if parts.uri.query().is_some_and(has_encoded_nul) {
            return Err(no_nul("query"));
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| Error::validation("query", e.body_text()))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(parts).ok_or(Error::Unauthenticated("an access token is required"))?;
        current_caller(state, token).await
    }
}

/// A verified token's caller, checked against the account as it is now (active, same auth
/// version), with the account's current role rather than the token's.
async fn current_caller(state: &AppState, token: &str) -> Result<Caller, Error> {
    let auth = &state.services.auth;
    let mut caller = auth.jwt.verify(token)?;
    caller.role = auth
        .sessions
        .check(caller.user_id, caller.auth_version)
        .await?;
    Ok(caller)
}

/// An admin caller; anyone else gets 403.
pub(crate) struct AdminCaller(pub Caller);

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.is_admin() {
            Ok(AdminCaller(caller))
        } else {
            Err(Error::Forbidden("admins only"))
        }
    }
}

/// The caller if a valid token came along; public routes use it to show admins more.
pub(crate) struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let caller = match bearer(parts) {
            Some(token) => current_caller(state, token).await.ok(),
            None => None,
        };
        Ok(MaybeCaller(caller))
    }
}

/// The caller of a stream a browser opens with `EventSource`, which cannot send headers: a
/// bearer token, or else the `accessToken` query parameter (redacted from every log line).
pub(crate) struct StreamCaller(pub Caller);

impl FromRequestParts<AppState> for StreamCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let from_query = || {
            parts.uri.query().and_then(|q| {
                q.split('&')
                    .find_map(|pair| pair.strip_prefix("accessToken="))
                    .map(str::to_owned)
            })
        };
        let token = bearer(parts)
            .map(str::to_owned)
            .or_else(from_query)
            .ok_or(Error::Unauthenticated("an access token is required"))?;
        current_caller(state, &token).await.map(StreamCaller)
    }
}

/// The client's address: the one the gateway forwards in `X-Forwarded-For` (it drops any a
/// client sent and sets its own), else the TCP peer when core-api is called directly.
pub(crate) struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        let peer = || {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        };
        Ok(ClientIp(
            forwarded
                .or_else(peer)
                .unwrap_or(IpAddr::from([0, 0, 0, 0])),
        ))
    }
}

/// 200 `{"success": true, "data": ...}`
pub(crate) struct Data<T>(pub T);

#[derive(Serialize)]
struct Envelope<T> {
    success: bool,
    data: T,
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        // Serialised straight into the body: a 10,000-seat map never becomes a serde_json::Value.
        Json(Envelope {
            success: true,
            data: self.0,
        })
        .into_response()
    }
}

/// 201 `{"success": true, "data": ...}`
pub(crate) struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Data(self.0)).into_response()
    }
}

/// 202 `{"success": true, "data": ...}`: accepted, the work goes on after the answer.
pub(crate) struct Accepted<T>(pub T);

impl<T: Serialize> IntoResponse for Accepted<T> {
    fn into_response(self) -> Response {
        (StatusCode::ACCEPTED, Data(self.0)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_escape_is_found_and_an_escaped_backslash_is_not_one() {
        assert!(has_nul_escape(br#"{"name":"a\u0000b"}"#));
        assert!(has_nul_escape(br#"{"name":"\\\u0000"}"#));
        assert!(!has_nul_escape(br#"{"name":"a\\u0000b"}"#));
        assert!(!has_nul_escape(br#"{"name":"plain"}"#));
        assert!(has_encoded_nul("entityType=%00"));
        assert!(!has_encoded_nul("entityType=booking"));
    }
}
