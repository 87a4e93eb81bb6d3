//! The proof-of-work challenge a join must solve when the performance asks for one
//! (`powBits` > 0). Issuing costs no Redis write: a challenge is a text the gateway signs
//! (HMAC-SHA-256 with the queue-pass secret) naming the performance, the user, the
//! difficulty, its expiry and a random part:
//!
//! `pow1.<performance>.<user>.<bits>.<expiresAtMs>.<random hex>.<mac hex>`
//!
//! A solution is a nonce (1–64 ASCII letters and digits) such that
//! `SHA-256(challenge + ":" + nonce)` starts with `bits` zero bits. Checking it is one HMAC and
//! one SHA-256, a few microseconds; redeeming it is one `SET NX PX` (see `queue::redeem_pow`),
//! so a solution is used once. The difficulty rises with the pressure on the line
//! ([`difficulty`]).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How long a challenge may be redeemed after it was issued (ms).
pub const CHALLENGE_TTL_MS: i64 = 120_000;
/// At most this many extra bits for a full line.
pub const PRESSURE_BITS: i64 = 8;
/// No challenge asks for more (about 2^26 hashes on average, seconds in a browser).
pub const MAX_BITS: i64 = 26;
const VERSION: &str = "pow1";
const NONCE_MAX_LEN: usize = 64;

/// The difficulty of a challenge: the performance's base bits plus one bit for every eighth
/// of `maxQueueLength` already in line (so a full line asks 2^8 times the base work), at most
/// [`MAX_BITS`]. Zero base bits: no challenge.
pub fn difficulty(base_bits: i64, in_line: i64, max_queue_length: i64) -> i64 {
    if base_bits <= 0 {
        return 0;
    }
    let pressure = (in_line.max(0) * PRESSURE_BITS / max_queue_length.max(1)).min(PRESSURE_BITS);
    (base_bits + pressure).min(MAX_BITS)
}

/// Leading zero bits of a digest.
pub fn leading_zero_bits(digest: &[u8]) -> i64 {
    let mut bits = 0;
    for byte in digest {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + i64::from(byte.leading_zeros());
        }
    }
    bits
}

/// Why a solution was refused; the `reason` goes into the error's details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a challenge this gateway family issued, or not for this user and performance.
    NotIssued,
    Expired,
    /// The nonce does not give enough leading zero bits (or is not 1–64 letters and digits).
    WrongSolution,
    /// Redeemed already.
    Used,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotIssued => "NOT_ISSUED",
            Refusal::Expired => "EXPIRED",
            Refusal::WrongSolution => "WRONG_SOLUTION",
            Refusal::Used => "USED",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::NotIssued => {
                "this challenge was not issued to you for this performance; ask for a new one"
            }
            Refusal::Expired => "this challenge expired; ask for a new one",
            Refusal::WrongSolution => "the nonce does not solve the challenge",
            Refusal::Used => "this challenge was solved and used already; ask for a new one",
        }
    }
}

/// An issued challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub text: String,
    pub bits: i64,
    pub expires_at_ms: i64,
}

/// A checked solution, ready to be redeemed once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solved {
    /// The challenge's MAC (hex): what the single-use marker is keyed by.
    pub id: String,
    pub expires_at_ms: i64,
}

/// Signs and checks challenges.
pub struct Pow {
    key: Vec<u8>,
}

impl Pow {
    /// Keyed by the queue-pass secret, under a label of its own so a MAC here is never a
    /// valid signature anywhere else.
    pub fn new(secret: &str) -> Self {
        let mut key = Sha256::new();
        key.update(b"holdfast-queue-pow\0");
        key.update(secret.as_bytes());
        Pow {
            key: key.finalize().to_vec(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        Hmac::<Sha256>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }

    pub fn issue(&self, perf: Uuid, user: Uuid, bits: i64, now_ms: i64) -> Challenge {
        let mut random = [0u8; 16];
        rand::rng().fill_bytes(&mut random);
        let expires_at_ms = now_ms + CHALLENGE_TTL_MS;
        let body = format!(
            "{VERSION}.{perf}.{user}.{bits}.{expires_at_ms}.{}",
            hex::encode(random)
        );
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        let tag = hex::encode(mac.finalize().into_bytes());
        Challenge {
            text: format!("{body}.{tag}"),
            bits,
            expires_at_ms,
        }
    }

    /// Checks `nonce` against `challenge` for this user and performance at `now_ms`.
    pub fn check(
        &self,
        challenge: &str,
        nonce: &str,
        perf: Uuid,
        user: Uuid,
        now_ms: i64,
    ) -> Result<Solved, Refusal> {
        let (body, tag) = challenge.rsplit_once('.').ok_or(Refusal::NotIssued)?;
        let tag_bytes = hex::decode(tag).map_err(|_| Refusal::NotIssued)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&tag_bytes)
            .map_err(|_| Refusal::NotIssued)?;
        let parts: Vec<&str> = body.split('.').collect();
        let [VERSION, p, u, bits, expires, _random] = parts.as_slice() else {
            return Err(Refusal::NotIssued);
        };
        if p.parse::<Uuid>().ok() != Some(perf) || u.parse::<Uuid>().ok() != Some(user) {
            return Err(Refusal::NotIssued);
        }
        let (Ok(bits), Ok(expires_at_ms)) = (bits.parse::<i64>(), expires.parse::<i64>()) else {
            return Err(Refusal::NotIssued);
        };
        if now_ms >= expires_at_ms {
            return Err(Refusal::Expired);
        }
        let nonce_ok = !nonce.is_empty()
            && nonce.len() <= NONCE_MAX_LEN
            && nonce.bytes().all(|b| b.is_ascii_alphanumeric());
        if !nonce_ok || leading_zero_bits(&solution_digest(challenge, nonce)) < bits {
            return Err(Refusal::WrongSolution);
        }
        Ok(Solved {
            id: tag.to_owned(),
            expires_at_ms,
        })
    }
}

/// `SHA-256(challenge + ":" + nonce)`, what a solution must start with zero bits of.
pub fn solution_digest(challenge: &str, nonce: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(challenge.as_bytes());
    hash.update(b":");
    hash.update(nonce.as_bytes());
    hash.finalize().into()
}

/// The first nonce (counting up in decimal) that solves `challenge`: what a client does.
pub fn solve(challenge: &str, bits: i64) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| leading_zero_bits(&solution_digest(challenge, n)) >= bits)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "a-queue-pass-secret-of-32-bytes!!";

    #[test]
    fn difficulty_rises_with_the_line_and_is_capped() {
        assert_eq!(difficulty(0, 90_000, 100_000), 0);
        assert_eq!(difficulty(12, 0, 100_000), 12);
        assert_eq!(difficulty(12, 12_499, 100_000), 12);
        assert_eq!(difficulty(12, 12_500, 100_000), 13);
        assert_eq!(difficulty(12, 50_000, 100_000), 16);
        assert_eq!(difficulty(12, 400_000, 100_000), 20);
        assert_eq!(difficulty(24, 100_000, 100_000), MAX_BITS);
    }

    #[test]
    fn leading_zero_bits_count_across_bytes() {
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0x00, 0x10]), 11);
        assert_eq!(leading_zero_bits(&[0x00, 0x00]), 16);
    }

    #[test]
    fn a_solution_is_checked_for_its_user_performance_expiry_and_work() {
        let pow = Pow::new(SECRET);
        let (perf, user) = (Uuid::new_v4(), Uuid::new_v4());
        let c = pow.issue(perf, user, 8, 1_000);
        let nonce = solve(&c.text, 8);
        let solved = pow
            .check(&c.text, &nonce, perf, user, 2_000)
            .expect("solved");
        assert_eq!(solved.expires_at_ms, 1_000 + CHALLENGE_TTL_MS);
        assert_eq!(
            pow.check(&c.text, &nonce, perf, Uuid::new_v4(), 2_000),
            Err(Refusal::NotIssued)
        );
        assert_eq!(
            pow.check(&c.text, &nonce, Uuid::new_v4(), user, 2_000),
            Err(Refusal::NotIssued)
        );
        assert_eq!(
            pow.check(&c.text, &nonce, perf, user, 1_000 + CHALLENGE_TTL_MS),
            Err(Refusal::Expired)
        );
        let wrong = (0u64..)
            .map(|n| n.to_string())
            .find(|n| leading_zero_bits(&solution_digest(&c.text, n)) < 8)
            .expect("a wrong nonce");
        assert_eq!(
            pow.check(&c.text, &wrong, perf, user, 2_000),
            Err(Refusal::WrongSolution)
        );
        assert_eq!(
            pow.check(&c.text, "not a nonce!", perf, user, 2_000),
            Err(Refusal::WrongSolution)
        );
    }

    #[test]
    fn an_easier_or_foreign_challenge_is_not_accepted() {
        let pow = Pow::new(SECRET);
        let (perf, user) = (Uuid::new_v4(), Uuid::new_v4());
        let c = pow.issue(perf, user, 20, 1_000);
        let easier = c.text.replacen(".20.", ".0.", 1);
        assert_eq!(
            pow.check(&easier, "0", perf, user, 2_000),
            Err(Refusal::NotIssued)
        );
        let theirs = Pow::new("another-secret-that-is-32-bytes-long").issue(perf, user, 0, 1_000);
        assert_eq!(
            pow.check(&theirs.text, "0", perf, user, 2_000),
            Err(Refusal::NotIssued)
        );
    }
}
