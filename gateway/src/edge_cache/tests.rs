//! The store on its own: hits, expiry, coalescing, bounds and what may be kept.

use std::time::Instant;

use super::*;

fn config(ttl_ms: u64, max_entries: usize, max_bytes: usize) -> EdgeConfig {
    EdgeConfig {
        upstream_max_connections: 8,
        cache_ttl_ms: ttl_ms,
        cache_max_entries: max_entries,
        cache_max_bytes: max_bytes,
        cache_wait_ms: 1000,
    }
}

fn ok(extra: &[(&'static str, &'static str)]) -> ResponseHeader {
    let mut resp = ResponseHeader::build(200, None).expect("header");
    for (name, value) in extra {
        resp.append_header(*name, *value).expect("header");
    }
    resp
}

fn fill(cache: &Arc<EdgeCache>, key: &str, body: &'static [u8]) {
    let Lookup::Lead(mut fill) = cache.lookup(key) else {
        panic!("expected to lead {key}");
    };
    assert!(fill.header(&ok(&[("etag", "\"v1\""), ("x-request-id", "r1")])));
    assert!(fill.body(&Bytes::from_static(body)));
    fill.finish();
}

#[test]
fn a_filled_key_is_a_hit_without_per_request_headers() {
    let cache = EdgeCache::new(&config(10_000, 64, 1 << 20)).expect("on");
    fill(&cache, "/a", b"hello");
    let Lookup::Hit(entry) = cache.lookup("/a") else {
        panic!("expected a hit");
    };
    assert_eq!(&entry.body[..], b"hello");
    assert_eq!(entry.etag(), Some(&b"\"v1\""[..]));
    assert!(entry.header.headers.get("x-request-id").is_none());
}

#[test]
fn an_expired_entry_is_fetched_again() {
    let cache = EdgeCache::new(&config(1, 64, 1 << 20)).expect("on");
    fill(&cache, "/a", b"hello");
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(2) {
        std::hint::spin_loop();
    }
    assert!(matches!(cache.lookup("/a"), Lookup::Lead(_)));
}

#[tokio::test]
async fn waiters_get_the_leaders_answer_and_are_released_when_it_fails() {
    let cache = EdgeCache::new(&config(10_000, 64, 1 << 20)).expect("on");
    let Lookup::Lead(mut lead) = cache.lookup("/a") else {
        panic!("lead");
    };
    let Lookup::Wait(waiting) = cache.lookup("/a") else {
        panic!("wait");
    };
    assert!(lead.header(&ok(&[])));
    assert!(lead.body(&Bytes::from_static(b"x")));
    lead.finish();
    assert_eq!(&cache.wait(waiting).await.expect("answer").body[..], b"x");

    let Lookup::Lead(failing) = cache.lookup("/b") else {
        panic!("lead");
    };
    let Lookup::Wait(waiting) = cache.lookup("/b") else {
        panic!("wait");
    };
    drop(failing);
    assert!(cache.wait(waiting).await.is_none());
    assert!(matches!(cache.lookup("/b"), Lookup::Lead(_)));
}

#[test]
fn the_cache_stays_within_its_entries_and_bytes() {
    let cache = EdgeCache::new(&config(10_000, 16, 64 * 1024)).expect("on");
    for i in 0..200 {
        fill(&cache, &format!("/k{i}"), &[0u8; 1000]);
    }
    let entries: usize = cache
        .shards
        .iter()
        .map(|s| s.lock().expect("lock").entries.len())
        .sum();
    assert!(entries <= 16, "{entries} entries");
    assert!(cache.bytes() <= 64 * 1024);

    let Lookup::Lead(mut big) = cache.lookup("/big") else {
        panic!("lead");
    };
    assert!(big.header(&ok(&[])));
    assert!(!big.body(&Bytes::from(vec![0u8; 32 * 1024])));
}

#[test]
fn personal_or_private_answers_are_not_kept() {
    assert!(storable(&ok(&[("cache-control", "public, max-age=5")])));
    assert!(!storable(&ok(&[("set-cookie", "a=b")])));
    assert!(!storable(&ok(&[("cache-control", "private")])));
    assert!(!storable(&ok(&[("cache-control", "max-age=0, no-store")])));
    assert!(!storable(&ok(&[("vary", "authorization")])));
    assert!(!storable(
        &ResponseHeader::build(404, None).expect("header")
    ));
}

#[test]
fn entity_tags_match_weakly_in_lists_and_by_star() {
    assert!(etag_matches(b"\"v1\"", b"\"v1\""));
    assert!(etag_matches(b"W/\"v1\"", b"\"v1\""));
    assert!(etag_matches(b"\"v0\", \"v1\"", b"\"v1\""));
    assert!(etag_matches(b"*", b"\"v1\""));
    assert!(!etag_matches(b"\"v2\"", b"\"v1\""));
}
