//! The edge cache on the request path: look a cacheable read up after the admission checks
//! (so rate limits still count it), answer hits, 304s and coalesced waiters from the cache, and
//! let the one request that fetches a key fill it from the upstream's answer.

use bytes::Bytes;
use http::{HeaderName, StatusCode, header};
use pingora::{http::ResponseHeader, proxy::Session};

use super::{Gateway, ctx::Ctx, pipeline::Flow, respond, routes::CachePolicy};
use crate::{
    edge_cache::{Entry, Lookup, etag_matches},
    error::{Error, Result},
    metrics::CacheResult,
};

/// Headers a 304 from the cache repeats from the stored answer.
const NOT_MODIFIED_KEEPS: [HeaderName; 3] =
    [header::ETAG, header::CACHE_CONTROL, header::LAST_MODIFIED];

impl Gateway {
    /// Answers `session` from the edge cache when it can; [`Flow::Proxy`] sends it upstream
    /// (as the key's filler, or past the cache).
    pub(super) async fn edge_cached(
        &self,
        session: &mut Session,
        ctx: &mut Ctx,
        policy: CachePolicy,
    ) -> Result<Flow> {
        let Some(cache) = &self.edge_cache else {
            return Ok(Flow::Proxy);
        };
        let req = session.req_header();
        let personal = req.headers.contains_key(header::AUTHORIZATION)
            || req.headers.contains_key(header::COOKIE);
        match policy {
            CachePolicy::Never => return Ok(Flow::Proxy),
            CachePolicy::Anonymous if personal => {
                self.metrics.edge_cache(CacheResult::Bypass);
                return Ok(Flow::Proxy);
            }
            CachePolicy::Anonymous | CachePolicy::Shared => {}
        }
        let key = req
            .uri
            .path_and_query()
            .map_or_else(|| req.uri.path(), |p| p.as_str());
        let (entry, result) = match cache.lookup(key) {
            Lookup::Hit(entry) => (entry, CacheResult::Hit),
            Lookup::Lead(fill) => {
                // The stored answer must be a whole one, whatever this client already has.
                let req = session.req_header_mut();
                req.remove_header(&header::IF_NONE_MATCH);
                req.remove_header(&header::IF_MODIFIED_SINCE);
                ctx.cache_fill = Some(fill);
                self.metrics.edge_cache(CacheResult::Miss);
                return Ok(Flow::Proxy);
            }
            Lookup::Wait(waiting) => match cache.wait(waiting).await {
                Some(entry) => (entry, CacheResult::Coalesced),
                None => {
                    self.metrics.edge_cache(CacheResult::Miss);
                    return Ok(Flow::Proxy);
                }
            },
        };
        let result = serve(session, ctx, &entry, result)
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing a cached response: {e}")))?;
        self.metrics.edge_cache(result);
        Ok(Flow::Answered)
    }
}

/// Writes a cached answer: the whole one, or 304 when the client's `If-None-Match` names its tag.
async fn serve(
    session: &mut Session,
    ctx: &Ctx,
    entry: &Entry,
    result: CacheResult,
) -> pingora::Result<CacheResult> {
    let not_modified = match (
        session.req_header().headers.get(header::IF_NONE_MATCH),
        entry.etag(),
    ) {
        (Some(tags), Some(etag)) => etag_matches(tags.as_bytes(), etag),
        _ => false,
    };
    let age = entry.stored.elapsed().as_secs().to_string();
    if !session.is_body_done() {
        session.set_keepalive(None);
    }
    if not_modified {
        let mut resp = ResponseHeader::build(StatusCode::NOT_MODIFIED, Some(8))?;
        for name in &NOT_MODIFIED_KEEPS {
            if let Some(value) = entry.header.headers.get(name) {
                resp.insert_header(name.clone(), value.clone())?;
            }
        }
        resp.insert_header(header::AGE, age)?;
        respond::decorate(&mut resp, ctx)?;
        session.write_response_header(Box::new(resp), true).await?;
        return Ok(CacheResult::NotModified);
    }
    let mut resp = entry.header.clone();
    resp.insert_header(header::CONTENT_LENGTH, entry.body.len().to_string())?;
    resp.insert_header(header::AGE, age)?;
    respond::decorate(&mut resp, ctx)?;
    session.write_response_header(Box::new(resp), false).await?;
    session
        .write_response_body(Some(Bytes::clone(&entry.body)), true)
        .await?;
    Ok(result)
}
