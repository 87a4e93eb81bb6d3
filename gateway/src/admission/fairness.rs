//! The pre-queue's fairness proof: everyone who joins before the sale opens gets a random join
//! token whose SHA-256 is published; a secret seed is drawn when the pre-queue opens and its
//! SHA-256 is published at once; at the open the seed is revealed and the pre-queue is put in
//! the order below, which anyone can recompute from the published data
//! (`GET /api/v1/queue/{id}/fairness`, `holdfast-queue-verify`, the web app's verify page).
//!
//! Every value is a lowercase hex string, and hashes are taken over the UTF-8 bytes of those
//! strings, so a browser (WebCrypto) computes exactly the same thing.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// What the published order is, in words (served with the fairness data).
pub const ALGORITHM: &str = "Every pre-queue join gets a random token T (64 hex digits); the list publishes \
tokenHash = hex(SHA-256(T)). A random seed S (64 hex digits) is drawn when the pre-queue opens and \
seedHash = hex(SHA-256(S)) is published then; S is revealed when the sale opens. The pre-queue is \
ordered by key = HMAC-SHA256(key = S, message = tokenHash) ascending (bytes compared as unsigned, \
ties by tokenHash); place 1 is admitted first. Strings are hashed as their UTF-8 bytes, output in \
lowercase hex. Joins after the open are first come, first served behind the whole pre-queue.";

/// Lowercase hex SHA-256 of a string's UTF-8 bytes.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// 32 random bytes as hex, and its SHA-256: a seed and its commitment, or a join token and
/// the hash the list publishes.
pub fn secret_and_hash() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let hash = sha256_hex(&secret);
    (secret, hash)
}

/// The ordering key of one published token hash under `seed`.
pub fn order_key(seed: &str, token_hash: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(seed.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(token_hash.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Indices of `token_hashes` in admission order under `seed`.
pub fn order(seed: &str, token_hashes: &[String]) -> Vec<usize> {
    let mut keyed: Vec<([u8; 32], usize)> = token_hashes
        .iter()
        .enumerate()
        .map(|(i, h)| (order_key(seed, h), i))
        .collect();
    keyed.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| token_hashes[a.1].cmp(&token_hashes[b.1]))
    });
    keyed.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256_of_the_utf8_string() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (secret, hash) = secret_and_hash();
        assert_eq!(secret.len(), 64);
        assert_eq!(sha256_hex(&secret), hash);
    }

    #[test]
    fn the_order_key_is_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            hex::encode(order_key("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_order_depends_only_on_the_seed_and_the_list() {
        let hashes: Vec<String> = (0..100).map(|i| sha256_hex(&i.to_string())).collect();
        let a = order("seed-a", &hashes);
        assert_eq!(a, order("seed-a", &hashes));
        assert_ne!(a, order("seed-b", &hashes));
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
    }
}
