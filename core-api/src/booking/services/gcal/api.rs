//! The Calendar API and its OAuth 2.0 JWT bearer grant (RFC 7523): one call per event
//! change, with an access token cached until shortly before it expires.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use jsonwebtoken::{Algorithm, Header};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::GoogleSync;

const SCOPE: &str = "https://www.googleapis.com/auth/calendar.events";

#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<u64>,
}

impl GoogleSync {
    /// One Calendar API call; a 401 drops the cached token so the next try gets a new one.
    pub(super) async fn call(
        &self,
        calendar: &str,
        method: reqwest::Method,
        event: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<StatusCode> {
        let mut url = self.inner.api.clone();
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|()| anyhow!("API URL cannot be a base"))?;
            path.pop_if_empty()
                .extend(["calendars", calendar, "events"]);
            if let Some(event) = event {
                path.push(event);
            }
        }
        let token = self.token().await?;
        let mut request = self.inner.http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let status = request
            .send()
            .await
            .context("calendar API unreachable")?
            .status();
        if status == StatusCode::UNAUTHORIZED {
            *self.inner.token.lock().await = None;
        }
        Ok(status)
    }

    async fn token(&self) -> anyhow::Result<String> {
        let mut cached = self.inner.token.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let now = self.inner.clock.now().timestamp();
        let claims = Assertion {
            iss: &self.inner.client_email,
            scope: SCOPE,
            aud: &self.inner.token_uri,
            iat: now,
            exp: now + 3600,
        };
        let assertion =
            jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &self.inner.key)?;
        let response = self
            .inner
            .http
            .post(&self.inner.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .context("token endpoint unreachable")?;
        if !response.status().is_success() {
            bail!("token endpoint answered {}", response.status());
        }
        let answer: TokenAnswer = response.json().await.context("token endpoint answer")?;
        let ttl = answer.expires_in.unwrap_or(3600).saturating_sub(60).max(1);
        *cached = Some((
            answer.access_token.clone(),
            Instant::now() + Duration::from_secs(ttl),
        ));
        Ok(answer.access_token)
    }
}
