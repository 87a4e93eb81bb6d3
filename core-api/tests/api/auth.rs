//! Accounts and tokens: register, login, rotating refresh, and refusal of bad tokens.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

async fn register_and_login(app: &TestApp, email: &str) -> Value {
    let body = json!({ "email": email, "password": "s3cret-passw0rd", "name": "Ana" });
    let (status, created) = app
        .call(Method::POST, "/api/v1/auth/register", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, tokens) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": email, "password": "s3cret-passw0rd" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    tokens["data"].clone()
}

#[tokio::test]
async fn a_new_account_can_log_in_and_see_itself() {
    let app = TestApp::spawn().await;

    let tokens = register_and_login(&app, "Ana@Example.com").await;

    assert_eq!(tokens["tokenType"], "Bearer");
    assert!(tokens["expiresIn"].as_u64().is_some_and(|s| s > 0));
    let token = tokens["accessToken"].as_str().expect("access token");
    let (status, me) = app
        .call(Method::GET, "/api/v1/auth/me", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["data"]["email"], "ana@example.com");
    assert_eq!(me["data"]["role"], "USER");
    assert!(me["data"].get("passwordHash").is_none());
}

#[tokio::test]
async fn bad_registrations_and_logins_are_refused() {
    let app = TestApp::spawn().await;
    register_and_login(&app, "ana@example.com").await;
    let register = |body: Value| app.call(Method::POST, "/api/v1/auth/register", None, Some(body));

    let (status, body) =
        register(json!({ "email": "ANA@example.com", "password": "another-pass", "name": "Ana" }))
            .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "EMAIL_TAKEN")
    );
    let (status, body) =
        register(json!({ "email": "not-an-email", "password": "another-pass", "name": "Ana" }))
            .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("email"))
    );
    let (status, body) =
        register(json!({ "email": "bo@example.com", "password": "short", "name": "Bo" })).await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password"))
    );
    let (status, _) =
        register(json!({ "email": "bo@example.com", "password": 12345678, "name": "Bo" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    for (email, password) in [
        ("ana@example.com", "wrong-password"),
        ("nobody@example.com", "s3cret-passw0rd"),
    ] {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({ "email": email, "password": password })),
            )
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
        );
    }
    assert_eq!(
        app.query_count("SELECT count(*) FROM users WHERE role = 'USER'")
            .await,
        1
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_replayed_one_revokes_the_whole_login() {
    let app = TestApp::spawn().await;
    let tokens = register_and_login(&app, "ana@example.com").await;
    let first = tokens["refreshToken"]
        .as_str()
        .expect("refresh token")
        .to_owned();
    let refresh = |token: &str| {
        app.call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({ "refreshToken": token })),
        )
    };

    let (status, rotated) = refresh(&first).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let second = rotated["data"]["refreshToken"]
        .as_str()
        .expect("new refresh token")
        .to_owned();
    assert_ne!(first, second);
    let access = rotated["data"]["accessToken"].as_str().expect("access");
    assert_eq!(
        app.call(Method::GET, "/api/v1/auth/me", Some(access), None)
            .await
            .0,
        StatusCode::OK
    );

    let (status, body) = refresh(&first).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "replay refused"
    );
    let (status, _) = refresh(&second).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the replay revoked the newer token too"
    );
    let (status, _) = refresh("made-up-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn forged_expired_foreign_and_unsigned_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.user().await;
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64, aud: &str, iss: &str| json!({ "sub": user.id, "role": "ADMIN", "iss": iss, "aud": aud, "iat": now, "exp": exp });
    let sign = |claims: Value, secret: &str, alg: Algorithm| {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("sign")
    };
    let secret = app.stores.jwt_secret.clone();
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(now + 600, "holdfast-api", "holdfast").to_string())
    );
    let tokens = [
        (
            "wrong secret",
            sign(
                claims(now + 600, "holdfast-api", "holdfast"),
                "some-other-secret-of-32-bytes-xx",
                Algorithm::HS256,
            ),
        ),
        (
            "expired",
            sign(
                claims(now - 600, "holdfast-api", "holdfast"),
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong audience",
            sign(
                claims(now + 600, "other-api", "holdfast"),
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "wrong issuer",
            sign(
                claims(now + 600, "holdfast-api", "someone"),
                &secret,
                Algorithm::HS256,
            ),
        ),
        (
            "other algorithm",
            sign(
                claims(now + 600, "holdfast-api", "holdfast"),
                &secret,
                Algorithm::HS512,
            ),
        ),
        ("alg none", unsigned),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in tokens {
        let (status, body) = app
            .call(Method::GET, "/api/v1/auth/me", Some(&token), None)
            .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            "{what}"
        );
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/admin/performances/{}/stats", user.id),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what} on an admin route");
    }
    let valid = sign(
        claims(now + 600, "holdfast-api", "holdfast"),
        &secret,
        Algorithm::HS256,
    );
    assert_eq!(
        app.call(Method::GET, "/api/v1/auth/me", Some(&valid), None)
            .await
            .0,
        StatusCode::OK,
        "the control token works"
    );
}
