//! Accounts: registration, login, rotating refresh tokens, and access-token verification.

use std::{
    sync::{Arc, LazyLock},
    time::Duration as StdDuration,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::shared::services::{hashing::HashingPool, sessions::Sessions};
use crate::{
    config::Config,
    error::{Error, Result},
    shared::{
        domain::{Email, Password, Role},
        storage::{
            account_changes::AccountEvents,
            login_throttle::{Backoff, LoginThrottle},
            users::{NewRefreshToken, UserRepo, UserRow},
        },
    },
    storage::redis::Redis,
};

/// Claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub(crate) sub: Uuid,
    pub(crate) role: Role,
    pub(crate) iss: String,
    pub(crate) aud: String,
    pub(crate) iat: i64,
    pub(crate) exp: i64,
    /// The account's auth version at issue; a newer one (deactivation, sign-out everywhere)
    /// refuses the token. Absent in older tokens: version 0.
    #[serde(default)]
    pub(crate) ver: i64,
}

/// The verified caller of a request.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub user_id: Uuid,
    /// The account's current role (the extractor replaces the token's with it).
    pub role: Role,
    /// The auth version the token was issued under.
    pub auth_version: i64,
}

impl Caller {
    pub(crate) fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// HS256 (shared secret) or EdDSA (Ed25519 private key); only this one is accepted.
    algorithm: Algorithm,
    issuer: String,
    audience: String,
    access_ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(config: &Config) -> Self {
        let key = &config.jwt_key;
        JwtKeys {
            encoding: key.encoding.clone(),
            decoding: key.verify.key.clone(),
            validation: key
                .verify
                .validation(&config.jwt_issuer, &config.jwt_audience),
            algorithm: key.algorithm(),
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            access_ttl_secs: config.access_token_ttl_secs as i64,
        }
    }

    pub fn issue(&self, user_id: Uuid, role: Role, ver: i64) -> Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.access_ttl_secs,
            ver,
        };
        encode(&Header::new(self.algorithm), &claims, &self.encoding)
            .map_err(|e| Error::Internal(anyhow::anyhow!("signing token: {e}")))
    }

    /// Only tokens of our algorithm signed with our key, for our issuer and audience, unexpired.
    pub(crate) fn verify(&self, token: &str) -> Result<Caller> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|_| {
            Error::Unauthenticated("the access token is missing, expired or invalid")
        })?;
        Ok(Caller {
            user_id: data.claims.sub,
            role: data.claims.role,
            auth_version: data.claims.ver,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterRequest {
    /// An e-mail address (trimmed and lowercased; `local@domain.tld`).
    #[schema(max_length = 254)]
    pub(crate) email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub(crate) password: String,
    /// 1 to 100 characters after trimming.
    #[schema(min_length = 1, max_length = 100)]
    pub(crate) name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginRequest {
    /// An e-mail address (trimmed and lowercased; `local@domain.tld`).
    #[schema(max_length = 254)]
    pub(crate) email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub(crate) password: String,
}

/// Also the body of `/auth/logout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefreshRequest {
    pub(crate) refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenPair {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    /// Always "Bearer".
    pub(crate) token_type: &'static str,
    /// Seconds until the access token expires.
    pub(crate) expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserView {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: Role,
}

impl From<UserRow> for UserView {
    fn from(u: UserRow) -> Self {
        UserView {
            id: u.id,
            role: Role::from_db(&u.role),
            email: u.email,
            name: u.name,
        }
    }
}

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
}

impl AuthService {
    pub(crate) fn new(config: &Config, users: UserRepo, redis: Redis) -> Self {
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
        }
    }

    pub(crate) async fn register(&self, req: RegisterRequest) -> Result<UserView> {
        self.create_user(&req, Role::User).await
    }

    /// Creates an account with the given role (the seed uses this for the admin).
    pub(crate) async fn create_user(&self, req: &RegisterRequest, role: Role) -> Result<UserView> {
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
                "EMAIL_TAKEN",
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
    pub(crate) async fn login(&self, req: LoginRequest) -> Result<TokenPair> {
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
    pub(crate) async fn refresh(&self, req: RefreshRequest) -> Result<TokenPair> {
        const REFUSED: Error =
            Error::Unauthenticated("the refresh token is invalid, expired or revoked");
        let hash = Sha256::digest(req.refresh_token.as_bytes()).to_vec();
        let token = self
            .users
            .refresh_token_by_hash(&hash)
            .await?
            .ok_or(REFUSED)?;
        if token.revoked_at.is_some() || token.expires_at <= Utc::now() {
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
    pub(crate) async fn logout(&self, req: RefreshRequest) -> Result<()> {
        if req.refresh_token.trim().is_empty() {
            return Err(Error::validation("refreshToken", "must not be empty"));
        }
        let hash = Sha256::digest(req.refresh_token.as_bytes()).to_vec();
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

    pub(crate) async fn me(&self, user_id: Uuid) -> Result<UserView> {
        self.users
            .by_id(user_id)
            .await?
            .map(Into::into)
            .ok_or(Error::Unauthenticated("the account no longer exists"))
    }

    async fn issue_pair(&self, user: &UserRow, family_id: Uuid) -> Result<TokenPair> {
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        let refresh_token = URL_SAFE_NO_PAD.encode(raw);
        self.users
            .insert_refresh_token(NewRefreshToken {
                user_id: user.id,
                family_id,
                token_hash: Sha256::digest(refresh_token.as_bytes()).to_vec(),
                expires_at: Utc::now() + self.refresh_ttl,
                auth_version: user.auth_version,
            })
            .await?;
        Ok(TokenPair {
            access_token: self
                .jwt
                .issue(user.id, Role::from_db(&user.role), user.auth_version)?,
            refresh_token,
            token_type: "Bearer",
            expires_in: self.access_ttl_secs,
        })
    }
}
