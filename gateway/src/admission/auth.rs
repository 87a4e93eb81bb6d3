//! Access-token check: the one configured algorithm only (HS256 shared secret or EdDSA public
//! key), our issuer and audience, unexpired (`holdfast_contract::claims`, the same check
//! core-api runs). Done locally, no I/O.
//!
//! A buyer sends the same token with every request of a session, and checking it (base64,
//! JSON, an HMAC or a signature) was the largest single cost of a proxied write in the profile.
//! So each copy of [`AccessTokens`] (one per worker thread) remembers the tokens it accepted:
//! the exact token text maps to its identity and expiry; a remembered token is accepted again
//! without the check until it expires, and from then on it gets the full check (which refuses
//! it, or accepts it within the verifier's clock leeway exactly as before). A token that failed
//! is never remembered.

use std::{collections::HashMap, sync::Mutex};

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

/// Tokens remembered per copy; when full, the memory starts over (a few hundred KB at most).
const REMEMBERED: usize = 4096;

pub struct AccessTokens {
    verifier: AccessVerifier,
    /// Accepted token → (identity, `exp` in Unix seconds).
    accepted: Mutex<HashMap<Box<str>, (Identity, i64)>>,
}

/// A copy starts with an empty memory (each worker thread keeps its own).
impl Clone for AccessTokens {
    fn clone(&self) -> Self {
        AccessTokens {
            verifier: self.verifier.clone(),
            accepted: Mutex::default(),
        }
    }
}

impl AccessTokens {
    pub fn new(config: &Config) -> Self {
        AccessTokens {
            verifier: AccessVerifier::new(
                &config.jwt_key,
                &config.jwt_issuer,
                &config.jwt_audience,
            ),
            accepted: Mutex::default(),
        }
    }

    /// Any other algorithm (including `none`), signature, issuer, audience or an expired token
    /// is refused with 401.
    pub fn verify(&self, token: &str) -> Result<Identity, Error> {
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX);
        let mut accepted = self.accepted.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&(identity, exp)) = accepted.get(token)
            && now < exp
        {
            return Ok(identity);
        }
        let claims = self
            .verifier
            .verify(token)
            .ok_or(Error::Unauthenticated(claims::REFUSED))?;
        let identity = Identity {
            user_id: claims.sub,
            admin: claims.role == Role::Admin,
        };
        if accepted.len() >= REMEMBERED {
            accepted.clear();
        }
        accepted.insert(token.into(), (identity, claims.exp));
        Ok(identity)
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use holdfast_contract::{claims::AccessSigner, testing::random_secret, token_keys::SignKey};

    use super::*;

    fn tokens(secret: &str) -> AccessTokens {
        let vars: HashMap<String, String> = [
            ("GATEWAY_JWT_SECRET", secret.to_owned()),
            ("GATEWAY_QUEUE_PASS_SECRET", random_secret()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        AccessTokens::new(&Config::from_vars(vars).expect("config"))
    }

    fn remembered(tokens: &AccessTokens) -> usize {
        tokens.accepted.lock().expect("lock").len()
    }

    #[test]
    fn an_accepted_token_is_remembered_and_a_refused_one_is_not() {
        let secret = random_secret();
        let tokens = tokens(&secret);
        let user = Uuid::new_v4();
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).expect("now");
        let signer = AccessSigner::new(&SignKey::hs256(&secret), "holdfast", "holdfast-api", 600);
        let token = signer.sign(user, Role::User, 0, now).expect("sign");

        let first = tokens.verify(&token).expect("accepted");
        assert_eq!(first.user_id, user);
        assert_eq!(remembered(&tokens), 1);
        assert_eq!(tokens.verify(&token).expect("accepted again"), first);

        let other_key = AccessSigner::new(
            &SignKey::hs256(&random_secret()),
            "holdfast",
            "holdfast-api",
            600,
        );
        let forged = other_key.sign(user, Role::Admin, 0, now).expect("sign");
        assert!(tokens.verify(&forged).is_err());
        assert!(tokens.verify(&format!("{token}x")).is_err());
        assert_eq!(remembered(&tokens), 1, "refused tokens are not remembered");

        // Each copy (one per worker thread) starts with its own, empty memory.
        assert_eq!(remembered(&tokens.clone()), 0);
    }

    #[test]
    fn a_remembered_entry_past_its_expiry_is_not_trusted() {
        let tokens = tokens(&random_secret());
        let identity = Identity {
            user_id: Uuid::new_v4(),
            admin: true,
        };
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).expect("now");
        // Not a token at all: only the memory could accept it.
        tokens
            .accepted
            .lock()
            .expect("lock")
            .insert("not-a-token".into(), (identity, now - 1));
        assert!(tokens.verify("not-a-token").is_err());
        tokens
            .accepted
            .lock()
            .expect("lock")
            .insert("not-a-token".into(), (identity, now + 60));
        assert_eq!(tokens.verify("not-a-token").expect("remembered"), identity);
    }
}
