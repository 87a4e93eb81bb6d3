//! The waiting-room routes the gateway answers itself:
//!
//! - `POST /api/v1/queue/{performanceId}/join` (with a proof-of-work solution and the client's
//!   key when the line asks for them; see `friction`)
//! - `GET  /api/v1/queue/{performanceId}/status` with `Queue-Token: <queueToken>`
//! - `GET  /api/v1/queue/{performanceId}/fairness?offset=&limit=` (public): the pre-queue's proof
//! - `GET  /api/v1/admin/queue/{performanceId}` (admins): live numbers
//!
//! Redis is required here: without it the waiting room cannot order anyone, so these answer
//! 503 (fail-closed) and say so in `gateway_redis_fallbacks_total{policy="queue"}`.

use holdfast_contract::queue_pass;
use http::StatusCode;
use pingora::proxy::Session;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Gateway, ctx::Ctx, respond};
use crate::{
    admission::{
        auth::Identity,
        prequeue::PAGE_MAX,
        queue::Settings,
        standing::{Standing, Status, jittered},
    },
    error::{Error, Result, data_body},
};

fn signing(e: jsonwebtoken::errors::Error) -> Error {
    Error::Internal(anyhow::anyhow!("signing a queue token: {e}"))
}

fn caller(ctx: &Ctx) -> Result<Identity> {
    ctx.identity
        .ok_or(Error::Unauthenticated("an access token is required"))
}

/// Seconds until the line is likely to have room again: the overflow at the admission rate.
fn full_retry_after_secs(standing: &Standing, settings: &Settings) -> u64 {
    let over = (standing.waiting - settings.max_queue_length + 1).max(1);
    let rate = settings.admit_per_minute.max(1);
    ((over * 60 + rate - 1) / rate).clamp(1, 600) as u64
}

/// A query parameter as a number, or `default`.
fn query_number(session: &Session, name: &str, default: i64) -> Result<i64> {
    let query = session.req_header().uri.query().unwrap_or_default();
    let Some(value) = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
    else {
        return Ok(default);
    };
    value
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| Error::Validation {
            field: if name == "offset" { "offset" } else { "limit" },
            message: "must be a whole number, 0 or more".to_owned(),
        })
}

impl Gateway {
    fn redis_down(&self, e: fred::error::Error) -> Error {
        tracing::warn!(error = %e, "waiting room unavailable: Redis call failed");
        self.metrics.redis_fallback("queue", "closed");
        Error::Dependency {
            dependency: "redis",
        }
    }

    /// A hold presents a valid pass: the first use keeps the slot for the whole pass window;
    /// a pass left unused past `passUnusedSeconds` has lost its slot and is refused.
    pub(super) async fn pass_in_use(&self, user: Uuid, perf: Uuid) -> Result<()> {
        match self.queue.use_pass(user, perf, self.clock.now_ms()).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::PassReleased),
            // The duplicate check that follows needs Redis too and applies the configured
            // fail mode (`GATEWAY_REDIS_FAIL_MODE_QUEUED`); the pass itself was valid.
            Err(e) => {
                tracing::debug!(error = %e, "first use of a pass not recorded: Redis call failed");
                Ok(())
            }
        }
    }

    pub(super) async fn queue_join(
        &self,
        session: &mut Session,
        ctx: &Ctx,
        perf: Uuid,
    ) -> Result<()> {
        let user = caller(ctx)?.user_id;
        let settings = self.queue.settings(perf).unwrap_or_default();
        let jkt = if settings.enabled {
            self.join_friction(session, user, perf, &settings).await?
        } else {
            None
        };
        let now = self.clock.now_ms();
        let standing = self
            .queue
            .join(user, perf, now)
            .await
            .map_err(|e| self.redis_down(e))?;
        match standing.status {
            Status::Full => {
                self.metrics
                    .queue_full
                    .with_label_values(&[&perf.to_string()])
                    .inc();
                return Err(Error::QueueFull {
                    retry_after_secs: full_retry_after_secs(&standing, &settings),
                });
            }
            Status::NotOpen => {
                return Err(Error::QueueNotOpen {
                    prequeue_opens_at: settings.prequeue_opens_at_ms() / 1000,
                    sale_opens_at: settings.sale_opens_at_ms / 1000,
                });
            }
            _ => {}
        }
        let ticket = self
            .passes
            .issue_bound_ticket(user, perf, standing.seq, now / 1000, jkt.as_deref())
            .map_err(signing)?;
        self.answer(session, ctx, user, perf, standing, ticket, jkt, now)
            .await
    }

    pub(super) async fn queue_status(
        &self,
        session: &mut Session,
        ctx: &Ctx,
        perf: Uuid,
    ) -> Result<()> {
        let user = caller(ctx)?.user_id;
        let ticket = session
            .req_header()
            .headers
            .get(queue_pass::HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default();
        // The ticket proves the user joined this line; the place itself is read from Redis
        // (a pre-queue place is only known after the draw).
        let jkt = self
            .passes
            .ticket(&ticket, user, perf)
            .ok_or_else(|| Error::Validation {
                field: "Queue-Token",
                message: "send the queueToken from join in the Queue-Token header".to_owned(),
            })?
            .jkt;
        let now = self.clock.now_ms();
        let standing = self
            .queue
            .status(user, perf, now)
            .await
            .map_err(|e| self.redis_down(e))?;
        if standing.status == Status::Abandoned {
            self.metrics
                .queue_abandoned
                .with_label_values(&[&perf.to_string()])
                .inc();
        }
        self.answer(session, ctx, user, perf, standing, ticket, jkt, now)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn answer(
        &self,
        session: &mut Session,
        ctx: &Ctx,
        user: Uuid,
        perf: Uuid,
        standing: Standing,
        ticket: String,
        jkt: Option<String>,
        now_ms: i64,
    ) -> Result<()> {
        let mut settings = self.queue.settings(perf).unwrap_or_default();
        if settings.seed_hash.is_none() && standing.status == Status::Prequeue {
            // Committed by this join, after the directory's last refresh.
            settings.seed_hash = self.queue.seed_hash(perf).await;
        }
        let apm = settings.admit_per_minute;
        let (status, reason) = standing.status.wire();
        let (low, high) = standing.wait_range_seconds(apm, settings.measured_per_minute);
        let mut data = json!({
            "performanceId": perf,
            "queueToken": ticket,
            "status": status,
            "position": standing.position(),
            "estimatedWaitSeconds": low,
            "waitRangeSeconds": { "min": low, "max": high },
            "pollAfterMs": jittered(standing.poll_after_ms(apm)),
            "peopleInLine": standing.waiting.max(0),
            "saleOpensAt": settings.sale_opens_at_ms / 1000,
            "prequeueOpensAt": settings.prequeue_opens_at_ms() / 1000,
            "seedHash": settings.seed_hash,
            "chance": standing.chance(settings.seats_left, settings.seats_per_buyer),
            "seatsLeft": settings.seats_left,
        });
        if let Some(reason) = reason {
            data["reason"] = Value::from(reason);
        }
        if !standing.join_token.is_empty() {
            data["joinToken"] = Value::from(standing.join_token.as_str());
        }
        if standing.seq > 0 {
            // For a pre-queue member this is the place drawn at the open (the verifier
            // recomputes it); for everyone else, the place in order of joining.
            data["joinSequence"] = Value::from(standing.seq);
        }
        if standing.status == Status::SoldOut {
            self.metrics.reject("sold_out");
        }
        if standing.status == Status::Admitted {
            let expires_secs = standing.pass_expires_at_ms / 1000;
            data["passToken"] = Value::from(
                self.passes
                    .issue_bound_pass(user, perf, now_ms / 1000, expires_secs, jkt.as_deref())
                    .map_err(signing)?,
            );
            // The client signs a DPoP proof with this key for every hold.
            data["passBoundTo"] = Value::from(jkt);
            data["passExpiresAt"] = Value::from(expires_secs);
            self.metrics
                .queue_passes_issued
                .with_label_values(&[&perf.to_string()])
                .inc();
        }
        respond::json(session, ctx, StatusCode::OK, data_body(data), None)
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing response: {e}")))
    }

    pub(super) async fn queue_fairness(
        &self,
        session: &mut Session,
        ctx: &Ctx,
        perf: Uuid,
    ) -> Result<()> {
        let offset = query_number(session, "offset", 0)?;
        let limit = query_number(session, "limit", PAGE_MAX)?;
        let data = self
            .queue
            .fairness_view(perf, offset, limit)
            .await
            .map_err(|e| self.redis_down(e))?;
        respond::json(session, ctx, StatusCode::OK, data_body(data), None)
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing response: {e}")))
    }

    pub(super) async fn queue_admin(
        &self,
        session: &mut Session,
        ctx: &Ctx,
        perf: Uuid,
    ) -> Result<()> {
        if !caller(ctx)?.admin {
            return Err(Error::Forbidden("admins only"));
        }
        let (waiting, admitted, active, sold_out) = self
            .queue
            .stats(perf, self.clock.now_ms())
            .await
            .map_err(|e| self.redis_down(e))?;
        let data = json!({
            "performanceId": perf,
            "queueEnabled": self.queue.is_queued(perf),
            "waiting": waiting,
            "admitted": admitted,
            "activePasses": active,
            "soldOut": sold_out,
        });
        respond::json(session, ctx, StatusCode::OK, data_body(data), None)
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing response: {e}")))
    }
}
