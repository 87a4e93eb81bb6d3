//! Header hygiene and request ids: identity and sequence headers come only from the gateway.

use std::cell::Cell;

use pingora::http::RequestHeader;

/// Headers a client must never be able to set: the gateway adds its own after verifying.
pub const SPOOFABLE: [&str; 5] = [
    "x-user-id",
    "x-authenticated-user-id",
    "x-authenticated-role",
    "x-fcfs-seq",
    "x-forwarded-for",
];

pub const REQUEST_ID: &str = "x-request-id";

/// Most header fields a request may carry. core-api's HTTP server refuses more than 100 with a
/// bare 431 and no body, and the gateway adds a few of its own on the way; refusing here keeps
/// the answer in the envelope. Browsers send about 20.
pub const MAX_HEADER_FIELDS: usize = 64;

/// Most bytes of header names and values together (room for large cookies and tokens).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// True when the request's headers are over either limit.
pub fn headers_too_large(req: &RequestHeader) -> bool {
    req.headers.len() > MAX_HEADER_FIELDS
        || req
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum::<usize>()
            > MAX_HEADER_BYTES
}

/// Removes every client-sent identity/sequence header (all occurrences).
pub fn strip_spoofable(req: &mut RequestHeader) {
    for name in SPOOFABLE {
        while req.remove_header(name).is_some() {}
    }
}

/// The client's request id when it is a sane token, else a fresh one.
pub fn request_id(req: &RequestHeader) -> String {
    req.headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_sane_id(v))
        .map_or_else(fresh_request_id, str::to_owned)
}

thread_local! {
    /// SplitMix64 state, seeded once per thread from the operating system.
    static ID_STATE: Cell<u64> = Cell::new(uuid::Uuid::new_v4().as_u64_pair().0);
}

/// A random (version 4) UUID from a per-thread generator: request ids must be unique, not
/// secret, and `Uuid::new_v4` costs a `getrandom` system call every time.
fn fresh_request_id() -> String {
    let next = || {
        ID_STATE.with(|state| {
            let mut z = state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            state.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
    };
    let bits = (u128::from(next()) << 64) | u128::from(next());
    uuid::Builder::from_random_bytes(bits.to_be_bytes())
        .into_uuid()
        .to_string()
}

fn is_sane_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoofed_identity_headers_are_removed() {
        let mut req = RequestHeader::build("GET", b"/api/v1/auth/me", None).expect("request");
        req.append_header("X-User-Id", "evil").expect("header");
        req.append_header("x-authenticated-user-id", "evil")
            .expect("header");
        req.append_header("X-Authenticated-User-Id", "evil2")
            .expect("header");
        req.append_header("X-Fcfs-Seq", "1").expect("header");
        req.append_header("Accept", "application/json")
            .expect("header");
        strip_spoofable(&mut req);
        for name in SPOOFABLE {
            assert!(req.headers.get(name).is_none(), "{name} survived");
        }
        assert!(req.headers.get("accept").is_some());
    }

    #[test]
    fn request_ids_are_kept_only_when_sane() {
        let mut req = RequestHeader::build("GET", b"/", None).expect("request");
        req.insert_header(REQUEST_ID, "abc-123").expect("header");
        assert_eq!(request_id(&req), "abc-123");
        req.insert_header(REQUEST_ID, "bad id with spaces")
            .expect("header");
        assert_ne!(request_id(&req), "bad id with spaces");
    }

    #[test]
    fn fresh_request_ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> =
            (0..10_000).map(|_| fresh_request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        let id: uuid::Uuid = ids.iter().next().expect("one").parse().expect("a uuid");
        assert_eq!(id.get_version_num(), 4);
    }
}
