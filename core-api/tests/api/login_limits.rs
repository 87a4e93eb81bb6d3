//! Per-account login throttling with backoff, and the bounded password-hashing queue.

use std::time::Duration;

use reqwest::{Method, StatusCode, header::RETRY_AFTER};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, eventually};

const PASSWORD: &str = "s3cret-passw0rd";

/// (status, Retry-After seconds, body)
async fn attempt(app: &TestApp, email: &str, password: &str) -> (StatusCode, Option<u64>, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("login sent");
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body)
}

async fn register(app: &TestApp, email: &str) {
    app.register(email, PASSWORD).await;
}

#[tokio::test]
async fn failed_logins_lock_the_email_with_doubling_waits_and_a_success_resets() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_LOGIN_MAX_FAILURES".into(), "3".into());
        vars.insert("CORE_LOGIN_BACKOFF_MS".into(), "1000".into());
    })
    .await;
    register(&app, "ana@example.com").await;
    for _ in 0..3 {
        let (status, _, _) = attempt(&app, "ana@example.com", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    let (status, retry_after, body) = attempt(&app, "ana@example.com", PASSWORD).await;

    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
        "even the right password waits"
    );
    assert_eq!(retry_after, Some(1));
    assert_eq!(body["error"]["details"]["retryAfterSeconds"], 1);
    // Once the wait is over, a fourth failure doubles it.
    assert!(
        eventually(Duration::from_secs(5), || async {
            attempt(&app, "ana@example.com", "wrong-password").await.0 == StatusCode::UNAUTHORIZED
        })
        .await
    );
    let (status, retry_after, _) = attempt(&app, "ana@example.com", PASSWORD).await;
    assert_eq!(
        (status, retry_after),
        (StatusCode::TOO_MANY_REQUESTS, Some(2))
    );
    assert!(
        eventually(Duration::from_secs(6), || async {
            attempt(&app, "ana@example.com", PASSWORD).await.0 == StatusCode::OK
        })
        .await,
        "after the wait the right password works"
    );
    let (status, _, _) = attempt(&app, "ana@example.com", "wrong-password").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the success reset the count"
    );
}

#[tokio::test]
async fn unknown_emails_are_throttled_the_same_way() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_LOGIN_MAX_FAILURES".into(), "2".into());
    })
    .await;
    for _ in 0..2 {
        let (status, _, _) = attempt(&app, "nobody@example.com", PASSWORD).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    let (status, retry_after, _) = attempt(&app, "nobody@example.com", PASSWORD).await;

    assert_eq!(
        (status, retry_after),
        (StatusCode::TOO_MANY_REQUESTS, Some(1))
    );
    let (status, _, _) = attempt(&app, "somebody-else@example.com", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "other e-mails are not affected"
    );
    let keys = app.redis_keys().await;
    assert!(
        keys.iter().all(|k| !k.contains("example.com")),
        "no address is stored in Redis: {keys:?}"
    );
}

#[tokio::test]
async fn a_full_hashing_queue_answers_503_at_once_instead_of_piling_up() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_PASSWORD_HASH_CONCURRENCY".into(), "1".into());
        vars.insert("CORE_PASSWORD_HASH_QUEUE".into(), "0".into());
    })
    .await;
    register(&app, "ana@example.com").await;

    let answers =
        futures::future::join_all((0..24).map(|_| attempt(&app, "ana@example.com", PASSWORD)))
            .await;

    let busy: Vec<_> = answers
        .iter()
        .filter(|(status, _, _)| *status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(!busy.is_empty(), "some logins found the queue full");
    for (_, retry_after, body) in &busy {
        assert_eq!(error_code(body), "SERVER_BUSY");
        assert_eq!(*retry_after, Some(1));
    }
    assert!(
        answers
            .iter()
            .any(|(status, _, _)| *status == StatusCode::OK),
        "the one that got the slot signed in"
    );
    assert!(
        answers
            .iter()
            .all(|(s, _, _)| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE)
    );
}

#[tokio::test]
async fn login_works_while_redis_is_down_without_throttling() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
        vars.insert("CORE_LOGIN_MAX_FAILURES".into(), "1".into());
    })
    .await;
    register(&app, "ana@example.com").await;

    for _ in 0..2 {
        let (status, _, _) = attempt(&app, "ana@example.com", "wrong-password").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "fails open: no 429, no 503"
        );
    }
    let (status, _, body) = attempt(&app, "ana@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let access = body["data"]["accessToken"].as_str().expect("access");
    assert_eq!(
        app.call(Method::GET, "/api/v1/auth/me", Some(access), None)
            .await
            .0,
        StatusCode::OK,
        "the account check needs Postgres only"
    );
}
