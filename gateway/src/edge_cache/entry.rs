//! One cached answer, and the rules for what may be kept: nothing personal, nothing the
//! upstream marked private or uncacheable, nothing that varies by request headers.

use std::time::Instant;

use bytes::Bytes;
use http::{StatusCode, header};
use pingora::http::ResponseHeader;

use super::ENTRY_OVERHEAD;

pub struct Entry {
    /// Status and headers to replay (connection-level and per-request headers removed).
    pub header: ResponseHeader,
    pub body: Bytes,
    pub stored: Instant,
}

impl Entry {
    pub fn new(header: ResponseHeader, body: Bytes) -> Self {
        Entry {
            header,
            body,
            stored: Instant::now(),
        }
    }

    pub fn size(&self) -> usize {
        self.body.len() + ENTRY_OVERHEAD
    }

    pub fn etag(&self) -> Option<&[u8]> {
        self.header
            .headers
            .get(header::ETAG)
            .map(http::HeaderValue::as_bytes)
    }
}

/// Whether an upstream answer may be kept and served to others: a 200 without `Set-Cookie`,
/// without `Vary`, and without `Cache-Control: private`, `no-store` or `no-cache`.
pub fn storable(resp: &ResponseHeader) -> bool {
    if resp.status != StatusCode::OK
        || resp.headers.contains_key(header::SET_COOKIE)
        || resp.headers.contains_key(header::VARY)
    {
        return false;
    }
    !resp
        .headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|d| d.trim().to_ascii_lowercase())
        .any(|d| d == "private" || d == "no-store" || d == "no-cache" || d.starts_with("private="))
}

/// Headers that belong to one connection or one request, never replayed from the cache.
const NOT_REPLAYED: [&str; 8] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "x-request-id",
    "ratelimit-limit",
    "ratelimit-remaining",
    "date",
];

/// The upstream header as it is stored: without the per-connection and per-request fields.
pub fn replayable(resp: &ResponseHeader) -> ResponseHeader {
    let mut kept = resp.clone();
    for name in NOT_REPLAYED {
        kept.remove_header(name);
    }
    kept
}

/// `If-None-Match` against an entity tag, with the weak comparison RFC 9110 prescribes for it
/// (`W/"x"` matches `"x"`), a list of tags, or `*`.
pub fn etag_matches(if_none_match: &[u8], etag: &[u8]) -> bool {
    let strip = |t: &[u8]| -> Vec<u8> { t.strip_prefix(b"W/").unwrap_or(t).to_vec() };
    let etag = strip(etag);
    if_none_match
        .split(|b| *b == b',')
        .map(|t| t.trim_ascii())
        .any(|t| t == b"*" || strip(t) == etag)
}
