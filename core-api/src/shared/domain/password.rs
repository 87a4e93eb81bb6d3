//! Passwords: length rules, argon2id hashing and verification.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::error::{Error, Result};

pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self> {
        let chars = raw.chars().count();
        if !(8..=128).contains(&chars) {
            return Err(Error::validation("password", "must be 8 to 128 characters"));
        }
        Ok(Password(raw.to_owned()))
    }

    /// argon2id with the crate's recommended parameters. CPU-heavy: call off the async runtime.
    pub fn hash(&self) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(anyhow::anyhow!("hashing password: {e}")))
    }

    /// Checks a candidate against a stored hash. CPU-heavy: call off the async runtime.
    pub(crate) fn verify(candidate: &str, stored: &str) -> bool {
        PasswordHash::new(stored).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &hash)
                .is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_own_password() {
        let hash = Password::parse("correct horse")
            .and_then(|p| p.hash())
            .expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(Password::verify("correct horse", &hash));
        assert!(!Password::verify("correct horsE", &hash));
        assert!(!Password::verify("correct horse", "not a hash"));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }
}
