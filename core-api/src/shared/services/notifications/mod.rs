//! Notifications of both products, drained from the transactional outbox: each instance runs
//! a worker that enqueues scheduled ones (reminders, reservations about to expire), then
//! takes due rows under row locks (`SKIP LOCKED`: instances never share a row), delivers
//! each by e-mail or webhook, and marks it delivered, or retries it later with exponential
//! backoff. A delivery that fails is never lost: its row waits for the next attempt.

pub(crate) mod email;
mod templates;

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use holdfast_contract::clock::Clock;
use tokio::sync::watch;
use uuid::Uuid;

use self::email::Mailer;
use crate::{
    config::NotifyConfig,
    error::Result,
    shared::storage::notifications::{Claimed, Due, Outbox, Preferences, Webhook},
};

/// Due rows one worker takes at a time.
const BATCH: u64 = 20;

/// What one delivery came to.
enum Outcome {
    Sent,
    Skipped,
    Failed(String),
}

#[derive(Clone)]
pub(crate) struct Notifier {
    outbox: Outbox,
    mailer: Option<Mailer>,
    http: reqwest::Client,
    config: NotifyConfig,
    clock: Arc<dyn Clock>,
}

impl Notifier {
    pub(crate) fn new(
        config: NotifyConfig,
        outbox: Outbox,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let mailer = config
            .smtp_url
            .as_deref()
            .map(|url| Mailer::new(url, &config.from))
            .transpose()?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .build()?;
        Ok(Notifier {
            outbox,
            mailer,
            http,
            config,
            clock,
        })
    }

    pub(crate) async fn preferences(&self, user_id: Uuid) -> Result<Preferences> {
        Ok(self.outbox.preferences(user_id).await?)
    }

    pub(crate) async fn save_preferences(
        &self,
        user_id: Uuid,
        p: &Preferences,
    ) -> Result<Preferences> {
        self.outbox.save_preferences(user_id, p).await?;
        self.preferences(user_id).await
    }

    pub(crate) async fn webhooks(&self, team_id: Uuid) -> Result<Vec<Webhook>> {
        Ok(self.outbox.webhooks(team_id).await?)
    }

    pub(crate) async fn add_webhook(
        &self,
        team_id: Uuid,
        url: &str,
        events: Option<Vec<String>>,
    ) -> Result<Webhook> {
        Ok(self.outbox.add_webhook(team_id, url, events).await?)
    }

    pub(crate) async fn remove_webhook(&self, team_id: Uuid, id: Uuid) -> Result<bool> {
        Ok(self.outbox.remove_webhook(team_id, id).await?)
    }

    /// Runs until `stop` turns true.
    pub(crate) fn spawn(&self, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let worker = self.clone();
        let every = Duration::from_millis(self.config.poll_ms);
        tokio::spawn(async move {
            loop {
                if let Err(e) = worker.round().await {
                    tracing::warn!(error = %e, "notifications: round failed; retrying");
                }
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => break,
                    () = tokio::time::sleep(every) => {}
                }
            }
        })
    }

    /// One pass: enqueue what the clock says is due, then deliver every due row.
    async fn round(&self) -> crate::storage::StoreResult<()> {
        self.outbox
            .scan(self.clock.now(), self.config.expiring_minutes)
            .await?;
        loop {
            let claimed = self.outbox.claim(self.clock.now(), BATCH).await?;
            if claimed.rows.is_empty() {
                return Ok(());
            }
            self.deliver_all(&claimed).await?;
            claimed.commit().await?;
        }
    }

    async fn deliver_all(&self, claimed: &Claimed) -> crate::storage::StoreResult<()> {
        for row in &claimed.rows {
            match self.deliver(row).await {
                Outcome::Sent => {
                    metrics::counter!("notifications_total", "channel" => row.channel.clone(), "result" => "sent").increment(1);
                    claimed.settle(row.id, "sent").await?;
                }
                Outcome::Skipped => claimed.settle(row.id, "skipped").await?,
                Outcome::Failed(error) => {
                    metrics::counter!("notifications_total", "channel" => row.channel.clone(), "result" => "failed").increment(1);
                    tracing::info!(id = row.id, attempts = row.attempts + 1, %error, "notification failed; will retry");
                    claimed
                        .retry(row.id, self.next_attempt(row.attempts), &error)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Exponential backoff from CORE_NOTIFY_BACKOFF_MS, capped at CORE_NOTIFY_MAX_BACKOFF_MS.
    fn next_attempt(&self, attempts: i32) -> DateTime<Utc> {
        let factor = 1u64 << attempts.clamp(0, 20);
        let ms = self
            .config
            .backoff_ms
            .saturating_mul(factor)
            .min(self.config.max_backoff_ms);
        self.clock.now() + chrono::Duration::milliseconds(ms as i64)
    }

    async fn deliver(&self, row: &Due) -> Outcome {
        let zone = templates::zone(row.time_zone.as_deref(), &row.payload);
        let locale = row.locale.as_deref().unwrap_or("en");
        if row.channel == "webhook" {
            let Some(url) = &row.url else {
                return Outcome::Skipped;
            };
            let text = templates::chat_line(&row.event, locale, &row.payload, zone);
            return match self
                .http
                .post(url)
                .json(&serde_json::json!({ "text": text }))
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => Outcome::Sent,
                Ok(r) => Outcome::Failed(format!("webhook answered {}", r.status())),
                Err(e) => Outcome::Failed(format!("webhook: {e}")),
            };
        }
        let wanted = row
            .events
            .as_ref()
            .and_then(|e| e[&row.event].as_bool())
            .unwrap_or(true);
        let (Some(mailer), Some(to), true, true) = (
            &self.mailer,
            &row.email,
            wanted,
            row.email_on.unwrap_or(true),
        ) else {
            return Outcome::Skipped;
        };
        let text = templates::render(&row.event, locale, &row.payload, zone);
        let message_id = format!("<notification-{}@holdfast>", row.id);
        let timeout = Duration::from_millis(self.config.timeout_ms);
        match mailer
            .send(
                (to, row.user_name.as_deref().unwrap_or("")),
                (&text.subject, &text.body),
                &message_id,
                timeout,
            )
            .await
        {
            Ok(()) => Outcome::Sent,
            Err(e) => Outcome::Failed(format!("smtp: {e}")),
        }
    }
}
