//! Notifications (SMTP_URL, CORE_NOTIFY_* variables): e-mail is off unless `SMTP_URL` is set;
//! team webhooks need no setting. The worker's pace and backoff are tunable.

use holdfast_contract::env::{ConfigError, Env, ensure};

#[derive(Clone)]
pub(crate) struct NotifyConfig {
    /// `smtp://host:port` (plain, or STARTTLS with `?tls=starttls`), `smtps://host:port`
    /// (TLS); user and password in the URL. None: no e-mail.
    pub(crate) smtp_url: Option<String>,
    /// The From of every e-mail.
    pub(crate) from: String,
    pub(crate) poll_ms: u64,
    pub(crate) backoff_ms: u64,
    pub(crate) max_backoff_ms: u64,
    /// One delivery's time limit (SMTP session or webhook call).
    pub(crate) timeout_ms: u64,
    /// "Reservation about to expire" goes out this long before it does.
    pub(crate) expiring_minutes: i64,
}

impl NotifyConfig {
    pub(super) fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(NotifyConfig {
            smtp_url: env.optional("SMTP_URL").filter(|u| !u.trim().is_empty()),
            from: env.string("CORE_NOTIFY_FROM", "Holdfast <no-reply@holdfast.local>"),
            poll_ms: env.parse("CORE_NOTIFY_POLL_MS", "1000")?,
            backoff_ms: env.parse("CORE_NOTIFY_BACKOFF_MS", "1000")?,
            max_backoff_ms: env.parse("CORE_NOTIFY_MAX_BACKOFF_MS", "300000")?,
            timeout_ms: env.parse("CORE_NOTIFY_TIMEOUT_MS", "10000")?,
            expiring_minutes: env.parse("CORE_NOTIFY_EXPIRING_MINUTES", "5")?,
        })
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.smtp_url {
            ensure(
                url.starts_with("smtp://") || url.starts_with("smtps://"),
                "SMTP_URL",
                "must start with smtp:// or smtps://",
            )?;
            ensure(
                crate::shared::services::notifications::email::Mailer::new(url, &self.from).is_ok(),
                "SMTP_URL",
                "is not a valid SMTP URL, or CORE_NOTIFY_FROM is not a valid address",
            )?;
        }
        ensure(
            self.poll_ms >= 10,
            "CORE_NOTIFY_POLL_MS",
            "must be at least 10",
        )?;
        ensure(
            self.backoff_ms >= 10,
            "CORE_NOTIFY_BACKOFF_MS",
            "must be at least 10",
        )?;
        ensure(
            self.max_backoff_ms >= self.backoff_ms,
            "CORE_NOTIFY_MAX_BACKOFF_MS",
            "must not be below CORE_NOTIFY_BACKOFF_MS",
        )?;
        ensure(
            self.timeout_ms >= 100,
            "CORE_NOTIFY_TIMEOUT_MS",
            "must be at least 100",
        )?;
        ensure(
            (1..=1440).contains(&self.expiring_minutes),
            "CORE_NOTIFY_EXPIRING_MINUTES",
            "must be 1 to 1440",
        )
    }
}

/// The SMTP URL may carry a password: never printed.
impl std::fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyConfig")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "[set]"))
            .field("from", &self.from)
            .field("poll_ms", &self.poll_ms)
            .field("backoff_ms", &self.backoff_ms)
            .field("max_backoff_ms", &self.max_backoff_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("expiring_minutes", &self.expiring_minutes)
            .finish()
    }
}
