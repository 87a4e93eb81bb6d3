//! Who a request's token says the caller is: the verified [`Caller`], and the keys access
//! tokens are signed and checked with ([`JwtKeys`]).

use chrono::Utc;
use holdfast_contract::claims::{self, AccessSigner, AccessVerifier};
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
    shared::domain::Role,
};

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

/// Access tokens: signed and checked with `holdfast_contract::claims`, the check the gateway
/// runs too. HS256 (shared secret) or EdDSA (Ed25519 private key); only this one is accepted.
#[derive(Clone)]
pub struct JwtKeys {
    signer: AccessSigner,
    verifier: AccessVerifier,
}

impl JwtKeys {
    pub fn new(config: &Config) -> Self {
        let key = &config.jwt_key;
        JwtKeys {
            signer: AccessSigner::new(
                key,
                &config.jwt_issuer,
                &config.jwt_audience,
                config.access_token_ttl_secs as i64,
            ),
            verifier: AccessVerifier::new(&key.verify, &config.jwt_issuer, &config.jwt_audience),
        }
    }

    pub fn issue(&self, user_id: Uuid, role: Role, ver: i64) -> Result<String> {
        self.signer
            .sign(user_id, role, ver, Utc::now().timestamp())
            .map_err(|e| Error::Internal(anyhow::anyhow!("signing token: {e}")))
    }

    /// Only tokens of our algorithm signed with our key, for our issuer and audience, unexpired.
    pub(crate) fn verify(&self, token: &str) -> Result<Caller> {
        let claims = self
            .verifier
            .verify(token)
            .ok_or(Error::Unauthenticated(claims::REFUSED))?;
        Ok(Caller {
            user_id: claims.sub,
            role: claims.role,
            auth_version: claims.ver,
        })
    }
}
