//! One-way push of bookings to Google Calendar, through one service account: each team's
//! bookings go to that team's own calendar and to no other.
//!
//! Postgres is the source of truth. Every booking write adds a row to `calendar_outbox` in
//! its own transaction; this worker drains the outbox: it reads the booking as it is now and
//! makes the calendar event match (insert, patch or delete), retrying with backoff while
//! Google is unreachable. Event ids are derived from booking ids, so a retried insert whose
//! first answer was lost finds its event (409) instead of making a second one.
//!
//! Auth is the OAuth 2.0 JWT bearer grant (RFC 7523): an RS256 assertion signed with the
//! service account's key is traded for an access token, cached until shortly before expiry.

mod api;
mod event;

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use holdfast_contract::clock::Clock;
use jsonwebtoken::EncodingKey;
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use tokio::{
    sync::{Mutex, Notify, watch},
    time::Instant,
};
use uuid::Uuid;

use self::event::{event_body, event_id};
use crate::{
    booking::storage::{
        bookings::BookingRepo,
        outbox::{OutboxRepo, OutboxRow},
    },
    config::GoogleConfig,
};

const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
const BATCH: u64 = 50;

/// The fields of a Google service account JSON key that the grant needs.
#[derive(Deserialize)]
struct KeyFile {
    client_email: String,
    private_key: String,
    token_uri: Option<String>,
}

#[derive(Clone)]
pub(crate) struct GoogleSync {
    inner: Arc<Inner>,
}

struct Inner {
    config: GoogleConfig,
    client_email: String,
    key: EncodingKey,
    token_uri: String,
    api: Url,
    http: reqwest::Client,
    token: Mutex<Option<(String, Instant)>>,
    outbox: OutboxRepo,
    bookings: BookingRepo,
    clock: Arc<dyn Clock>,
    wake: Notify,
}

impl GoogleSync {
    /// Reads the service account key; a bad key stops start-up with the reason.
    pub(crate) fn new(
        config: GoogleConfig,
        (outbox, bookings): (OutboxRepo, BookingRepo),
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let raw = std::fs::read_to_string(&config.key_file).with_context(|| {
            format!(
                "GOOGLE_SERVICE_ACCOUNT_KEY_FILE: cannot read {}",
                config.key_file.display()
            )
        })?;
        let key: KeyFile = serde_json::from_str(&raw)
            .context("GOOGLE_SERVICE_ACCOUNT_KEY_FILE: not a service account JSON key")?;
        let signing = EncodingKey::from_rsa_pem(key.private_key.as_bytes())
            .context("GOOGLE_SERVICE_ACCOUNT_KEY_FILE: private_key is not an RSA PEM key")?;
        let token_uri = config
            .token_uri
            .clone()
            .or(key.token_uri)
            .unwrap_or_else(|| DEFAULT_TOKEN_URI.to_owned());
        let api = Url::parse(&format!("{}/", config.api_url)).context("GOOGLE_CALENDAR_API_URL")?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.request_timeout_ms))
            .build()?;
        Ok(GoogleSync {
            inner: Arc::new(Inner {
                client_email: key.client_email,
                key: signing,
                token_uri,
                api,
                http,
                token: Mutex::new(None),
                outbox,
                bookings,
                clock,
                wake: Notify::new(),
                config,
            }),
        })
    }

    /// Wakes the worker (new outbox rows).
    pub(crate) fn kick(&self) {
        self.inner.wake.notify_one();
    }

    /// Pushes one booking now, within the request timeout; what does not finish is left to
    /// the worker.
    pub(crate) async fn push_now(&self, booking_id: Uuid) {
        let limit = Duration::from_millis(self.inner.config.request_timeout_ms);
        let run = async {
            let rows = self
                .inner
                .outbox
                .claim(Some(booking_id), BATCH, self.lease_secs())
                .await?;
            self.process(rows).await;
            anyhow::Ok(())
        };
        match tokio::time::timeout(limit, run).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, %booking_id, "calendar push not attempted"),
            Err(_) => tracing::warn!(%booking_id, "calendar push timed out; the outbox retries it"),
        }
        self.kick();
    }

    /// Drains the outbox until `stop` turns true.
    pub(crate) async fn run(self, mut stop: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.inner.config.poll_ms);
        loop {
            let claimed = self
                .inner
                .outbox
                .claim(None, BATCH, self.lease_secs())
                .await;
            let full = match claimed {
                Ok(rows) => {
                    let full = rows.len() as u64 == BATCH;
                    self.process(rows).await;
                    full
                }
                Err(e) => {
                    tracing::warn!(error = %e, "calendar outbox unreadable");
                    false
                }
            };
            if let Ok(n) = self.inner.outbox.backlog().await {
                metrics::gauge!("calendar_outbox_backlog").set(n as f64);
            }
            if full {
                continue;
            }
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }

    /// A claimed row stays invisible to other workers this long (a crash gives it back).
    pub(crate) fn lease_secs(&self) -> i64 {
        (self.inner.config.request_timeout_ms as i64 * 3 / 1000).max(5)
    }

    fn backoff_ms(&self, attempts: i32) -> i64 {
        let c = &self.inner.config;
        let exp = attempts.clamp(1, 20) as u32 - 1;
        let base = c
            .backoff_ms
            .saturating_mul(1u64 << exp)
            .min(c.max_backoff_ms);
        // Up to 20% jitter, so many failed rows do not come back in lockstep.
        let jitter = rand::random_range(0..=base / 5);
        (base - base / 10 + jitter) as i64
    }

    async fn process(&self, rows: Vec<OutboxRow>) {
        let mut by_booking: BTreeMap<Uuid, (Vec<i64>, i32)> = BTreeMap::new();
        for row in rows {
            let entry = by_booking.entry(row.booking_id).or_default();
            entry.0.push(row.id);
            entry.1 = entry.1.max(row.attempts);
        }
        for (booking_id, (ids, attempts)) in by_booking {
            let outcome = match self.push(booking_id).await {
                Ok(()) => self.inner.outbox.complete(&ids).await,
                Err(e) => {
                    tracing::warn!(%booking_id, attempts, error = %format!("{e:#}"), "calendar push failed; will retry");
                    self.inner
                        .outbox
                        .retry_later(&ids, self.backoff_ms(attempts), &format!("{e:#}"))
                        .await
                }
            };
            let result = if outcome.is_ok() { "ok" } else { "error" };
            metrics::counter!("calendar_sync_total", "result" => result).increment(1);
            if let Err(e) = outcome {
                tracing::warn!(%booking_id, error = %e, "calendar outbox row not updated");
            }
        }
    }

    /// Makes the calendar event of one booking match the booking, in its own team's
    /// calendar only (the team's `google_calendar_id`; the default team falls back to
    /// `GOOGLE_CALENDAR_ID`). An event left in another calendar — the booking was cancelled,
    /// its team changed or dropped its calendar, its server moved to another team — is
    /// deleted there first.
    async fn push(&self, booking_id: Uuid) -> anyhow::Result<()> {
        let Some(b) = self.inner.bookings.get(booking_id).await? else {
            return Ok(());
        };
        let Some(cals) = self.inner.outbox.calendars(booking_id).await? else {
            return Ok(());
        };
        let global = self.inner.config.calendar_id.as_deref();
        let target = cals
            .team_calendar_id
            .as_deref()
            .or(global.filter(|_| cals.is_default));
        let id = b.google_event_id.clone().unwrap_or_else(|| event_id(b.id));
        let written = b
            .google_event_id
            .as_ref()
            .and(cals.event_calendar_id.as_deref().or(global));
        let wanted = target.filter(|_| b.is_active());
        // An insert whose answer was lost left no event id: its event may be in the target.
        let stale = written.or(target.filter(|_| b.google_event_id.is_none()));
        if let Some(calendar) = stale.filter(|c| Some(*c) != wanted) {
            match self
                .call(calendar, reqwest::Method::DELETE, Some(&id), None)
                .await?
            {
                s if s.is_success() || s == StatusCode::NOT_FOUND || s == StatusCode::GONE => {}
                s => bail!("delete answered {s}"),
            }
            if b.google_event_id.is_some() {
                self.inner.outbox.set_google_event(b.id, None).await?;
            }
        }
        let Some(calendar) = wanted else {
            return Ok(());
        };
        let body = event_body(&b, &id);
        if written == Some(calendar) {
            match self
                .call(calendar, reqwest::Method::PATCH, Some(&id), Some(&body))
                .await?
            {
                s if s.is_success() => return Ok(()),
                s if s == StatusCode::NOT_FOUND || s == StatusCode::GONE => {}
                s => bail!("patch answered {s}"),
            }
        }
        match self
            .call(calendar, reqwest::Method::POST, None, Some(&body))
            .await?
        {
            s if s.is_success() => {}
            // An earlier attempt made it (its answer was lost): bring it up to date instead.
            StatusCode::CONFLICT => match self
                .call(calendar, reqwest::Method::PATCH, Some(&id), Some(&body))
                .await?
            {
                s if s.is_success() => {}
                s => bail!("patch after a duplicate insert answered {s}"),
            },
            s => bail!("insert answered {s}"),
        }
        self.inner
            .outbox
            .set_google_event(b.id, Some((&id, calendar)))
            .await?;
        Ok(())
    }
}
