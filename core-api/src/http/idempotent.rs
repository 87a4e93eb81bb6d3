//! `Idempotency-Key` for writes: the first answer to a key is stored and replayed for
//! retries (24 h by default). Same key, different body → 422 `IDEMPOTENCY_KEY_REUSED`; same key
//! while the first request still runs → 409 `DUPLICATE_REQUEST`. 5xx answers are not stored,
//! so a retry after an outage runs again.

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use chrono::{Duration, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    error::{Error, Result},
    shared::{
        services::auth::Caller,
        storage::idempotency::{Claim, KeyState, success_body},
    },
    startup::AppState,
};

/// The header a retried write carries to be answered once (1 to 200 visible ASCII characters).
pub(crate) const HEADER: &str = "Idempotency-Key";

/// A JSON answer that can be stored and replayed byte for byte.
pub(crate) struct Replayable {
    status: StatusCode,
    body: Value,
    replayed: bool,
}

impl Replayable {
    fn with<T: Serialize>(status: StatusCode, data: &T) -> Self {
        Replayable {
            status,
            body: success_body(data),
            replayed: false,
        }
    }

    pub(crate) fn ok<T: Serialize>(data: &T) -> Self {
        Self::with(StatusCode::OK, data)
    }

    pub(crate) fn created<T: Serialize>(data: &T) -> Self {
        Self::with(StatusCode::CREATED, data)
    }
}

impl IntoResponse for Replayable {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.replayed {
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
        }
        response
    }
}

/// Runs `work` at most once per (caller, route, Idempotency-Key); without the header it just
/// runs. `work` gets the key's claim when there is one: a service that stores its answer with
/// `Claim::answer_in` inside its own transaction saves the separate write afterwards.
pub(crate) async fn idempotent(
    state: &AppState,
    caller: Caller,
    headers: &HeaderMap,
    route: &str,
    request: &Value,
    work: impl AsyncFnOnce(Option<&Claim>) -> Result<Replayable>,
) -> Result<Replayable> {
    let Some(raw) = headers.get(HEADER) else {
        return work(None).await;
    };
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
    let Some(key) = key else {
        return Err(Error::validation(
            "Idempotency-Key",
            "must be 1 to 200 visible ASCII characters",
        ));
    };
    let hash = Sha256::digest(format!("{route}\n{request}").as_bytes()).to_vec();
    let repo = &state.services.idempotency;
    let expires_at = Utc::now() + Duration::seconds(state.config.idempotency_ttl_secs as i64);
    match repo
        .begin(caller.user_id, route, key, &hash, expires_at)
        .await?
    {
        KeyState::Started => {}
        KeyState::InProgress { request_hash } | KeyState::Done { request_hash, .. }
            if request_hash != hash =>
        {
            return Err(Error::rule(
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was used with a different request",
                json!({ "field": "Idempotency-Key" }),
            ));
        }
        KeyState::InProgress { .. } => {
            return Err(Error::conflict(
                "DUPLICATE_REQUEST",
                "the first request with this Idempotency-Key is still running",
            ));
        }
        KeyState::Done { status, body, .. } => {
            metrics::counter!("idempotent_replays_total").increment(1);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok(Replayable {
                status,
                body,
                replayed: true,
            });
        }
    }
    let claim = Claim::new(caller.user_id, route, key);
    let outcome = work(Some(&claim)).await;
    match outcome {
        // Stored with the work, in its transaction.
        Ok(answer) if claim.answered() => Ok(answer),
        Ok(answer) => {
            repo.finish(&claim, answer.status.as_u16(), &answer.body)
                .await?;
            Ok(answer)
        }
        // Worth retrying (5xx): free the key, so a retry runs for real. (An answer the work
        // wrote into its transaction rolled back with it; the key still waits for one.)
        Err(e) if e.status_code().is_server_error() => {
            if let Err(cleanup) = repo.abandon(&claim).await {
                tracing::warn!(error = %cleanup, "could not free an idempotency key; it frees itself in a minute");
            }
            Err(e)
        }
        Err(e) => {
            repo.finish(&claim, e.status_code().as_u16(), &e.envelope())
                .await?;
            Err(e)
        }
    }
}
