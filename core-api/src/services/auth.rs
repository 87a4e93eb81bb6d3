//! Accounts: registration, login, rotating refresh tokens, and access-token verification.

use std::sync::{Arc, LazyLock};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    config::Config,
    domain::{Email, Password, Role},
    error::{Error, Result},
    storage::{
        db::violated_constraint,
        repo::users::{NewRefreshToken, UserRepo, UserRow},
    },
};

/// Claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// The verified caller of a request.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub user_id: Uuid,
    pub role: Role,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
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

    pub fn issue(&self, user_id: Uuid, role: Role) -> Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id,
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.access_ttl_secs,
        };
        encode(&Header::new(self.algorithm), &claims, &self.encoding)
            .map_err(|e| Error::Internal(anyhow::anyhow!("signing token: {e}")))
    }

    /// Only tokens of our algorithm signed with our key, for our issuer and audience, unexpired.
    pub fn verify(&self, token: &str) -> Result<Caller> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).map_err(|_| {
            Error::Unauthenticated("the access token is missing, expired or invalid")
        })?;
        Ok(Caller {
            user_id: data.claims.sub,
            role: data.claims.role,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always "Bearer".
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
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
    users: UserRepo,
    access_ttl_secs: u64,
    refresh_ttl: Duration,
    /// argon2id takes ~19 MiB and a core's worth of CPU per hash. Unbounded, a crowd logging
    /// in at once ran dozens in parallel (hundreds of MiB, no faster); this caps them.
    hashing: Arc<Semaphore>,
}

impl AuthService {
    pub fn new(config: &Config, users: UserRepo) -> Self {
        AuthService {
            jwt: Arc::new(JwtKeys::new(config)),
            users,
            access_ttl_secs: config.access_token_ttl_secs,
            refresh_ttl: Duration::seconds(config.refresh_token_ttl_secs as i64),
            hashing: Arc::new(Semaphore::new(config.password_hash_concurrency)),
        }
    }

    /// Runs one password hash or check off the async runtime, at most
    /// `CORE_PASSWORD_HASH_CONCURRENCY` at a time; the others wait their turn.
    async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| Error::Internal(e.into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::Internal(e.into()))
    }

    pub async fn register(&self, req: RegisterRequest) -> Result<UserView> {
        self.create_user(&req, Role::User).await
    }

    /// Creates an account with the given role (the seed uses this for the admin).
    pub async fn create_user(&self, req: &RegisterRequest, role: Role) -> Result<UserView> {
        let email = Email::parse("email", &req.email)?;
        let password = Password::parse(&req.password)?;
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation("name", "must be 1 to 100 characters"));
        }
        let hash = self.hashing(move || password.hash()).await??;
        match self
            .users
            .insert(email.as_str(), &hash, name, role.as_str())
            .await
        {
            Ok(user) => Ok(user.into()),
            Err(e) if violated_constraint(&e).as_deref() == Some("users_email_key") => Err(
                Error::conflict("EMAIL_TAKEN", "an account with this e-mail already exists"),
            ),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn login(&self, req: LoginRequest) -> Result<TokenPair> {
        let email = Email::parse("email", &req.email)?;
        let user = self.users.by_email(email.as_str()).await?;
        let stored = user
            .as_ref()
            .map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let candidate = req.password;
        let matches = self
            .hashing(move || Password::verify(&candidate, &stored))
            .await?;
        match user {
            Some(user) if matches => self.issue_pair(&user, Uuid::new_v4()).await,
            _ => Err(Error::Unauthenticated("e-mail or password is wrong")),
        }
    }

    /// Rotates a refresh token. Presenting one that was already used revokes its whole family:
    /// either the client or a thief replayed it, and we cannot tell which.
    pub async fn refresh(&self, req: RefreshRequest) -> Result<TokenPair> {
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
        self.issue_pair(&user, token.family_id).await
    }

    pub async fn me(&self, user_id: Uuid) -> Result<UserView> {
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
            })
            .await?;
        Ok(TokenPair {
            access_token: self.jwt.issue(user.id, Role::from_db(&user.role))?,
            refresh_token,
            token_type: "Bearer",
            expires_in: self.access_ttl_secs,
        })
    }
}
