//! Proofs of possession that bind a waiting-room pass to the client it was issued to
//! (DPoP, RFC 9449, simplified). The browser makes an ECDSA P-256 key pair it cannot export,
//! sends the public key when it joins the line, and the pass names the key's RFC 7638
//! thumbprint (`cnf.jkt`). Every request the pass gates then carries a `DPoP` header: a JWT
//! (`typ: dpop+jwt`, ES256, the public key in the `jwk` header) with the claims `htm` (the
//! method), `htu` (the URL; only its path is compared, since proxies change scheme and host),
//! `iat` and `jti`. The gateway and core-api both check it; each refuses a `jti` it has seen.

use std::collections::HashSet;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{
    Algorithm, DecodingKey, Validation, decode, decode_header,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, ThumbprintHash},
};
use serde::Deserialize;

/// The request header a proof travels in.
pub const HEADER: &str = "dpop";
/// The `typ` a proof's header must carry.
pub const TYP: &str = "dpop+jwt";
/// How far a proof's `iat` may be from the server's clock, either way (seconds).
pub const MAX_AGE_SECS: i64 = 60;
/// How long a seen `jti` is remembered: longer than any proof stays acceptable (ms).
pub const JTI_TTL_MS: i64 = 2 * MAX_AGE_SECS * 1000 + 5_000;
/// Longest `jti` accepted.
pub const JTI_MAX_LEN: usize = 128;

/// Why a proof was refused; the `reason` is part of the error's details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The pass is bound to a key and no `DPoP` header came along.
    Missing,
    /// Not a well-formed ES256 proof with its P-256 public key, or the signature is wrong.
    Malformed,
    /// Signed by another key than the one the pass names.
    WrongKey,
    /// Made for another method or path.
    WrongRequest,
    /// `iat` too far from now.
    Stale,
    /// This `jti` was used already.
    Replayed,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Missing => "MISSING",
            Refusal::Malformed => "MALFORMED",
            Refusal::WrongKey => "WRONG_KEY",
            Refusal::WrongRequest => "WRONG_REQUEST",
            Refusal::Stale => "STALE",
            Refusal::Replayed => "REPLAYED",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::Missing => {
                "this pass is bound to a key: send a DPoP proof signed with it in the DPoP header"
            }
            Refusal::Malformed => "the DPoP proof is not a valid ES256 proof with its P-256 key",
            Refusal::WrongKey => "the DPoP proof is signed with another key than the pass names",
            Refusal::WrongRequest => "the DPoP proof was made for another method or URL",
            Refusal::Stale => "the DPoP proof's iat is more than 60 seconds from now",
            Refusal::Replayed => "this DPoP proof was used already; make a new one per request",
        }
    }
}

#[derive(Deserialize)]
struct ProofClaims {
    htm: String,
    htu: String,
    iat: i64,
    jti: String,
}

/// A checked proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof {
    /// The thumbprint of the key that signed it.
    pub jkt: String,
    pub jti: String,
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of a P-256 public key in JWK form, or `None`
/// when the JWK is not one (wrong type or curve, coordinates not 32 bytes).
pub fn thumbprint(jwk: &Jwk) -> Option<String> {
    let AlgorithmParameters::EllipticCurve(p) = &jwk.algorithm else {
        return None;
    };
    let coordinate = |c: &str| URL_SAFE_NO_PAD.decode(c).is_ok_and(|b| b.len() == 32);
    if p.curve != EllipticCurve::P256 || !coordinate(&p.x) || !coordinate(&p.y) {
        return None;
    }
    jwk.thumbprint(ThumbprintHash::SHA256).ok()
}

/// The path of `htu`: an absolute `http(s)` URL or a path; query and fragment dropped.
fn htu_path(htu: &str) -> Option<&str> {
    let rest = match htu.split_once("://") {
        Some((scheme, rest)) if scheme == "http" || scheme == "https" => {
            &rest[rest.find('/').unwrap_or(rest.len())..]
        }
        Some(_) => return None,
        None => htu,
    };
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    Some(if path.is_empty() { "/" } else { path })
}

/// Checks a proof made for `method` on `path` at about `now_secs`, signed by its own key.
pub fn verify(proof: &str, method: &str, path: &str, now_secs: i64) -> Result<Proof, Refusal> {
    let header = decode_header(proof).map_err(|_| Refusal::Malformed)?;
    if header.alg != Algorithm::ES256 || header.typ.as_deref() != Some(TYP) {
        return Err(Refusal::Malformed);
    }
    let jwk = header.jwk.ok_or(Refusal::Malformed)?;
    let jkt = thumbprint(&jwk).ok_or(Refusal::Malformed)?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| Refusal::Malformed)?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims = HashSet::new();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = decode::<ProofClaims>(proof, &key, &validation)
        .map_err(|_| Refusal::Malformed)?
        .claims;
    if claims.jti.is_empty() || claims.jti.len() > JTI_MAX_LEN {
        return Err(Refusal::Malformed);
    }
    if !claims.htm.eq_ignore_ascii_case(method) || htu_path(&claims.htu) != Some(path) {
        return Err(Refusal::WrongRequest);
    }
    if (now_secs - claims.iat).abs() > MAX_AGE_SECS {
        return Err(Refusal::Stale);
    }
    Ok(Proof {
        jkt,
        jti: claims.jti,
    })
}

impl Proof {
    /// What a replay marker is keyed by: SHA-256 of the key thumbprint and the `jti` (hex),
    /// so a client-chosen `jti` never becomes a key name of its own.
    pub fn replay_id(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("{} {}", self.jkt, self.jti).as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Checks the proof sent with a request the pass bound to `jkt` gates. Replay is left to the
/// caller (a Redis `SET NX` on [`Proof::jti`]).
pub fn verify_bound(
    proof: Option<&str>,
    jkt: &str,
    method: &str,
    path: &str,
    now_secs: i64,
) -> Result<Proof, Refusal> {
    let proof = verify(proof.ok_or(Refusal::Missing)?, method, path, now_secs)?;
    if proof.jkt != jkt {
        return Err(Refusal::WrongKey);
    }
    Ok(proof)
}

/// A client key pair for tests: signs proofs as a browser would.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use jsonwebtoken::{EncodingKey, Header, encode, jwk::Jwk};
    use p256::{elliptic_curve::sec1::ToEncodedPoint, pkcs8::EncodePrivateKey};
    use serde_json::json;

    use super::{TYP, URL_SAFE_NO_PAD};
    use base64::Engine;

    pub struct ClientKey {
        encoding: EncodingKey,
        /// The public key as the browser sends it at join.
        pub jwk: serde_json::Value,
    }

    impl ClientKey {
        pub fn generate() -> Self {
            let secret = loop {
                if let Ok(key) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
                    break key;
                }
            };
            let der = secret.to_pkcs8_der().expect("pkcs8");
            let point = secret.public_key().to_encoded_point(false);
            let coordinate = |c: Option<&p256::FieldBytes>| {
                URL_SAFE_NO_PAD.encode(c.expect("uncompressed point"))
            };
            ClientKey {
                encoding: EncodingKey::from_ec_der(der.as_bytes()),
                jwk: json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": coordinate(point.x()),
                    "y": coordinate(point.y()),
                }),
            }
        }

        pub fn thumbprint(&self) -> String {
            let jwk: Jwk = serde_json::from_value(self.jwk.clone()).expect("jwk");
            super::thumbprint(&jwk).expect("P-256 key")
        }

        /// A proof for `method` on `htu` made at `iat`, with a fresh `jti`.
        pub fn proof(&self, method: &str, htu: &str, iat: i64) -> String {
            self.proof_with_jti(method, htu, iat, &uuid::Uuid::new_v4().to_string())
        }

        pub fn proof_with_jti(&self, method: &str, htu: &str, iat: i64, jti: &str) -> String {
            let mut header = Header::new(jsonwebtoken::Algorithm::ES256);
            header.typ = Some(TYP.to_owned());
            header.jwk = Some(serde_json::from_value(self.jwk.clone()).expect("jwk"));
            let claims = json!({ "htm": method, "htu": htu, "iat": iat, "jti": jti });
            encode(&header, &claims, &self.encoding).expect("sign proof")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::ClientKey;
    use super::*;

    const PATH: &str = "/api/v1/holds";

    #[test]
    fn a_proof_names_the_key_that_signed_it() {
        let key = ClientKey::generate();
        let proof = key.proof("POST", "https://tickets.example/api/v1/holds", 1_000);
        let checked = verify(&proof, "POST", PATH, 1_010).expect("valid");
        assert_eq!(checked.jkt, key.thumbprint());
        assert_eq!(checked.jkt.len(), 43);
        assert_eq!(
            verify_bound(Some(&proof), &key.thumbprint(), "POST", PATH, 1_000).map(|p| p.jkt),
            Ok(key.thumbprint())
        );
    }

    #[test]
    fn proofs_for_another_key_request_or_time_are_refused() {
        let (key, other) = (ClientKey::generate(), ClientKey::generate());
        let proof = key.proof("POST", PATH, 1_000);
        let jkt = other.thumbprint();
        let refused = |p: Option<&str>, m, path, now| verify_bound(p, &jkt, m, path, now).err();
        assert_eq!(
            refused(Some(&proof), "POST", PATH, 1_000),
            Some(Refusal::WrongKey)
        );
        assert_eq!(refused(None, "POST", PATH, 1_000), Some(Refusal::Missing));
        let theirs = other.proof("POST", PATH, 1_000);
        assert_eq!(
            refused(Some(&theirs), "GET", PATH, 1_000),
            Some(Refusal::WrongRequest)
        );
        assert_eq!(
            refused(Some(&theirs), "POST", "/api/v1/reservations", 1_000),
            Some(Refusal::WrongRequest)
        );
        assert_eq!(
            refused(Some(&theirs), "POST", PATH, 1_061),
            Some(Refusal::Stale)
        );
        assert_eq!(
            refused(Some("not.a.jwt"), "POST", PATH, 1_000),
            Some(Refusal::Malformed)
        );
    }

    #[test]
    fn a_proof_whose_header_key_did_not_sign_it_is_refused() {
        let (key, other) = (ClientKey::generate(), ClientKey::generate());
        let proof = key.proof("POST", PATH, 1_000);
        let theirs = other.proof("POST", PATH, 1_000);
        // Their header (naming their key) on our claims and signature.
        let (their_header, _) = theirs.split_once('.').expect("jwt");
        let (_, ours) = proof.split_once('.').expect("jwt");
        let forged = format!("{their_header}.{ours}");
        assert_eq!(
            verify(&forged, "POST", PATH, 1_000),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn only_p256_keys_have_a_thumbprint() {
        let key = ClientKey::generate();
        let jwk: Jwk = serde_json::from_value(key.jwk.clone()).expect("jwk");
        assert!(thumbprint(&jwk).is_some());
        let mut short = key.jwk.clone();
        short["x"] = "AAAA".into();
        let short: Jwk = serde_json::from_value(short).expect("jwk");
        assert_eq!(thumbprint(&short), None);
    }

    #[test]
    fn htu_is_compared_by_path() {
        assert_eq!(htu_path("https://a.example/api/v1/holds?x=1"), Some(PATH));
        assert_eq!(htu_path("http://a.example:8080/api/v1/holds#f"), Some(PATH));
        assert_eq!(htu_path("/api/v1/holds"), Some(PATH));
        assert_eq!(htu_path("ftp://a.example/api/v1/holds"), None);
        assert_eq!(htu_path("https://a.example"), Some("/"));
    }

    #[test]
    fn the_thumbprint_matches_rfc_7638s_example_form() {
        // RFC 7638 §3.1 lists the members in lexical order with no whitespace; a P-256 key of
        // known coordinates must hash that exact text.
        use sha2::{Digest, Sha256};
        let key = ClientKey::generate();
        let (x, y) = (
            key.jwk["x"].as_str().expect("x"),
            key.jwk["y"].as_str().expect("y"),
        );
        let text = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        assert_eq!(
            key.thumbprint(),
            URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
        );
    }
}
