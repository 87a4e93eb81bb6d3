//! Sign-out (one login, or everywhere) and account changes that bite on the next request,
//! on every instance.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TcpProxy, TestApp, error_code, eventually, redis_url};

const PASSWORD: &str = "s3cret-passw0rd";

async fn register(app: &TestApp, email: &str) -> Uuid {
    app.register(email, PASSWORD).await
}

async fn login(app: &TestApp, email: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({ "email": email, "password": PASSWORD })),
    )
    .await
}

/// (access token, refresh token) of a fresh login.
async fn tokens(app: &TestApp, email: &str) -> (String, String) {
    let (status, body) = login(app, email).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let get = |k: &str| body["data"][k].as_str().expect("token").to_owned();
    (get("accessToken"), get("refreshToken"))
}

async fn refresh(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(json!({ "refreshToken": token })),
    )
    .await
}

async fn logout(app: &TestApp, token: &str) -> StatusCode {
    app.call(
        Method::POST,
        "/api/v1/auth/logout",
        None,
        Some(json!({ "refreshToken": token })),
    )
    .await
    .0
}

/// An admin's change to an account, made by the app's own admin.
async fn patch_user(app: &TestApp, id: Uuid, change: Value) -> (StatusCode, Value) {
    app.call(
        Method::PATCH,
        &format!("/api/v1/admin/users/{id}"),
        Some(&app.admin.token),
        Some(change),
    )
    .await
}

async fn me(app: &TestApp, access: &str) -> StatusCode {
    app.call(Method::GET, "/api/v1/auth/me", Some(access), None)
        .await
        .0
}

#[tokio::test]
async fn logging_out_ends_that_login_and_only_that_login() {
    let app = TestApp::spawn().await;
    register(&app, "ana@example.com").await;
    let (_, first) = tokens(&app, "ana@example.com").await;
    let (_, other_login) = tokens(&app, "ana@example.com").await;
    let (status, rotated) = refresh(&app, &first).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let current = rotated["data"]["refreshToken"].as_str().expect("rotated");

    assert_eq!(logout(&app, current).await, StatusCode::NO_CONTENT);

    let (status, body) = refresh(&app, current).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "a logged-out refresh token is refused"
    );
    assert_eq!(
        refresh(&app, &other_login).await.0,
        StatusCode::OK,
        "the other login goes on"
    );
    assert_eq!(
        logout(&app, current).await,
        StatusCode::NO_CONTENT,
        "idempotent"
    );
    assert_eq!(logout(&app, "never-issued").await, StatusCode::NO_CONTENT);
    let (status, body) = app
        .call(Method::POST, "/api/v1/auth/logout", None, Some(json!({})))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
    );
    assert_eq!(
        app.query_count(
            "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL AND used_at IS NULL"
        )
        .await,
        1,
        "only the other login's newest token is live"
    );
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_login_and_every_access_token() {
    let app = TestApp::spawn().await;
    register(&app, "ana@example.com").await;
    let (access_a, refresh_a) = tokens(&app, "ana@example.com").await;
    let (access_b, refresh_b) = tokens(&app, "ana@example.com").await;
    assert_eq!(me(&app, &access_b).await, StatusCode::OK);

    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/logout-all",
            Some(&access_a),
            None,
        )
        .await;

    assert_eq!(status, StatusCode::NO_CONTENT);
    for access in [&access_a, &access_b] {
        assert_eq!(me(&app, access).await, StatusCode::UNAUTHORIZED);
    }
    for token in [&refresh_a, &refresh_b] {
        assert_eq!(refresh(&app, token).await.0, StatusCode::UNAUTHORIZED);
    }
    let (access, _) = tokens(&app, "ana@example.com").await;
    assert_eq!(me(&app, &access).await, StatusCode::OK, "a new login works");
    let (status, _) = app
        .call(Method::POST, "/api/v1/auth/logout-all", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_deactivated_account_is_refused_on_its_next_request_on_every_instance() {
    let a = TestApp::spawn().await;
    let b = a.sibling(|_| {}).await;
    let id = register(&a, "ana@example.com").await;
    let (access, refresh_token) = tokens(&a, "ana@example.com").await;
    // Both instances have the account cached as active.
    assert_eq!(me(&a, &access).await, StatusCode::OK);
    assert_eq!(me(&b, &access).await, StatusCode::OK);
    let sessions_b = &b.services.auth.sessions;
    assert!(
        eventually(Duration::from_secs(5), || async { sessions_b.is_live() }).await,
        "instance b hears account changes"
    );
    let heard = sessions_b.notices_heard();

    let (status, body) = patch_user(&a, id, json!({ "active": false })).await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["active"], false);
    let (status, body) = a
        .call(Method::GET, "/api/v1/auth/me", Some(&access), None)
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "refused at once where the change was made"
    );
    assert!(
        eventually(Duration::from_secs(5), || async {
            sessions_b.notices_heard() > heard
        })
        .await,
        "the change reached instance b"
    );
    assert_eq!(me(&b, &access).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&a, "ana@example.com").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        refresh(&b, &refresh_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        a.query_count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'user.update' AND entity_id = '{id}' \
             AND actor_id = '{}' AND after->>'active' = 'false'",
            a.admin.id
        ))
        .await,
        1,
        "audited"
    );

    let (status, _) = patch_user(&a, id, json!({ "active": true })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        me(&a, &access).await,
        StatusCode::UNAUTHORIZED,
        "old tokens stay dead after reactivation"
    );
    let (fresh, _) = tokens(&a, "ana@example.com").await;
    assert_eq!(me(&b, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn without_change_notices_an_instance_trusts_its_cached_account_only_briefly() {
    let a = TestApp::spawn().await;
    // Instance b reaches Redis only through a proxy the test can cut.
    let mut proxy = TcpProxy::start(redis_url().trim_start_matches("redis://")).await;
    let b = a
        .sibling(|v| {
            v.insert("REDIS_URL".into(), format!("redis://{}", proxy.addr));
        })
        .await;
    let id = register(&a, "ana@example.com").await;
    let (access, _) = tokens(&a, "ana@example.com").await;
    let sessions_b = &b.services.auth.sessions;
    assert!(eventually(Duration::from_secs(5), || async { sessions_b.is_live() }).await);
    assert_eq!(me(&b, &access).await, StatusCode::OK, "cached on b");

    proxy.cut().await;
    assert!(
        eventually(Duration::from_secs(5), || async { !sessions_b.is_live() }).await,
        "b notices that change notices stopped"
    );
    let heard = sessions_b.notices_heard();
    let (status, _) = patch_user(&a, id, json!({ "active": false })).await;
    assert_eq!(status, StatusCode::OK);

    // Far sooner than CORE_ACCOUNT_CACHE_TTL_MS (60 s): the 1 s fallback TTL applies.
    assert!(
        eventually(Duration::from_secs(5), || async {
            me(&b, &access).await == StatusCode::UNAUTHORIZED
        })
        .await,
        "b stops trusting its stale entry"
    );
    assert_eq!(sessions_b.notices_heard(), heard, "no notice reached b");
    proxy.restore().await;
    assert!(
        eventually(Duration::from_secs(10), || async { sessions_b.is_live() }).await,
        "b subscribes again once Redis is back"
    );
}

#[tokio::test]
async fn a_demoted_admin_is_refused_admin_routes_at_once_with_the_old_token() {
    let a = TestApp::spawn().await;
    let b = a.sibling(|_| {}).await;
    let other = a
        .user_with_role(core_api::shared::domain::Role::Admin)
        .await;
    for app in [&a, &b] {
        assert_eq!(
            app.get("/api/v1/admin/users", &other).await.0,
            StatusCode::OK
        );
    }
    let sessions_b = &b.services.auth.sessions;
    assert!(eventually(Duration::from_secs(5), || async { sessions_b.is_live() }).await);
    let heard = sessions_b.notices_heard();

    let (status, body) = patch_user(&a, other.id, json!({ "role": "USER" })).await;

    assert_eq!(
        (status, body["data"]["role"].as_str()),
        (StatusCode::OK, Some("USER"))
    );
    let (status, body) = a.get("/api/v1/admin/users", &other).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    assert!(
        eventually(Duration::from_secs(5), || async {
            sessions_b.notices_heard() > heard
        })
        .await
    );
    assert_eq!(
        b.get("/api/v1/admin/users", &other).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, me) = b.get("/api/v1/auth/me", &other).await;
    assert_eq!(
        (status, me["data"]["role"].as_str()),
        (StatusCode::OK, Some("USER")),
        "still signed in, as a user"
    );
}

#[tokio::test]
async fn admins_find_accounts_and_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let zed = register(&app, "zed@example.com").await;
    register(&app, "amy@example.com").await;
    let user = app.user().await;

    let (status, page) = app.get("/api/v1/admin/users?query=ZED", &app.admin).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["data"]["total"], 1);
    assert_eq!(page["data"]["items"][0]["id"], zed.to_string());
    assert_eq!(page["data"]["items"][0]["active"], true);
    let (_, page) = app
        .get("/api/v1/admin/users?limit=2&offset=2", &app.admin)
        .await;
    assert_eq!(
        page["data"]["total"], 4,
        "two registered, one user, one admin"
    );
    assert_eq!(page["data"]["items"].as_array().map(Vec::len), Some(2));
    let (_, page) = app.get("/api/v1/admin/users?query=%25", &app.admin).await;
    assert_eq!(page["data"]["total"], 0, "% is taken literally");
    let (status, body) = app.get("/api/v1/admin/users?limit=0", &app.admin).await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    assert_eq!(
        app.get("/api/v1/admin/users", &user).await.0,
        StatusCode::FORBIDDEN
    );

    let patch = |id: Uuid, body: Value| patch_user(&app, id, body);
    for change in [json!({ "active": false }), json!({ "role": "USER" })] {
        let (status, body) = patch(app.admin.id, change).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "SELF_LOCKOUT")
        );
    }
    for bad in [
        json!({}),
        json!({ "role": "ROOT" }),
        json!({ "actve": false }),
    ] {
        let (status, body) = patch(zed, bad).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
        );
    }
    let (status, _) = patch(Uuid::new_v4(), json!({ "active": false })).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.query_count("SELECT count(*) FROM audit_log WHERE action = 'user.update'")
            .await,
        0,
        "nothing refused was changed or audited"
    );
    assert_eq!(
        app.get("/api/v1/admin/users", &app.admin).await.0,
        StatusCode::OK
    );
}
