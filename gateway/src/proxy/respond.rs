//! Answers the gateway writes itself (refusals, waiting-room routes, health), in our envelope.

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode, header};
use pingora::{http::ResponseHeader, proxy::Session};

use super::ctx::Ctx;
use crate::error::Error;

/// Security headers on every response, proxied or our own; static values, built once. The
/// CSP only forbids framing (clickjacking): it is added next to any policy core-api sends,
/// and browsers enforce both, so the web app's own policy (if any) is never weakened.
static SECURITY: [(HeaderName, HeaderValue); 3] = [
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
];
static FRAME_ANCESTORS: HeaderValue = HeaderValue::from_static("frame-ancestors 'none'");
/// Only over TLS: a browser ignores it on plain HTTP, and it must not pin a plain-HTTP setup.
static HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000; includeSubDomains");

/// Headers every response gets: the request id, the security headers and, when a rate limit
/// applied, what is left.
pub fn decorate(resp: &mut ResponseHeader, ctx: &Ctx) -> pingora::Result<()> {
    resp.insert_header("x-request-id", ctx.request_id.as_str())?;
    for (name, value) in &SECURITY {
        resp.insert_header(name.clone(), value.clone())?;
    }
    resp.append_header(header::CONTENT_SECURITY_POLICY, FRAME_ANCESTORS.clone())?;
    if ctx.tls {
        resp.insert_header(header::STRICT_TRANSPORT_SECURITY, HSTS.clone())?;
    }
    if let Some(a) = ctx.allowance {
        resp.insert_header("ratelimit-limit", a.limit.to_string())?;
        resp.insert_header("ratelimit-remaining", a.remaining.to_string())?;
    }
    Ok(())
}

pub async fn json(
    session: &mut Session,
    ctx: &Ctx,
    status: StatusCode,
    body: Vec<u8>,
    retry_after: Option<u64>,
) -> pingora::Result<()> {
    let mut resp = ResponseHeader::build(status, Some(6))?;
    resp.insert_header("content-type", "application/json")?;
    resp.insert_header("content-length", body.len().to_string())?;
    resp.insert_header("cache-control", "no-store")?;
    if let Some(secs) = retry_after {
        resp.insert_header("retry-after", secs.to_string())?;
        if status == StatusCode::TOO_MANY_REQUESTS {
            resp.insert_header("ratelimit-remaining", "0")?;
            resp.insert_header("ratelimit-reset", secs.to_string())?;
        }
    }
    decorate(&mut resp, ctx)?;
    // A refused request whose body was never read cannot leave its connection reusable.
    if !session.is_body_done() {
        session.set_keepalive(None);
    }
    session.write_response_header(Box::new(resp), false).await?;
    session
        .write_response_body(Some(Bytes::from(body)), true)
        .await
}

pub async fn error(session: &mut Session, ctx: &Ctx, err: &Error) -> pingora::Result<()> {
    if let Error::Internal(cause) = err {
        tracing::error!(request_id = %ctx.request_id, error = ?cause, "gateway failed a request");
    }
    json(
        session,
        ctx,
        err.status_code(),
        err.body(),
        err.retry_after_secs(),
    )
    .await
}
