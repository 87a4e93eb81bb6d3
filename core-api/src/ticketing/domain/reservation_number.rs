//! Human-friendly reservation numbers like `HF-20261121-7KQ9XM2P`.

use chrono::{DateTime, Utc};
use rand::Rng;

/// Crockford-style alphabet: no I, L, O, U to avoid misreading over the phone.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub(crate) struct ReservationNumber;

impl ReservationNumber {
    pub(crate) fn generate(now: DateTime<Utc>) -> String {
        let mut rng = rand::rng();
        let suffix: String = (0..8)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        format!("HF-{}-{suffix}", now.format("%Y%m%d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_the_date_and_a_readable_suffix() {
        let now = DateTime::parse_from_rfc3339("2026-11-21T08:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        let n = ReservationNumber::generate(now);
        assert!(n.starts_with("HF-20261121-"), "{n}");
        assert_eq!(n.len(), "HF-20261121-".len() + 8);
        assert!(!n[12..].contains(['I', 'L', 'O', 'U']));
    }
}
