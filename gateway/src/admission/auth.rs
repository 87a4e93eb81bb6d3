//! Access-token check: the one configured algorithm only (HS256 shared secret or EdDSA public
//! key), our issuer and audience, unexpired (`holdfast_contract::claims`, the same check
//! core-api runs). Done locally, no I/O.

use holdfast_contract::claims::{self, AccessVerifier, Role};
use pingora::http::RequestHeader;
use uuid::Uuid;

use crate::{config::Config, error::Error};

/// Who a verified access token says the caller is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user_id: Uuid,
    pub admin: bool,
}

pub struct AccessTokens(AccessVerifier);

impl AccessTokens {
    pub fn new(config: &Config) -> Self {
        AccessTokens(AccessVerifier::new(
            &config.jwt_key,
            &config.jwt_issuer,
            &config.jwt_audience,
        ))
    }

    /// Any other algorithm (including `none`), signature, issuer, audience or an expired token
    /// is refused with 401.
    pub fn verify(&self, token: &str) -> Result<Identity, Error> {
        let claims = self
            .0
            .verify(token)
            .ok_or(Error::Unauthenticated(claims::REFUSED))?;
        Ok(Identity {
            user_id: claims.sub,
            admin: claims.role == Role::Admin,
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
