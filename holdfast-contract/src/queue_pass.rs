//! Waiting-room tokens, both HS256 JWTs signed with the shared queue-pass secret
//! (`GATEWAY_QUEUE_PASS_SECRET`, `CORE_QUEUE_PASS_SECRET`):
//!
//! - the **pass** (`aud: holdfast-queue-pass`, short TTL) lets its user hold seats of one
//!   performance; the gateway issues it and checks it locally, and core-api checks it again;
//! - the **queue ticket** (`aud: holdfast-queue-ticket`) is the opaque `queueToken` a user
//!   shows the gateway to ask for their place; it names (user, performance, join sequence).
//!
//! The audiences differ, so a ticket can never be used as a pass.
//!
//! When the performance binds passes to the client (`bindPasses`), the ticket and the pass
//! name the thumbprint of the client's public key (`jkt`, and `cnf.jkt` in the pass as in
//! RFC 9449); every request the pass gates must then carry a proof signed with that key
//! ([`crate::dpop`]).

use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode, errors::Error,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ISSUER: &str = "holdfast-gateway";
pub const PASS_AUDIENCE: &str = "holdfast-queue-pass";
pub const TICKET_AUDIENCE: &str = "holdfast-queue-ticket";
/// Header clients send a pass (on holds) or a ticket (on queue status) in.
pub const HEADER: &str = "queue-token";
/// A ticket outlives any sale; it only names a place, the pass window is checked in Redis.
const TICKET_TTL_SECS: i64 = 7 * 24 * 3600;

/// The key a bound pass is confirmed by (RFC 7800 `cnf`).
#[derive(Debug, Serialize, Deserialize)]
struct Confirmation {
    jkt: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct PassClaims {
    sub: Uuid,
    perf: Uuid,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cnf: Option<Confirmation>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TicketClaims {
    sub: Uuid,
    perf: Uuid,
    seq: i64,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    /// The thumbprint of the client's key, when the line binds passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jkt: Option<String>,
}

/// What a valid ticket says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub seq: i64,
    /// The key passes issued for this ticket are bound to.
    pub jkt: Option<String>,
}

/// Signs and checks passes and tickets with the shared secret.
#[derive(Clone)]
pub struct PassKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pass: Validation,
    ticket: Validation,
}

fn validation(audience: &str) -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[audience]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.leeway = 2;
    v
}

impl PassKeys {
    pub fn new(secret: &str) -> Self {
        PassKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            pass: validation(PASS_AUDIENCE),
            ticket: validation(TICKET_AUDIENCE),
        }
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// A pass for `user` on `performance`, valid until `expires_at_secs`.
    pub fn issue_pass(
        &self,
        user: Uuid,
        performance: Uuid,
        now_secs: i64,
        expires_at_secs: i64,
    ) -> Result<String, Error> {
        self.issue_bound_pass(user, performance, now_secs, expires_at_secs, None)
    }

    /// As [`Self::issue_pass`], bound to the key whose thumbprint is `jkt` when there is one.
    pub fn issue_bound_pass(
        &self,
        user: Uuid,
        performance: Uuid,
        now_secs: i64,
        expires_at_secs: i64,
        jkt: Option<&str>,
    ) -> Result<String, Error> {
        self.sign(&PassClaims {
            sub: user,
            perf: performance,
            iss: ISSUER.to_owned(),
            aud: PASS_AUDIENCE.to_owned(),
            iat: now_secs,
            exp: expires_at_secs,
            cnf: jkt.map(|jkt| Confirmation {
                jkt: jkt.to_owned(),
            }),
        })
    }

    /// Whether `token` is a live pass of `user` for `performance`.
    pub fn pass_is_valid(&self, token: &str, user: Uuid, performance: Uuid) -> bool {
        self.pass_binding(token, user, performance).is_some()
    }

    /// For a live pass of `user` for `performance`: `Some(jkt)`, the key it is bound to
    /// (`None` inside when it is not bound). `None` when the pass is not valid.
    pub fn pass_binding(
        &self,
        token: &str,
        user: Uuid,
        performance: Uuid,
    ) -> Option<Option<String>> {
        decode::<PassClaims>(token, &self.decoding, &self.pass)
            .ok()
            .filter(|d| d.claims.sub == user && d.claims.perf == performance)
            .map(|d| d.claims.cnf.map(|c| c.jkt))
    }

    pub fn issue_ticket(
        &self,
        user: Uuid,
        performance: Uuid,
        seq: i64,
        now_secs: i64,
    ) -> Result<String, Error> {
        self.issue_bound_ticket(user, performance, seq, now_secs, None)
    }

    /// A ticket whose passes will be bound to the key with thumbprint `jkt`, when there is one.
    pub fn issue_bound_ticket(
        &self,
        user: Uuid,
        performance: Uuid,
        seq: i64,
        now_secs: i64,
        jkt: Option<&str>,
    ) -> Result<String, Error> {
        self.sign(&TicketClaims {
            sub: user,
            perf: performance,
            seq,
            iss: ISSUER.to_owned(),
            aud: TICKET_AUDIENCE.to_owned(),
            iat: now_secs,
            exp: now_secs + TICKET_TTL_SECS,
            jkt: jkt.map(str::to_owned),
        })
    }

    /// The join sequence a ticket names, if it is ours and belongs to `user` and `performance`.
    pub fn ticket_seq(&self, token: &str, user: Uuid, performance: Uuid) -> Option<i64> {
        self.ticket(token, user, performance).map(|t| t.seq)
    }

    /// What a ticket says, if it is ours and belongs to `user` and `performance`.
    pub fn ticket(&self, token: &str, user: Uuid, performance: Uuid) -> Option<Ticket> {
        decode::<TicketClaims>(token, &self.decoding, &self.ticket)
            .ok()
            .filter(|d| d.claims.sub == user && d.claims.perf == performance)
            .map(|d| Ticket {
                seq: d.claims.seq,
                jkt: d.claims.jkt,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-queue-pass-secret-of-32-bytes!!";

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    #[test]
    fn a_pass_is_bound_to_its_user_and_performance() {
        let keys = PassKeys::new(SECRET);
        let (user, perf) = (Uuid::new_v4(), Uuid::new_v4());
        let pass = keys
            .issue_pass(user, perf, now(), now() + 600)
            .expect("pass");
        assert!(keys.pass_is_valid(&pass, user, perf));
        assert!(!keys.pass_is_valid(&pass, Uuid::new_v4(), perf));
        assert!(!keys.pass_is_valid(&pass, user, Uuid::new_v4()));
    }

    #[test]
    fn expired_and_foreign_passes_are_refused() {
        let keys = PassKeys::new(SECRET);
        let (user, perf) = (Uuid::new_v4(), Uuid::new_v4());
        let expired = keys
            .issue_pass(user, perf, now() - 700, now() - 100)
            .expect("pass");
        assert!(!keys.pass_is_valid(&expired, user, perf));
        let other = PassKeys::new("another-secret-that-is-32-bytes-long");
        let forged = other
            .issue_pass(user, perf, now(), now() + 600)
            .expect("pass");
        assert!(!keys.pass_is_valid(&forged, user, perf));
    }

    #[test]
    fn a_bound_pass_names_its_key_and_an_unbound_one_none() {
        let keys = PassKeys::new(SECRET);
        let (user, perf) = (Uuid::new_v4(), Uuid::new_v4());
        let bound = keys
            .issue_bound_pass(user, perf, now(), now() + 600, Some("thumb"))
            .expect("pass");
        assert_eq!(
            keys.pass_binding(&bound, user, perf),
            Some(Some("thumb".to_owned()))
        );
        let plain = keys
            .issue_pass(user, perf, now(), now() + 600)
            .expect("pass");
        assert_eq!(keys.pass_binding(&plain, user, perf), Some(None));
        assert_eq!(keys.pass_binding(&plain, Uuid::new_v4(), perf), None);
        let ticket = keys
            .issue_bound_ticket(user, perf, 7, now(), Some("thumb"))
            .expect("ticket");
        assert_eq!(
            keys.ticket(&ticket, user, perf),
            Some(Ticket {
                seq: 7,
                jkt: Some("thumb".to_owned())
            })
        );
    }

    #[test]
    fn a_ticket_is_not_a_pass() {
        let keys = PassKeys::new(SECRET);
        let (user, perf) = (Uuid::new_v4(), Uuid::new_v4());
        let ticket = keys.issue_ticket(user, perf, 42, now()).expect("ticket");
        assert_eq!(keys.ticket_seq(&ticket, user, perf), Some(42));
        assert!(!keys.pass_is_valid(&ticket, user, perf));
        assert_eq!(keys.ticket_seq(&ticket, Uuid::new_v4(), perf), None);
    }
}
