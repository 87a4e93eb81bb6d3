//! Accounts: registration, login, rotating refresh tokens and signing out. Who a request's
//! token says the caller is comes from [`Caller`] and [`JwtKeys`] (`caller.rs`).

mod caller;

pub use caller::{Caller, JwtKeys};

use std::{
    sync::{Arc, LazyLock},
    time::Duration as StdDuration,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use holdfast_contract::clock::Clock;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::shared::services::{hashing::HashingPool, sessions::Sessions};
use crate::{
    config::Config,
    error::{Error, ErrorCode, Result},
    shared::{
        domain::{Account, Credentials, Email, NewAccount, Password, Role, Tokens},
        storage::{
            account_changes::AccountEvents,
            login_throttle::{Backoff, LoginThrottle},
            users::{NewRefreshToken, UserRepo, UserRow},
        },
    },
    storage::redis::Redis,
};

/// A real argon2id hash to verify against when the e-mail is unknown, so a login attempt takes
/// as long for a missing account as for a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Password::parse("holdfast-dummy-password")
        .and_then(|p| p.hash())
        .unwrap_or_default()
});

#[derive(Clone)]
pub struct AuthService {
    pub jwt: Arc<JwtKeys>,
    /// Every request's caller checked against the account's current state.
    pub sessions: Sessions,
    users: UserRepo,
    throttle: LoginThrottle,
    access_ttl_secs: u64,
    refresh_ttl: Duration,
    /// argon2id takes ~19 MiB and a core's worth of CPU per hash: a bounded pool runs them.
    hashing: HashingPool,
    clock: Arc<dyn Clock>,
}

impl AuthService {
    pub(crate) fn new(
        config: &Config,
        users: UserRepo,
        redis: Redis,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let limits = &config.auth;
        AuthService {
            jwt: Arc::new(JwtKeys::new(config)),
            sessions: Sessions::new(
                users.clone(),
                AccountEvents::new(redis.clone()),
                StdDuration::from_millis(limits.account_cache_ttl_ms),
                StdDuration::from_millis(limits.account_cache_fallback_ttl_ms),
            ),
            users,
            throttle: LoginThrottle::new(
                redis,
                Backoff {
                    max_failures: limits.login_max_failures,
                    first_delay: StdDuration::from_millis(limits.login_backoff_ms),
                    max_delay: StdDuration::from_millis(limits.login_backoff_max_ms),
                    window: StdDuration::from_secs(limits.login_failure_window_secs),
                },
            ),
            access_ttl_secs: config.access_token_ttl_secs,
            refresh_ttl: Duration::seconds(config.refresh_token_ttl_secs as i64),
            hashing: HashingPool::new(
                config.password_hash_concurrency,
                limits.password_hash_queue,
                StdDuration::from_millis(limits.password_hash_wait_ms),
            ),
            clock,
        }
    }

    pub(crate) async fn register(&self, req: NewAccount) -> Result<Account> {
        self.create_user(&req, Role::User).await
    }

    /// Creates an account with the given role (the seed uses this for the admin).
    pub(crate) async fn create_user(&self, req: &NewAccount, role: Role) -> Result<Account> {
        let email = Email::parse("email", &req.email)?;
        let password = Password::parse(&req.password)?;
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation("name", "must be 1 to 100 characters"));
        }
        let hash = self.hashing.run(move || password.hash()).await??;
        match self
            .users
            .insert(email.as_str(), &hash, name, role.as_str())
            .await
        {
            Ok(user) => Ok(user.into()),
            Err(e) if e.constraint() == Some("users_email_key") => Err(Error::conflict(
                ErrorCode::EmailTaken,
                "an account with this e-mail already exists",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks e-mail and password. Each e-mail (known or not, so the answer tells nothing
    /// about which accounts exist) gets `CORE_LOGIN_MAX_FAILURES` tries; then each further try
    /// must wait a doubling delay (429 with `Retry-After`), whatever the password. A success
    /// resets the count. If Redis is unreachable the throttle is skipped (fails open) and
    /// logged: sign-in keeps working, the per-IP gateway limit still applies.
    pub(crate) async fn login(&self, req: Credentials) -> Result<Tokens> {
        let email = Email::parse("email", &req.email)?;
        let throttled = self.throttle_check(email.as_str()).await?;
        let user = self.users.by_email(email.as_str()).await?;
        let stored = user
            .as_ref()
            .map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let candidate = req.password;
        let matches = self
            .hashing
            .run(move || Password::verify(&candidate, &stored))
            .await?;
        match user {
            Some(user) if matches => {
                if throttled {
                    self.throttle_reset(email.as_str()).await;
                }
                if !user.active {
                    return Err(Error::Unauthenticated("this account is deactivated"));
                }
                self.issue_pair(&user, Uuid::new_v4()).await
            }
            _ => {
                if throttled {
                    self.throttle_failed(email.as_str()).await;
                }
                Err(Error::Unauthenticated("e-mail or password is wrong"))
            }
        }
    }

    /// 429 while the e-mail is locked; Ok(false) when the throttle cannot be reached.
    async fn throttle_check(&self, email: &str) -> Result<bool> {
        match self.throttle.locked_for(email).await {
            Ok(None) => Ok(true),
            Ok(Some(wait)) => {
                metrics::counter!("login_throttled_total").increment(1);
                let retry_after_secs = (wait.as_millis().div_ceil(1000) as u64).max(1);
                Err(Error::RateLimited {
                    message: "too many failed sign-ins for this account; wait and try again"
                        .to_owned(),
                    retry_after_secs,
                    details: serde_json::json!({ "retryAfterSeconds": retry_after_secs }),
                })
            }
            Err(e) => {
                metrics::counter!("login_throttle_unavailable_total").increment(1);
                tracing::warn!(error = %e, "login throttle unreachable; not throttling");
                Ok(false)
            }
        }
    }

    async fn throttle_failed(&self, email: &str) {
        if let Err(e) = self.throttle.failed(email).await {
            metrics::counter!("login_throttle_unavailable_total").increment(1);
            tracing::warn!(error = %e, "login throttle unreachable; failure not counted");
        }
    }

    async fn throttle_reset(&self, email: &str) {
        if let Err(e) = self.throttle.succeeded(email).await {
            tracing::warn!(error = %e, "login throttle unreachable; failures not reset");
        }
    }

    /// Rotates a refresh token. Presenting one that was already used revokes its whole family:
    /// either the client or a thief replayed it, and we cannot tell which.
    pub(crate) async fn refresh(&self, refresh_token: &str) -> Result<Tokens> {
        const REFUSED: Error =
            Error::Unauthenticated("the refresh token is invalid, expired or revoked");
        let hash = Sha256::digest(refresh_token.as_bytes()).to_vec();
        let token = self
            .users
            .refresh_token_by_hash(&hash)
            .await?
            .ok_or(REFUSED)?;
        if token.revoked_at.is_some() || token.expires_at <= self.clock.now() {
            return Err(REFUSED);
        }
        if token.used_at.is_some() || !self.users.use_refresh_token(token.id).await? {
            tracing::warn!(family = %token.family_id, "refresh token reuse; revoking the family");
            self.users.revoke_family(token.family_id).await?;
            return Err(REFUSED);
        }
        let user = self.users.by_id(token.user_id).await?.ok_or(REFUSED)?;
        if !user.active || user.auth_version != token.auth_version {
            return Err(REFUSED);
        }
        self.issue_pair(&user, token.family_id).await
    }

    /// Ends the login a refresh token belongs to: every token rotated from it is revoked.
    /// Unknown, expired and already revoked tokens are fine too (sign-out is idempotent).
    pub(crate) async fn logout(&self, refresh_token: &str) -> Result<()> {
        if refresh_token.trim().is_empty() {
            return Err(Error::validation("refreshToken", "must not be empty"));
        }
        let hash = Sha256::digest(refresh_token.as_bytes()).to_vec();
        if let Some(token) = self.users.refresh_token_by_hash(&hash).await? {
            self.users.revoke_family(token.family_id).await?;
        }
        Ok(())
    }

    /// Signs the caller out everywhere: every refresh token revoked, and every access token
    /// issued until now refused from the next request on (a new auth version).
    pub(crate) async fn logout_all(&self, user_id: Uuid) -> Result<()> {
        self.users
            .end_all_sessions(user_id)
            .await?
            .ok_or(Error::Unauthenticated("the account no longer exists"))?;
        self.sessions.changed(user_id).await;
        Ok(())
    }

    pub(crate) async fn me(&self, user_id: Uuid) -> Result<Account> {
        self.users
            .by_id(user_id)
            .await?
            .map(Into::into)
            .ok_or(Error::Unauthenticated("the account no longer exists"))
    }

    async fn issue_pair(&self, user: &UserRow, family_id: Uuid) -> Result<Tokens> {
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let refresh_token = URL_SAFE_NO_PAD.encode(raw);
        self.users
            .insert_refresh_token(NewRefreshToken {
                user_id: user.id,
                family_id,
                token_hash: Sha256::digest(refresh_token.as_bytes()).to_vec(),
                expires_at: self.clock.now() + self.refresh_ttl,
                auth_version: user.auth_version,
            })
            .await?;
        Ok(Tokens {
            access_token: self
                .jwt
                .issue(user.id, Role::from_db(&user.role), user.auth_version)?,
            refresh_token,
            expires_in: self.access_ttl_secs,
        })
    }
}
