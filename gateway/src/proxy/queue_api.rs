//! The waiting-room routes the gateway answers itself:
//!
//! - `POST /api/v1/queue/{performanceId}/join`
//! - `GET  /api/v1/queue/{performanceId}/status` with `Queue-Token: <queueToken>`
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
        queue::{Standing, Status},
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

impl Gateway {
    fn redis_down(&self, e: fred::error::Error) -> Error {
        tracing::warn!(error = %e, "waiting room unavailable: Redis call failed");
        self.metrics.redis_fallback("queue", "closed");
        Error::Dependency {
            dependency: "redis",
        }
    }

    pub(super) async fn queue_join(
        &self,
        session: &mut Session,
        ctx: &Ctx,
        perf: Uuid,
    ) -> Result<()> {
        let user = caller(ctx)?.user_id;
        let now = self.clock.now_ms();
        let standing = self
            .queue
            .join(user, perf, now)
            .await
            .map_err(|e| self.redis_down(e))?;
        let ticket = self
            .passes
            .issue_ticket(user, perf, standing.seq, now / 1000)
            .map_err(signing)?;
        self.answer(session, ctx, user, perf, standing, ticket, now)
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
        let seq = self
            .passes
            .ticket_seq(&ticket, user, perf)
            .ok_or_else(|| Error::Validation {
                field: "Queue-Token",
                message: "send the queueToken from join in the Queue-Token header".to_owned(),
            })?;
        let now = self.clock.now_ms();
        let standing = self
            .queue
            .status(user, perf, seq, now)
            .await
            .map_err(|e| self.redis_down(e))?;
        self.answer(session, ctx, user, perf, standing, ticket, now)
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
        now_ms: i64,
    ) -> Result<()> {
        let (status, reason) = match standing.status {
            Status::Waiting => ("WAITING", None),
            Status::Admitted => ("ADMITTED", None),
            Status::SoldOut => ("SOLD_OUT", Some("SOLD_OUT")),
            Status::Closed => ("CLOSED", Some("QUEUE_DISABLED")),
            Status::Expired => ("CLOSED", Some("PASS_EXPIRED")),
        };
        let mut data = json!({
            "performanceId": perf,
            "queueToken": ticket,
            "status": status,
            "position": standing.position(),
            "estimatedWaitSeconds": standing.estimated_wait_seconds(),
            "pollAfterMs": standing.poll_after_ms(),
        });
        if let Some(reason) = reason {
            data["reason"] = Value::from(reason);
        }
        if standing.status == Status::SoldOut {
            self.metrics.reject("sold_out");
        }
        if standing.status == Status::Admitted {
            let expires_secs = standing.pass_expires_at_ms / 1000;
            data["passToken"] = Value::from(
                self.passes
                    .issue_pass(user, perf, now_ms / 1000, expires_secs)
                    .map_err(signing)?,
            );
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
