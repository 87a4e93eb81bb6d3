//! One-way Google Calendar push (GOOGLE_* variables): off unless a service account key
//! (`GOOGLE_SERVICE_ACCOUNT_KEY_FILE`) or `GOOGLE_CALENDAR_ID` is set. Each team pushes to
//! its own calendar; `GOOGLE_CALENDAR_ID` is the default team's.

use std::path::PathBuf;

use holdfast_contract::env::{ConfigError, Env, ensure};

/// Google Calendar push through a service account (GOOGLE_* variables).
#[derive(Clone, Debug)]
pub(crate) struct GoogleConfig {
    /// The default team's calendar (the team made for the servers that existed before
    /// teams), used while that team sets none of its own.
    pub(crate) calendar_id: Option<String>,
    /// The service account's JSON key as downloaded from Google Cloud.
    pub(crate) key_file: PathBuf,
    /// Overrides the key file's `token_uri` (tests point it at a local fake).
    pub(crate) token_uri: Option<String>,
    pub(crate) api_url: String,
    pub(crate) poll_ms: u64,
    pub(crate) backoff_ms: u64,
    pub(crate) max_backoff_ms: u64,
    pub(crate) request_timeout_ms: u64,
}

impl GoogleConfig {
    pub(super) fn from_env(env: &Env) -> Result<Option<Self>, ConfigError> {
        let calendar_id = env.optional("GOOGLE_CALENDAR_ID");
        if calendar_id.is_none() && env.optional("GOOGLE_SERVICE_ACCOUNT_KEY_FILE").is_none() {
            return Ok(None);
        }
        Ok(Some(GoogleConfig {
            calendar_id,
            key_file: PathBuf::from(env.required("GOOGLE_SERVICE_ACCOUNT_KEY_FILE")?),
            token_uri: env.optional("GOOGLE_TOKEN_URI"),
            api_url: env
                .string(
                    "GOOGLE_CALENDAR_API_URL",
                    "https://www.googleapis.com/calendar/v3",
                )
                .trim_end_matches('/')
                .to_owned(),
            poll_ms: env.parse("GOOGLE_SYNC_POLL_MS", "1000")?,
            backoff_ms: env.parse("GOOGLE_SYNC_BACKOFF_MS", "1000")?,
            max_backoff_ms: env.parse("GOOGLE_SYNC_MAX_BACKOFF_MS", "300000")?,
            request_timeout_ms: env.parse("GOOGLE_SYNC_TIMEOUT_MS", "5000")?,
        }))
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        ensure(
            self.poll_ms >= 10,
            "GOOGLE_SYNC_POLL_MS",
            "must be at least 10",
        )?;
        ensure(
            self.backoff_ms >= 10,
            "GOOGLE_SYNC_BACKOFF_MS",
            "must be at least 10",
        )?;
        ensure(
            self.max_backoff_ms >= self.backoff_ms,
            "GOOGLE_SYNC_MAX_BACKOFF_MS",
            "must not be below GOOGLE_SYNC_BACKOFF_MS",
        )?;
        ensure(
            self.request_timeout_ms >= 100,
            "GOOGLE_SYNC_TIMEOUT_MS",
            "must be at least 100",
        )?;
        Ok(())
    }
}
