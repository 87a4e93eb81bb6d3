//! Access tokens: the claims core-api signs, and the one check every reader runs (core-api on
//! each request, the gateway before it forwards one). The load driver signs its buyers'
//! tokens with the same [`AccessSigner`].
//!
//! A token is accepted only when it is signed with the configured key and algorithm
//! ([`VerifyKey::validation`]: issuer, audience, `exp`, 5 s leeway) and its claims have the
//! shape of [`AccessClaims`]: a user id, a known role, and `iat`; `ver` may be absent (0).

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode, errors::Error,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::token_keys::{SignKey, VerifyKey};

/// What both services answer (401 `UNAUTHENTICATED`) for any token they refuse.
pub const REFUSED: &str = "the access token is missing, expired or invalid";

// No doc comment: utoipa would publish it in core-api's OpenAPI document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "USER",
            Role::Admin => "ADMIN",
        }
    }

    /// Reads the stored form; anything unknown is treated as the least privileged role.
    pub fn from_db(raw: &str) -> Self {
        if raw == "ADMIN" {
            Role::Admin
        } else {
            Role::User
        }
    }
}

/// Claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The account's auth version at issue; a newer one (deactivation, sign-out everywhere)
    /// refuses the token. Absent in older tokens: version 0.
    #[serde(default)]
    pub ver: i64,
}

/// Checks access tokens against one key, issuer and audience. No I/O.
#[derive(Clone)]
pub struct AccessVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl AccessVerifier {
    pub fn new(key: &VerifyKey, issuer: &str, audience: &str) -> Self {
        AccessVerifier {
            key: key.key.clone(),
            validation: key.validation(issuer, audience),
        }
    }

    /// The claims of a token we accept; `None` for any other algorithm (including `none`),
    /// signature, issuer or audience, an expired token, or claims of another shape.
    pub fn verify(&self, token: &str) -> Option<AccessClaims> {
        decode::<AccessClaims>(token, &self.key, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// Signs access tokens with core-api's key, for its issuer and audience.
#[derive(Clone)]
pub struct AccessSigner {
    key: EncodingKey,
    algorithm: Algorithm,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

impl AccessSigner {
    pub fn new(key: &SignKey, issuer: &str, audience: &str, ttl_secs: i64) -> Self {
        AccessSigner {
            key: key.encoding.clone(),
            algorithm: key.algorithm(),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_secs,
        }
    }

    /// A token for `user`, issued at `now_secs` and valid for the signer's TTL.
    pub fn sign(&self, user: Uuid, role: Role, ver: i64, now_secs: i64) -> Result<String, Error> {
        let claims = AccessClaims {
            sub: user,
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now_secs,
            exp: now_secs + self.ttl_secs,
            ver,
        };
        encode(&Header::new(self.algorithm), &claims, &self.key)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ISSUER: &str = "holdfast";
    const AUDIENCE: &str = "holdfast-api";

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    fn hs256(secret: &str) -> (AccessSigner, AccessVerifier) {
        let key = SignKey::hs256(secret);
        (
            AccessSigner::new(&key, ISSUER, AUDIENCE, 600),
            AccessVerifier::new(&key.verify, ISSUER, AUDIENCE),
        )
    }

    #[test]
    fn roles_round_trip_through_their_stored_form() {
        for role in [Role::User, Role::Admin] {
            assert_eq!(Role::from_db(role.as_str()), role);
        }
        assert_eq!(Role::from_db("ROOT"), Role::User);
    }

    #[test]
    fn a_signed_token_verifies_with_its_claims() {
        let (signer, verifier) = hs256("an-access-token-secret-of-32-bytes!!");
        let user = Uuid::new_v4();
        let token = signer.sign(user, Role::Admin, 3, now()).expect("signs");
        let claims = verifier.verify(&token).expect("accepted");
        assert_eq!(
            (claims.sub, claims.role, claims.ver),
            (user, Role::Admin, 3)
        );
        assert_eq!(claims.exp - claims.iat, 600);
    }

    #[test]
    fn foreign_expired_and_misshapen_tokens_are_refused() {
        let secret = "an-access-token-secret-of-32-bytes!!";
        let (signer, verifier) = hs256(secret);
        let (other, _) = hs256("another-access-token-secret-32-bytes");
        let user = Uuid::new_v4();
        let forged = other.sign(user, Role::Admin, 0, now()).expect("signs");
        assert!(verifier.verify(&forged).is_none());
        let expired = signer
            .sign(user, Role::User, 0, now() - 700)
            .expect("signs");
        assert!(verifier.verify(&expired).is_none());
        let key = EncodingKey::from_secret(secret.as_bytes());
        let claims = |role: &str, aud: &str| json!({ "sub": user, "role": role, "iss": ISSUER, "aud": aud, "iat": now(), "exp": now() + 60 });
        let sign = |claims| encode(&Header::new(Algorithm::HS256), &claims, &key).expect("signs");
        assert!(verifier.verify(&sign(claims("USER", AUDIENCE))).is_some());
        assert!(verifier.verify(&sign(claims("ROOT", AUDIENCE))).is_none());
        assert!(
            verifier
                .verify(&sign(claims("USER", "elsewhere")))
                .is_none()
        );
    }
}
