//! Access-token keys: an HS256 shared secret, or an Ed25519 key pair (EdDSA) where core-api
//! holds the private key and the gateway only the public one. Exactly one kind is configured
//! per service, and a token signed with the other algorithm is refused.

use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};

use crate::dev_mode::SecretChecks;

/// How a service verifies access tokens: the one algorithm it accepts and its key.
#[derive(Clone)]
pub struct VerifyKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

impl VerifyKey {
    pub fn hs256(secret: &str) -> Self {
        VerifyKey {
            algorithm: Algorithm::HS256,
            key: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    /// An Ed25519 public key, PEM (`-----BEGIN PUBLIC KEY-----`, as written by
    /// `openssl pkey -pubout`). The reason is for the caller to attach to its variable.
    pub fn ed25519_public_pem(pem: &[u8]) -> Result<Self, String> {
        let key = DecodingKey::from_ed_pem(pem)
            .map_err(|e| format!("not an Ed25519 public key in PEM form ({e})"))?;
        let raw: &[u8; 32] = key
            .try_get_as_bytes()
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or("not an Ed25519 public key in PEM form")?;
        ed25519_dalek::VerifyingKey::from_bytes(raw)
            .map_err(|e| format!("not a valid Ed25519 public key ({e})"))?;
        Ok(VerifyKey {
            algorithm: Algorithm::EdDSA,
            key,
        })
    }

    /// Our issuer and audience, unexpired (5 s leeway), and only this key's algorithm: an
    /// HS256 token is refused where EdDSA is configured and the other way round, and `none`
    /// always.
    pub fn validation(&self, issuer: &str, audience: &str) -> Validation {
        let mut validation = Validation::new(self.algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation
    }
}

/// How core-api signs access tokens, and verifies its own with the matching key.
#[derive(Clone)]
pub struct SignKey {
    pub encoding: EncodingKey,
    pub verify: VerifyKey,
}

impl SignKey {
    pub fn hs256(secret: &str) -> Self {
        SignKey {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            verify: VerifyKey::hs256(secret),
        }
    }

    /// An Ed25519 private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, as written by
    /// `openssl genpkey -algorithm ed25519`). Tokens are verified with its public half.
    pub fn ed25519_private_pem(pem: &[u8]) -> Result<Self, String> {
        let encoding = EncodingKey::from_ed_pem(pem)
            .map_err(|e| format!("not an Ed25519 private key in PKCS#8 PEM form ({e})"))?;
        let signing = ed25519_dalek::SigningKey::from_pkcs8_der(encoding.as_bytes())
            .map_err(|e| format!("not a valid Ed25519 private key ({e})"))?;
        let public = signing.verifying_key().to_bytes();
        Ok(SignKey {
            encoding,
            verify: VerifyKey {
                algorithm: Algorithm::EdDSA,
                key: DecodingKey::from_ed_der(&public),
            },
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.verify.algorithm
    }
}

/// Which of the two ways a service was given its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource<'a> {
    Secret(&'a str),
    PemFile(&'a str),
}

/// Exactly one of a secret variable and a key-file variable must be set (empty is unset).
/// The error is the reason, for the caller to attach to `secret_var`.
pub fn exactly_one<'a>(
    secret_var: &str,
    secret: Option<&'a str>,
    file_var: &str,
    file: Option<&'a str>,
) -> Result<KeySource<'a>, String> {
    match (
        secret.filter(|s| !s.is_empty()),
        file.filter(|f| !f.is_empty()),
    ) {
        (Some(secret), None) => Ok(KeySource::Secret(secret)),
        (None, Some(file)) => Ok(KeySource::PemFile(file)),
        (Some(_), Some(_)) => Err(format!(
            "set either {secret_var} (HS256) or {file_var} (EdDSA), not both"
        )),
        (None, None) => Err(format!(
            "is required (or {file_var} for EdDSA tokens); generate a secret with \
             `openssl rand -base64 48`"
        )),
    }
}

/// core-api's signing key from `secret_var` (HS256, under the secret policy) or `file_var`
/// (an Ed25519 private key PEM). The error names the variable at fault.
pub fn sign_key(
    checks: &mut SecretChecks,
    secret: (&'static str, Option<&str>),
    file: (&'static str, Option<&str>),
) -> Result<SignKey, (&'static str, String)> {
    load_key(
        checks,
        secret,
        file,
        SignKey::hs256,
        SignKey::ed25519_private_pem,
    )
}

/// The gateway's verifying key from `secret_var` (HS256, under the secret policy) or
/// `file_var` (an Ed25519 public key PEM). The error names the variable at fault.
pub fn verify_key(
    checks: &mut SecretChecks,
    secret: (&'static str, Option<&str>),
    file: (&'static str, Option<&str>),
) -> Result<VerifyKey, (&'static str, String)> {
    load_key(
        checks,
        secret,
        file,
        VerifyKey::hs256,
        VerifyKey::ed25519_public_pem,
    )
}

fn load_key<K>(
    checks: &mut SecretChecks,
    (secret_var, secret): (&'static str, Option<&str>),
    (file_var, file): (&'static str, Option<&str>),
    from_secret: fn(&str) -> K,
    from_pem: fn(&[u8]) -> Result<K, String>,
) -> Result<K, (&'static str, String)> {
    match exactly_one(secret_var, secret, file_var, file).map_err(|r| (secret_var, r))? {
        KeySource::Secret(secret) => {
            checks
                .check(secret_var, secret)
                .map_err(|r| (secret_var, r))?;
            Ok(from_secret(secret))
        }
        KeySource::PemFile(path) => read_pem(path)
            .and_then(|pem| from_pem(&pem))
            .map_err(|r| (file_var, r)),
    }
}

/// Reads a PEM key file; the reason names the path.
pub fn read_pem(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Header, decode, encode};
    use serde_json::{Value, json};

    use super::*;
    use crate::testing::generate_ed25519_pem_pair;

    fn claims() -> Value {
        let now = jsonwebtoken::get_current_timestamp();
        json!({ "sub": "u", "iss": "holdfast", "aud": "holdfast-api", "exp": now + 600 })
    }

    fn accepts(key: &VerifyKey, token: &str) -> bool {
        decode::<Value>(token, &key.key, &key.validation("holdfast", "holdfast-api")).is_ok()
    }

    #[test]
    fn an_ed25519_token_verifies_with_the_public_key_alone() {
        let (private, public) = generate_ed25519_pem_pair();
        let sign = SignKey::ed25519_private_pem(private.as_bytes()).expect("private key");
        let verify = VerifyKey::ed25519_public_pem(public.as_bytes()).expect("public key");
        let token =
            encode(&Header::new(sign.algorithm()), &claims(), &sign.encoding).expect("signs");
        assert!(accepts(&verify, &token));
        assert!(accepts(&sign.verify, &token));
        let (_, other_public) = generate_ed25519_pem_pair();
        let other = VerifyKey::ed25519_public_pem(other_public.as_bytes()).expect("public key");
        assert!(!accepts(&other, &token));
    }

    #[test]
    fn algorithms_do_not_mix() {
        let (private, public) = generate_ed25519_pem_pair();
        let ed = SignKey::ed25519_private_pem(private.as_bytes()).expect("private key");
        let ed_verify = VerifyKey::ed25519_public_pem(public.as_bytes()).expect("public key");
        // HMAC keyed with the public key's own bytes: the classic confusion attack.
        let hs = SignKey::hs256(&public);
        let hs_token = encode(&Header::new(Algorithm::HS256), &claims(), &hs.encoding).expect("hs");
        let ed_token = encode(&Header::new(Algorithm::EdDSA), &claims(), &ed.encoding).expect("ed");
        assert!(!accepts(&ed_verify, &hs_token));
        assert!(!accepts(&ed.verify, &hs_token));
        assert!(!accepts(&hs.verify, &ed_token));
        assert!(accepts(&hs.verify, &hs_token));
    }

    #[test]
    fn bad_pem_is_refused_with_a_reason() {
        let (private, public) = generate_ed25519_pem_pair();
        assert!(SignKey::ed25519_private_pem(public.as_bytes()).is_err());
        assert!(VerifyKey::ed25519_public_pem(private.as_bytes()).is_err());
        assert!(SignKey::ed25519_private_pem(b"not a key").is_err());
        assert!(VerifyKey::ed25519_public_pem(b"").is_err());
    }

    #[test]
    fn exactly_one_key_source_is_accepted() {
        let pick = |s, f| exactly_one("S", s, "F", f);
        assert_eq!(pick(Some("x"), None), Ok(KeySource::Secret("x")));
        assert_eq!(
            pick(Some(""), Some("/k.pem")),
            Ok(KeySource::PemFile("/k.pem"))
        );
        assert!(
            pick(Some("x"), Some("/k.pem"))
                .expect_err("both")
                .contains("not both")
        );
        assert!(
            pick(None, Some(""))
                .expect_err("none")
                .contains("is required")
        );
    }
}
