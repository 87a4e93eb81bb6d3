//! Access-token check: the one configured algorithm only (HS256 shared secret or EdDSA public
//! key), our issuer and audience, unexpired. Done locally, no I/O.

use jsonwebtoken::{DecodingKey, Validation, decode};
use pingora::http::RequestHeader;
use serde::Deserialize;
use uuid::Uuid;

use crate::{config::Config, error::Error};

/// Who a verified access token says the caller is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user_id: Uuid,
    pub admin: bool,
}

#[derive(Deserialize)]
struct Claims {
    sub: Uuid,
    role: String,
}

pub struct AccessTokens {
    key: DecodingKey,
    validation: Validation,
}

impl AccessTokens {
    pub fn new(config: &Config) -> Self {
        AccessTokens {
            key: config.jwt_key.key.clone(),
            validation: config
                .jwt_key
                .validation(&config.jwt_issuer, &config.jwt_audience),
        }
    }

    /// Any other algorithm (including `none`), signature, issuer, audience or an expired token
    /// is refused with 401.
    pub fn verify(&self, token: &str) -> Result<Identity, Error> {
        let data = decode::<Claims>(token, &self.key, &self.validation).map_err(|_| {
            Error::Unauthenticated("the access token is missing, expired or invalid")
        })?;
        Ok(Identity {
            user_id: data.claims.sub,
            admin: data.claims.role == "ADMIN",
        })
    }
}

/// The bearer token of the request, if it has one.
pub fn bearer(req: &RequestHeader) -> Option<&str> {
    let value = req
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
