//! The admission pipeline run on every request, in order: request id → header hygiene →
//! body cap → access token → rate limits → gateway-served routes → waiting-room pass →
//! edge cache → duplicate blocking + sequence number (one Redis round trip). The pass check is local and
//! runs before the Redis call, so a refused request costs no round trip.

use std::net::IpAddr;

use bytes::{Bytes, BytesMut};
use holdfast_contract::queue_pass;
use http::StatusCode;
use pingora::proxy::Session;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    Gateway,
    ctx::Ctx,
    respond,
    routes::{self, Kind},
};
use crate::{
    admission::{auth, dedupe, hygiene},
    config::FailMode,
    error::{Error, Result, data_body},
};

/// Bodies the gateway reads itself must fit the proxy's replay buffer (64 KiB).
const INSPECT_LIMIT: usize = 64 * 1024;

/// What the pipeline decided.
pub enum Flow {
    /// Go on to the upstream.
    Proxy,
    /// The gateway has answered already.
    Answered,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PerformanceRef {
    performance_id: Option<Uuid>,
}

impl Gateway {
    pub(super) async fn admit(&self, session: &mut Session, ctx: &mut Ctx) -> Result<Flow> {
        ctx.request_id = hygiene::request_id(session.req_header());
        ctx.tls = session.digest().is_some_and(|d| d.ssl_digest.is_some());
        ctx.client_ip = self.client_ip(session);
        hygiene::strip_spoofable(session.req_header_mut());
        let method = session.req_header().method.clone();
        let path = session.req_header().uri.path().to_owned();
        let route = routes::classify(&method, &path);
        ctx.route = route.label.clone();
        ctx.streaming = route.streaming;

        if hygiene::headers_too_large(session.req_header()) {
            return Err(Error::HeadersTooLarge);
        }
        if content_length(session).is_some_and(|n| n > self.config.max_body_bytes) {
            return Err(Error::PayloadTooLarge);
        }
        match route.kind {
            Kind::Health => return self.answer_health(session, ctx, false).await,
            Kind::Ready => return self.answer_health(session, ctx, true).await,
            _ => {}
        }

        ctx.identity = match auth::bearer(session.req_header()) {
            Some(token) => match self.access.verify(token) {
                Ok(identity) => Some(identity),
                Err(e) if !route.public => return Err(e),
                Err(_) => None,
            },
            None if !route.public => {
                return Err(Error::Unauthenticated("an access token is required"));
            }
            None => None,
        };
        let ip = ctx.client_ip.unwrap_or(IpAddr::from([0, 0, 0, 0]));
        ctx.allowance = Some(self.limits.check(ip, ctx.identity.map(|i| i.user_id))?);

        match route.kind {
            Kind::QueueJoin(p) => {
                return self
                    .queue_join(session, ctx, p)
                    .await
                    .map(|_| Flow::Answered);
            }
            Kind::QueueChallenge(p) => {
                return self
                    .queue_challenge(session, ctx, p)
                    .await
                    .map(|_| Flow::Answered);
            }
            Kind::QueueStatus(p) => {
                return self
                    .queue_status(session, ctx, p)
                    .await
                    .map(|_| Flow::Answered);
            }
            Kind::QueueFairness(p) => {
                return self
                    .queue_fairness(session, ctx, p)
                    .await
                    .map(|_| Flow::Answered);
            }
            Kind::QueueAdmin(p) => {
                return self
                    .queue_admin(session, ctx, p)
                    .await
                    .map(|_| Flow::Answered);
            }
            _ => {}
        }
        if let Flow::Answered = self.edge_cached(session, ctx, route.cache).await? {
            return Ok(Flow::Answered);
        }
        if !route.dedupe {
            return Ok(Flow::Proxy);
        }
        let Some(identity) = ctx.identity else {
            return Ok(Flow::Proxy);
        };

        let body = read_small_body(session, self.config.max_body_bytes).await?;
        let performance = if route.needs_pass {
            body.as_deref()
                .and_then(|b| serde_json::from_slice::<PerformanceRef>(b).ok())
                .and_then(|r| r.performance_id)
        } else {
            None
        };
        let queued = performance.is_some_and(|p| self.queue.is_queued(p));
        if route.needs_pass && queued {
            let perf = performance.unwrap_or_default();
            let token = session
                .req_header()
                .headers
                .get(queue_pass::HEADER)
                .and_then(|v| v.to_str().ok());
            let binding = token.and_then(|t| self.passes.pass_binding(t, identity.user_id, perf));
            let Some(binding) = binding else {
                return Err(Error::QueuePassRequired);
            };
            if let Some(jkt) = binding {
                self.proof_of_possession(session, perf, &jkt, method.as_str(), &path)
                    .await?;
            }
            self.pass_in_use(identity.user_id, perf).await?;
        }

        let digest = dedupe::digest(method.as_str(), &path, body.as_deref().unwrap_or_default());
        match self
            .dedupe
            .check(
                identity.user_id,
                &route.label,
                performance,
                &digest,
                &ctx.request_id,
            )
            .await
        {
            Ok(dedupe::Outcome::First { seq, inflight }) => {
                ctx.seq = Some(seq);
                ctx.inflight = Some(inflight);
            }
            Ok(dedupe::Outcome::Duplicate { retry_after_ms }) => {
                return Err(Error::Duplicate { retry_after_ms });
            }
            // core-api answers 404 for it; the gateway keeps no state for ids it cannot vouch for.
            Ok(dedupe::Outcome::UnknownPerformance) => {}
            Err(e) => {
                let mode = if queued {
                    self.config.redis_fail_mode_queued
                } else {
                    self.config.redis_fail_mode
                };
                tracing::warn!(request_id = %ctx.request_id, error = %e, ?mode, "dedupe skipped: Redis call failed");
                match mode {
                    FailMode::Open => self.metrics.redis_fallback("dedupe", "open"),
                    FailMode::Closed => {
                        self.metrics.redis_fallback("dedupe", "closed");
                        return Err(Error::Dependency {
                            dependency: "redis",
                        });
                    }
                }
            }
        }
        Ok(Flow::Proxy)
    }

    /// The client's address: the TCP peer, unless the peer is a trusted proxy; then the
    /// address chain header (`X-Forwarded-For` form) is walked from the right, skipping
    /// trusted hops, and the first untrusted address is the client. A forged chain from an
    /// untrusted peer is never read.
    fn client_ip(&self, session: &Session) -> Option<IpAddr> {
        let peer = session
            .client_addr()
            .and_then(|a| a.as_inet())
            .map(|a| a.ip())?;
        if !self.config.is_trusted_proxy(peer) {
            return Some(peer);
        }
        let mut client = peer;
        let values = session
            .req_header()
            .headers
            .get_all(self.config.client_ip_header.as_str());
        for value in values.iter().rev() {
            let Ok(value) = value.to_str() else {
                return Some(client);
            };
            for hop in value.rsplit(',') {
                let Some(ip) = parse_hop(hop.trim()) else {
                    // Garbage: nothing left of it can be vouched for.
                    return Some(client);
                };
                client = ip;
                if !self.config.is_trusted_proxy(ip) {
                    return Some(client);
                }
            }
        }
        Some(client)
    }

    async fn answer_health(&self, session: &mut Session, ctx: &Ctx, ready: bool) -> Result<Flow> {
        let (status, data) = if ready {
            let redis_up = self.redis.ping().await.is_ok();
            let upstreams: Vec<_> = self
                .upstreams
                .health()
                .into_iter()
                .map(|(addr, healthy)| json!({ "address": addr, "healthy": healthy }))
                .collect();
            let ok = self.upstreams.any_healthy();
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            (
                status,
                json!({ "status": if ok { "ready" } else { "unavailable" }, "redis": if redis_up { "up" } else { "down" }, "upstreams": upstreams }),
            )
        } else {
            (StatusCode::OK, json!({ "status": "ok" }))
        };
        respond::json(session, ctx, status, data_body(data), None)
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing response: {e}")))?;
        Ok(Flow::Answered)
    }
}

/// One hop of an address chain: `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

fn content_length(session: &Session) -> Option<usize> {
    session
        .req_header()
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads a write's body when it is small and of known length, keeping it in the proxy's
/// replay buffer so it is still forwarded upstream. Larger or chunked bodies are left alone.
pub(super) async fn read_small_body(session: &mut Session, max: usize) -> Result<Option<Bytes>> {
    let Some(len) = content_length(session) else {
        return Ok(None);
    };
    if len == 0 || len > INSPECT_LIMIT.min(max) {
        return Ok(None);
    }
    session.enable_retry_buffering();
    let mut body = BytesMut::with_capacity(len);
    while let Some(chunk) = session
        .read_request_body()
        .await
        .map_err(|e| Error::Validation {
            field: "body",
            message: format!("could not read the body: {e}"),
        })?
    {
        body.extend_from_slice(&chunk);
        if body.len() > len {
            return Err(Error::PayloadTooLarge);
        }
    }
    Ok(Some(body.freeze()))
}
