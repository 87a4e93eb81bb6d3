//! Which shared secrets (`CORE_JWT_SECRET`, `CORE_QUEUE_PASS_SECRET` and the gateway's copies)
//! are refused at start, and the development mode that lets weak ones through.
//!
//! A secret anyone can read in this repository (the `.env.example` placeholders, the values
//! scripts and tests once used) lets anyone mint an ADMIN token or a waiting-room pass. So a
//! secret is refused when it
//! 1. is shorter than [`MIN_SECRET_BYTES`] bytes (refused even in development mode);
//! 2. is one of the [`KNOWN_PLACEHOLDERS`] (compared without case or surrounding space);
//! 3. starts with a placeholder prefix ([`PLACEHOLDER_PREFIXES`]: `change-me`, `dev-`,
//!    `test-`, `secret`, ...) or contains placeholder wording ([`PLACEHOLDER_WORDS`]);
//! 4. is one character repeated, or a shorter pattern repeated (`abcabc...`);
//! 5. counts up or down (`abcdef...`, `123456...`) for more than half of its steps;
//! 6. carries less than [`MIN_ESTIMATED_BITS`] by a simple estimate: its length times the
//!    Shannon entropy of its own characters. 32 random bytes in base64 (44 characters,
//!    about 210 bits by this estimate) or in hex (64 characters, about 240) pass; 32 hex
//!    characters (16 bytes, about 120) do not.
//!
//! With `HOLDFAST_DEV_MODE=1` rules 2 to 6 only warn ([`crate::dev_mode`]).

use std::fmt;

/// How to make a good secret, quoted in every refusal.
pub const GENERATE_HINT: &str = "generate one with `openssl rand -base64 48`";
pub const MIN_SECRET_BYTES: usize = 32;
pub const MIN_ESTIMATED_BITS: f64 = 128.0;

/// Values published in this repository (`.env.example`, scripts, benches, tests, docs) at
/// one time or another. Whoever copies one runs with a public secret.
pub const KNOWN_PLACEHOLDERS: &[&str] = &[
    "change-me-to-at-least-32-random-bytes-xxxxxxxx",
    "change-me-to-another-32-random-bytes-xxxxxxx",
    "holdfast-local-development-secret-not-for-production",
    "holdfast-local-queue-pass-secret-not-for-production",
    "bench-jwt-secret-0123456789abcdef0123456789",
    "bench-queue-pass-secret-0123456789abcdef01",
    "bench-jwt-secret-0123456789abcdef0123",
    "bench-queue-secret-0123456789abcdef01",
    "seed-signs-no-tokens-seed-signs-no-tokens",
    "test-queue-pass-secret-0123456789abcdef",
    "another-secret-of-at-least-32-bytes!",
    "0123456789abcdef0123456789abcdef",
    "fedcba9876543210fedcba9876543210",
];

/// A secret starting with one of these (any case) is a placeholder or a test value.
pub const PLACEHOLDER_PREFIXES: &[&str] = &[
    "change-me",
    "changeme",
    "change_me",
    "dev-",
    "test-",
    "secret",
    "bench-",
    "example",
    "placeholder",
    "your-",
];

/// A secret containing one of these (any case) says itself that it is not one.
pub const PLACEHOLDER_WORDS: &[&str] = &[
    "change-me",
    "changeme",
    "replace-me",
    "placeholder",
    "not-for-production",
];

/// Why a secret is refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Weakness {
    TooShort { bytes: usize },
    KnownPlaceholder,
    PlaceholderWording(&'static str),
    OneRepeatedCharacter,
    RepeatedPattern { period: usize },
    Sequential,
    LowEntropy { estimated_bits: f64 },
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Weakness::TooShort { bytes } => write!(
                f,
                "is {bytes} bytes long; it must be at least {MIN_SECRET_BYTES}"
            ),
            Weakness::KnownPlaceholder => f.write_str("is a published placeholder value"),
            Weakness::PlaceholderWording(word) => {
                write!(f, "looks like a placeholder (it has {word:?} in it)")
            }
            Weakness::OneRepeatedCharacter => f.write_str("is one character repeated"),
            Weakness::RepeatedPattern { period } => {
                write!(f, "repeats a {period}-character pattern")
            }
            Weakness::Sequential => f.write_str("is mostly a counting sequence"),
            Weakness::LowEntropy { estimated_bits } => write!(
                f,
                "has too little entropy (about {estimated_bits:.0} bits; at least \
                 {MIN_ESTIMATED_BITS:.0} are needed)"
            ),
        }
    }
}

/// What is wrong with `secret`, or `None` when it passes every rule of this module.
pub fn weakness(secret: &str) -> Option<Weakness> {
    if secret.len() < MIN_SECRET_BYTES {
        return Some(Weakness::TooShort {
            bytes: secret.len(),
        });
    }
    let lower = secret.trim().to_ascii_lowercase();
    if KNOWN_PLACEHOLDERS.contains(&lower.as_str()) {
        return Some(Weakness::KnownPlaceholder);
    }
    if let Some(prefix) = PLACEHOLDER_PREFIXES.iter().find(|p| lower.starts_with(*p)) {
        return Some(Weakness::PlaceholderWording(prefix));
    }
    if let Some(word) = PLACEHOLDER_WORDS.iter().find(|w| lower.contains(*w)) {
        return Some(Weakness::PlaceholderWording(word));
    }
    let chars: Vec<char> = secret.chars().collect();
    match shortest_period(&chars) {
        Some(1) => return Some(Weakness::OneRepeatedCharacter),
        Some(period) => return Some(Weakness::RepeatedPattern { period }),
        None => {}
    }
    let counting = chars
        .windows(2)
        .filter(|w| (w[1] as i64 - w[0] as i64).abs() == 1)
        .count();
    if counting * 2 > chars.len().saturating_sub(1) {
        return Some(Weakness::Sequential);
    }
    let estimated_bits = estimated_bits(&chars);
    if estimated_bits < MIN_ESTIMATED_BITS {
        return Some(Weakness::LowEntropy { estimated_bits });
    }
    None
}

/// The smallest `p <= len / 2` with `s[i] == s[i + p]` for every `i`, if there is one.
fn shortest_period(chars: &[char]) -> Option<usize> {
    (1..=chars.len() / 2).find(|&p| chars.iter().zip(&chars[p..]).all(|(a, b)| a == b))
}

/// Length times the Shannon entropy of the string's own character frequencies.
fn estimated_bits(chars: &[char]) -> f64 {
    let mut counts = std::collections::HashMap::<char, usize>::new();
    for c in chars {
        *counts.entry(*c).or_default() += 1;
    }
    let n = chars.len() as f64;
    let per_char: f64 = counts
        .values()
        .map(|&count| {
            let p = count as f64 / n;
            -p * p.log2()
        })
        .sum();
    per_char * n
}

#[cfg(test)]
mod tests {
    use base64::{Engine, engine::general_purpose::STANDARD};
    use rand::RngCore;

    use super::*;
    use crate::testing::random_secret;

    fn random_bytes(n: usize) -> Vec<u8> {
        let mut bytes = vec![0u8; n];
        rand::rng().fill_bytes(&mut bytes);
        bytes
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn generated_secrets_pass() {
        for _ in 0..200 {
            let base64_48 = random_secret();
            assert_eq!(weakness(&base64_48), None, "{base64_48}");
            let base64_32 = STANDARD.encode(random_bytes(32));
            assert_eq!(weakness(&base64_32), None, "{base64_32}");
            let hex_32 = hex(&random_bytes(32));
            assert_eq!(weakness(&hex_32), None, "{hex_32}");
        }
    }

    #[test]
    fn every_known_placeholder_is_refused_in_any_case() {
        for value in KNOWN_PLACEHOLDERS {
            assert!(weakness(value).is_some(), "{value}");
            assert!(weakness(&value.to_ascii_uppercase()).is_some(), "{value}");
        }
        assert_eq!(
            weakness("change-me-to-at-least-32-random-bytes-xxxxxxxx"),
            Some(Weakness::KnownPlaceholder)
        );
    }

    #[test]
    fn placeholder_prefixes_and_wording_are_refused() {
        let tail = "Zq8v1Lr0Xk3Wn7Ty5Pb2Mc9Hd4Gf6Js";
        for prefix in [
            "change-me-",
            "CHANGEME",
            "dev-",
            "test-",
            "secret",
            "Secret-",
        ] {
            let value = format!("{prefix}{tail}");
            assert!(
                matches!(weakness(&value), Some(Weakness::PlaceholderWording(_))),
                "{value}"
            );
        }
        let value = format!("{tail}-not-for-production");
        assert!(matches!(
            weakness(&value),
            Some(Weakness::PlaceholderWording("not-for-production"))
        ));
    }

    #[test]
    fn repeated_sequential_and_low_entropy_values_are_refused() {
        assert_eq!(
            weakness(&"x".repeat(48)),
            Some(Weakness::OneRepeatedCharacter)
        );
        assert_eq!(
            weakness(&"k9!Q".repeat(10)),
            Some(Weakness::RepeatedPattern { period: 4 })
        );
        assert_eq!(
            weakness("abcdefghijklmnopqrstuvwxyz0123456789"),
            Some(Weakness::Sequential)
        );
        assert!(matches!(
            weakness("qqzzqqzqzqzzzqqzzzqzqzqzqqzzzzqqzqzq"),
            Some(Weakness::LowEntropy { .. })
        ));
        // 16 random bytes in hex: 32 characters, too little by the estimate.
        let short_hex = hex(&random_bytes(16));
        assert!(
            matches!(weakness(&short_hex), Some(Weakness::LowEntropy { .. })),
            "{short_hex}"
        );
    }
}
