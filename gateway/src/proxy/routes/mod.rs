//! Which route a request is, what the pipeline must do with it, and its metrics label.
//!
//! Labels are matched paths (`/api/v1/holds/{id}`): ids become `{id}` and only known words
//! are kept, so a client inventing paths cannot grow the metrics. A test walks core-api's
//! OpenAPI document and proves every route of it is known here (`covers_openapi`).

use http::Method;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The gateway's own liveness and readiness.
    Health,
    Ready,
    /// Waiting-room routes the gateway serves itself.
    QueueJoin(Uuid),
    QueueChallenge(Uuid),
    QueueStatus(Uuid),
    QueueFairness(Uuid),
    QueueAdmin(Uuid),
    /// Proxied to core-api.
    Upstream,
}

/// Whether the edge cache may answer a route (GET only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    Never,
    /// Only requests without `Authorization` or a cookie: core-api's answer depends on who
    /// asks (the catalog shows an admin the drafts).
    Anonymous,
    /// core-api answers everyone the same (performances, seat maps, seat status, products),
    /// so requests with a token are answered from the cache too.
    Shared,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub kind: Kind,
    pub label: String,
    /// Passes without an access token.
    pub public: bool,
    /// A write that gets duplicate blocking and a sequence number.
    pub dedupe: bool,
    /// `POST /holds`: the performance is in the body, and a queued one needs a pass.
    pub needs_pass: bool,
    /// A long-lived stream (SSE): no upstream read timeout.
    pub streaming: bool,
    pub cache: CachePolicy,
}

const WORDS: &[&str] = &[
    "auth",
    "register",
    "login",
    "refresh",
    "logout",
    "logout-all",
    "me",
    "events",
    "performances",
    "seats",
    "seat-layout",
    "seat-status",
    "stream",
    "holds",
    "extend",
    "reservations",
    "cancel",
    "wallet",
    "charge",
    "transactions",
    "payments",
    "admin",
    "venues",
    "status",
    "open-sale",
    "close-sale",
    "refund-cutoff",
    "stats",
    "queue",
    "join",
    "challenge",
    "fairness",
    "products",
    "resources",
    "users",
    "resource-bookings",
    "availability",
    "timeline",
    "series",
    "calendar-feeds",
    "audit-log",
    "jobs",
    "orders",
    "attendees.csv",
    "live",
    "seat-order",
    "notification-preferences",
    "teams",
    "members",
    "utilisation",
    "utilisation.csv",
    "webhooks",
];

fn label(path: &str) -> String {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return match path {
            "/healthz" | "/readyz" | "/openapi.json" | "/metrics" => path.to_owned(),
            _ if path.starts_with("/api/") => "/api/other".to_owned(),
            _ => "static".to_owned(),
        };
    };
    // Calendar feed URLs carry their secret token: never put it in a label.
    if rest.starts_with("calendar/") {
        return "/api/v1/calendar/{token}".to_owned();
    }
    let mut out = String::from("/api/v1");
    for (i, segment) in rest.split('/').enumerate() {
        if i >= 6 {
            return "/api/v1/other".to_owned();
        }
        if segment.parse::<Uuid>().is_ok()
            || (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
        {
            out.push_str("/{id}");
        } else if WORDS.contains(&segment) {
            out.push('/');
            out.push_str(segment);
        } else {
            return "/api/v1/other".to_owned();
        }
    }
    out
}

pub fn classify(method: &Method, path: &str) -> Route {
    let label = label(path);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |i: usize| segments.get(i).and_then(|s| s.parse::<Uuid>().ok());
    let is_get = method == Method::GET || method == Method::HEAD;
    let kind = match (method.as_str(), segments.as_slice()) {
        ("GET", ["healthz"]) => Kind::Health,
        ("GET", ["readyz"]) => Kind::Ready,
        ("POST", ["api", "v1", "queue", _, "join"]) => {
            id(3).map_or(Kind::Upstream, Kind::QueueJoin)
        }
        ("POST", ["api", "v1", "queue", _, "challenge"]) => {
            id(3).map_or(Kind::Upstream, Kind::QueueChallenge)
        }
        ("GET", ["api", "v1", "queue", _, "status"]) => {
            id(3).map_or(Kind::Upstream, Kind::QueueStatus)
        }
        ("GET", ["api", "v1", "queue", _, "fairness"]) => {
            id(3).map_or(Kind::Upstream, Kind::QueueFairness)
        }
        ("GET", ["api", "v1", "admin", "queue", _]) => {
            id(4).map_or(Kind::Upstream, Kind::QueueAdmin)
        }
        _ => Kind::Upstream,
    };
    let api = path.starts_with("/api/");
    let public = match segments.as_slice() {
        _ if !api => true,
        // Sign-out presents the refresh token, not an access token (which may have expired).
        [
            "api",
            "v1",
            "auth",
            "register" | "login" | "refresh" | "logout",
        ] => method == Method::POST,
        ["api", "v1", "events", ..] => is_get,
        [
            "api",
            "v1",
            "performances",
            _,
            "seats" | "products" | "seat-layout" | "seat-status",
        ]
        | ["api", "v1", "performances", _, "seats", "stream"] => is_get,
        ["api", "v1", "performances", _] => is_get,
        // The pre-queue's fairness data is published for anyone to check.
        ["api", "v1", "queue", _, "fairness"] => is_get,
        // iCalendar feeds: calendar apps cannot log in; the secret token in the URL is the key.
        ["api", "v1", "calendar", _] => is_get,
        _ => false,
    };
    let write = matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let dedupe = write
        && kind == Kind::Upstream
        && api
        && !matches!(segments.as_slice(), ["api", "v1", "auth" | "admin", ..]);
    let cache = match segments.as_slice() {
        _ if method != Method::GET => CachePolicy::Never,
        ["api", "v1", "events"]
        | ["api", "v1", "events", _]
        | ["api", "v1", "events", _, "performances"] => CachePolicy::Anonymous,
        ["api", "v1", "performances", _]
        | [
            "api",
            "v1",
            "performances",
            _,
            "seats" | "products" | "seat-layout" | "seat-status",
        ] => CachePolicy::Shared,
        _ => CachePolicy::Never,
    };
    Route {
        kind,
        public,
        cache,
        dedupe,
        needs_pass: method == Method::POST && segments.as_slice() == ["api", "v1", "holds"],
        // Seat and booking streams, and the control room's live figures.
        streaming: path.ends_with("/stream")
            || (path.starts_with("/api/v1/admin/performances/") && path.ends_with("/live")),
        label,
    }
}

#[cfg(test)]
mod covers_openapi;

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0191c2a4-6f35-7c1e-9d6a-3b8f5e2a1c00";

    #[test]
    fn labels_are_matched_paths() {
        assert_eq!(
            label(&format!("/api/v1/holds/{ID}/extend")),
            "/api/v1/holds/{id}/extend"
        );
        assert_eq!(label("/api/v1/events"), "/api/v1/events");
        assert_eq!(label("/api/v1/whatever/you/like"), "/api/v1/other");
        assert_eq!(label("/index.html"), "static");
    }

    #[test]
    fn catalog_reads_are_public_and_holds_are_not() {
        assert!(classify(&Method::GET, "/api/v1/events").public);
        assert!(
            classify(
                &Method::GET,
                &format!("/api/v1/performances/{ID}/seats/stream")
            )
            .public
        );
        assert!(classify(&Method::POST, "/api/v1/auth/login").public);
        let feed = classify(&Method::GET, "/api/v1/calendar/s3cr3t-token.ics");
        assert!(feed.public);
        assert_eq!(feed.label, "/api/v1/calendar/{token}");
        assert!(!classify(&Method::GET, "/api/v1/resource-bookings").public);
        assert_eq!(
            label(&format!("/api/v1/resource-bookings/series/{ID}/cancel")),
            "/api/v1/resource-bookings/series/{id}/cancel"
        );
        assert!(!classify(&Method::GET, "/api/v1/auth/me").public);
        let logout = classify(&Method::POST, "/api/v1/auth/logout");
        assert!(logout.public && !logout.dedupe);
        assert_eq!(logout.label, "/api/v1/auth/logout");
        let everywhere = classify(&Method::POST, "/api/v1/auth/logout-all");
        assert!(!everywhere.public);
        assert_eq!(everywhere.label, "/api/v1/auth/logout-all");
        let hold = classify(&Method::POST, "/api/v1/holds");
        assert!(!hold.public && hold.dedupe && hold.needs_pass);
        assert!(!classify(&Method::POST, "/api/v1/admin/venues").dedupe);
        assert!(classify(&Method::GET, "/").public);
    }

    #[test]
    fn only_reads_everyone_gets_alike_are_shared_in_the_edge_cache() {
        let policy = |method: &Method, path: &str| classify(method, path).cache;
        let seats = format!("/api/v1/performances/{ID}/seats");
        assert_eq!(policy(&Method::GET, &seats), CachePolicy::Shared);
        let status = format!("/api/v1/performances/{ID}/seat-status");
        assert_eq!(policy(&Method::GET, &status), CachePolicy::Shared);
        assert_eq!(label(&status), "/api/v1/performances/{id}/seat-status");
        assert_eq!(
            policy(&Method::GET, "/api/v1/events"),
            CachePolicy::Anonymous
        );
        assert_eq!(policy(&Method::HEAD, &seats), CachePolicy::Never);
        assert_eq!(
            policy(&Method::GET, &format!("{seats}/stream")),
            CachePolicy::Never
        );
        assert_eq!(policy(&Method::GET, "/api/v1/auth/me"), CachePolicy::Never);
        assert_eq!(
            policy(&Method::GET, "/api/v1/calendar/token.ics"),
            CachePolicy::Never
        );
    }

    #[test]
    fn queue_routes_are_served_by_the_gateway() {
        let id: Uuid = ID.parse().expect("uuid");
        assert_eq!(
            classify(&Method::POST, &format!("/api/v1/queue/{ID}/join")).kind,
            Kind::QueueJoin(id)
        );
        assert_eq!(
            classify(&Method::GET, &format!("/api/v1/queue/{ID}/status")).kind,
            Kind::QueueStatus(id)
        );
        assert_eq!(
            classify(&Method::POST, &format!("/api/v1/queue/{ID}/challenge")).kind,
            Kind::QueueChallenge(id)
        );
        assert_eq!(
            classify(&Method::GET, &format!("/api/v1/admin/queue/{ID}")).kind,
            Kind::QueueAdmin(id)
        );
        assert!(!classify(&Method::POST, &format!("/api/v1/queue/{ID}/join")).dedupe);
    }
}
