//! The one `ProxyHttp` implementation: the admission pipeline in `request_filter`, upstream
//! selection with connect-failure retries for idempotent requests, identity and sequence
//! headers upstream, our envelope on proxy failures, and metrics in `logging`.

mod cached;
pub mod ctx;
mod friction;
mod pipeline;
mod queue_api;
mod respond;
pub mod routes;
pub mod upstream;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use holdfast_contract::{clock::Clock, queue_pass::PassKeys};
use pingora::{
    ErrorType, HTTPStatus,
    http::{RequestHeader, ResponseHeader},
    prelude::HttpPeer,
    proxy::{FailToProxy, ProxyHttp, Session},
};

use self::{ctx::Ctx, pipeline::Flow, upstream::Upstreams};
use crate::{
    admission::{auth::AccessTokens, dedupe::Dedupe, queue::Queue, rate_limit::RateLimits},
    config::Config,
    edge_cache::EdgeCache,
    error::Error,
    metrics::Metrics,
    redis::Redis,
};

/// Shared by every request; per-request state lives in [`Ctx`]. Each worker thread has its
/// own copy (the fields are shared handles), so that each has its own Pingora proxy.
#[derive(Clone)]
pub struct Gateway {
    pub config: Arc<Config>,
    pub upstreams: Arc<Upstreams>,
    pub access: AccessTokens,
    pub passes: Arc<PassKeys>,
    /// Proof-of-work challenges on join (keyed by the queue-pass secret).
    pub pow: Arc<crate::admission::pow::Pow>,
    pub limits: Arc<RateLimits>,
    pub dedupe: Dedupe,
    pub queue: Arc<Queue>,
    pub redis: Redis,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    /// `None` when `GATEWAY_EDGE_CACHE_TTL_MS=0`.
    pub edge_cache: Option<Arc<EdgeCache>>,
    /// Which worker thread this copy serves on (its share of the upstream connection slots).
    pub worker: usize,
}

#[async_trait]
impl ProxyHttp for Gateway {
    type CTX = Ctx;

    fn new_ctx(&self) -> Ctx {
        Ctx::default()
    }

    async fn request_filter(&self, session: &mut Session, ctx: &mut Ctx) -> pingora::Result<bool> {
        match self.admit(session, ctx).await {
            Ok(Flow::Proxy) => Ok(false),
            Ok(Flow::Answered) => Ok(true),
            Err(e) => {
                if let Some(reason) = e.reject_reason() {
                    self.metrics.reject(reason);
                }
                respond::error(session, ctx, &e).await?;
                Ok(true)
            }
        }
    }

    async fn request_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        _end_of_stream: bool,
        ctx: &mut Ctx,
    ) -> pingora::Result<()> {
        ctx.body_bytes += body.as_ref().map_or(0, Bytes::len);
        if ctx.body_bytes > self.config.max_body_bytes {
            self.metrics.reject("body_too_large");
            return Err(pingora::Error::explain(
                HTTPStatus(413),
                "request body over the cap",
            ));
        }
        Ok(())
    }

    async fn upstream_peer(
        &self,
        _session: &mut Session,
        ctx: &mut Ctx,
    ) -> pingora::Result<Box<HttpPeer>> {
        let backend = self
            .upstreams
            .select(&ctx.failed)
            .ok_or_else(|| pingora::Error::explain(HTTPStatus(503), "no healthy upstream"))?;
        // Streams (SSE) hold their connection for minutes and never return it to the pool, so
        // they do not take one of the pooled connections' slots.
        // A retry gives back the slot of its failed attempt before it waits for one.
        ctx.upstream_slot = None;
        if !ctx.streaming {
            ctx.upstream_slot = self
                .upstreams
                .connection_slot(&backend, self.worker)
                .await
                .map_err(|_| {
                    pingora::Error::explain(HTTPStatus(503), "every upstream connection busy")
                })?;
        }
        let peer = self.upstreams.peer(&backend, ctx.streaming);
        ctx.upstream = Some(backend);
        Ok(peer)
    }

    fn fail_to_connect(
        &self,
        session: &mut Session,
        _peer: &HttpPeer,
        ctx: &mut Ctx,
        mut e: Box<pingora::Error>,
    ) -> Box<pingora::Error> {
        // The request never reached the upstream; only idempotent ones are tried elsewhere.
        if let Some(backend) = ctx.upstream.take() {
            ctx.failed.push(backend);
        }
        ctx.upstream_slot = None;
        let idempotent = session.req_header().method.is_idempotent();
        e.set_retry(idempotent && ctx.failed.len() <= self.config.upstream_retries);
        e
    }

    async fn upstream_request_filter(
        &self,
        _session: &mut Session,
        upstream: &mut RequestHeader,
        ctx: &mut Ctx,
    ) -> pingora::Result<()> {
        upstream.insert_header("x-request-id", ctx.request_id.as_str())?;
        if let Some(identity) = ctx.identity {
            upstream.insert_header("x-authenticated-user-id", identity.user_id.to_string())?;
        }
        if let Some(seq) = ctx.seq {
            upstream.insert_header("x-fcfs-seq", seq.to_string())?;
        }
        if let Some(ip) = ctx.client_ip {
            upstream.insert_header("x-forwarded-for", ip.to_string())?;
        }
        Ok(())
    }

    async fn response_filter(
        &self,
        _session: &mut Session,
        resp: &mut ResponseHeader,
        ctx: &mut Ctx,
    ) -> pingora::Result<()> {
        // A write that failed upstream frees its in-flight key before the client hears of the
        // failure, so an immediate retry is not refused as a duplicate.
        if !resp.status.is_success()
            && let Some(inflight) = ctx.inflight.take()
        {
            self.dedupe.release(&inflight).await;
        }
        // The filler keeps the upstream's own header, before the per-request ones go on.
        if let Some(fill) = ctx.cache_fill.as_mut()
            && !fill.header(resp)
        {
            ctx.cache_fill = None;
        }
        respond::decorate(resp, ctx)
    }

    fn upstream_response_body_filter(
        &self,
        _session: &mut Session,
        body: &mut Option<Bytes>,
        end_of_stream: bool,
        ctx: &mut Ctx,
    ) -> pingora::Result<Option<std::time::Duration>> {
        if let Some(fill) = ctx.cache_fill.as_mut() {
            if body.as_ref().is_some_and(|chunk| !fill.body(chunk)) {
                ctx.cache_fill = None;
            } else if end_of_stream && let Some(fill) = ctx.cache_fill.take() {
                fill.finish();
            }
        }
        Ok(None)
    }

    async fn fail_to_proxy(
        &self,
        session: &mut Session,
        e: &pingora::Error,
        ctx: &mut Ctx,
    ) -> FailToProxy {
        let err = match e.etype() {
            HTTPStatus(413) => Error::PayloadTooLarge,
            HTTPStatus(503) => Error::Dependency {
                dependency: "core-api",
            },
            ErrorType::ConnectTimedout | ErrorType::ConnectRefused | ErrorType::ConnectError
                if !final_response_written(session) =>
            {
                Error::Dependency {
                    dependency: "core-api",
                }
            }
            _ => Error::BadGateway,
        };
        let code = if final_response_written(session) {
            0 // Headers are out already (a broken stream): nothing more can be said.
        } else {
            tracing::warn!(request_id = %ctx.request_id, error = %e, "proxying failed");
            match respond::error(session, ctx, &err).await {
                Ok(()) => err.status_code().as_u16(),
                Err(_) => 0,
            }
        };
        FailToProxy {
            error_code: code,
            can_reuse_downstream: false,
        }
    }

    /// How Pingora's own error lines name a request: method, route label and request id,
    /// never the raw path (calendar feed paths carry a secret token).
    fn request_summary(&self, session: &Session, ctx: &Ctx) -> String {
        format!(
            "{} {}, request id {}",
            session.req_header().method,
            ctx.route,
            ctx.request_id
        )
    }

    async fn logging(&self, session: &mut Session, _e: Option<&pingora::Error>, ctx: &mut Ctx) {
        let status = session.response_written().map_or(0, |r| r.status.as_u16());
        // No upstream answer at all (connect failure, broken exchange): free the key too.
        if let Some(inflight) = ctx.inflight.take()
            && !(200..300).contains(&status)
        {
            self.dedupe.release(&inflight).await;
        }
        // The status label without formatting a string per request.
        let status = http::StatusCode::from_u16(status).ok();
        let labels = [
            session.req_header().method.as_str(),
            ctx.route.as_str(),
            status.as_ref().map_or("0", http::StatusCode::as_str),
        ];
        self.metrics.requests.with_label_values(&labels).inc();
        self.metrics
            .latency
            .with_label_values(&labels)
            .observe(ctx.start.elapsed().as_secs_f64());
    }
}

/// Whether the client already has a final response header. An interim `100 Continue` (core-api
/// answering a client's `Expect: 100-continue`) does not count: after one, a refusal such as
/// 413 for a chunked body that outgrew the cap can and must still be sent.
fn final_response_written(session: &Session) -> bool {
    session
        .response_written()
        .is_some_and(|r| !r.status.is_informational())
}
