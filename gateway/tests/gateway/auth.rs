//! Access tokens are checked at the gateway: forged, expired, wrong-audience and alg-none
//! tokens are refused with 401 before anything reaches core-api.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Stack, code};

fn token(secret: &str, sub: uuid::Uuid, aud: &str, exp_offset: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": sub, "role": "USER", "iss": "holdfast", "aud": aud, "iat": now, "exp": now + exp_offset });
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

#[tokio::test]
async fn forged_expired_wrong_audience_and_alg_none_tokens_are_refused() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let user = stack.user().await;
    let now = chrono::Utc::now().timestamp();
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let none_claims = URL_SAFE_NO_PAD.encode(
        json!({ "sub": user.id, "role": "ADMIN", "iss": "holdfast", "aud": "holdfast-api", "iat": now, "exp": now + 600 }).to_string(),
    );
    let bad = [
        (
            "forged",
            token(
                "another-secret-of-at-least-32-bytes!",
                user.id,
                "holdfast-api",
                600,
            ),
        ),
        (
            "expired",
            token(&stack.jwt_secret, user.id, "holdfast-api", -3600),
        ),
        (
            "wrong audience",
            token(&stack.jwt_secret, user.id, "someone-else", 600),
        ),
        ("alg none", format!("{none_header}.{none_claims}.")),
        ("garbage", "not-a-token".to_owned()),
    ];

    for (what, bad_token) in bad {
        let (status, _, body) = stack
            .send(
                gateway.addr,
                Method::GET,
                "/api/v1/auth/me",
                Some(&bad_token),
                &[],
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(code(&body), "UNAUTHENTICATED", "{what}");
    }
    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::GET,
            "/api/v1/auth/me",
            Some(&user.token),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["id"], user.id.to_string());
}

#[tokio::test]
async fn protected_routes_need_a_token_and_public_ones_do_not() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;

    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/holds",
            None,
            &[],
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "UNAUTHENTICATED");
    let (status, _, _) = stack
        .send(gateway.addr, Method::GET, "/api/v1/events", None, &[], None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_needs_no_access_token_but_signing_out_everywhere_does() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;

    // The refresh token is the credential: an app whose access token expired can still sign out.
    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/auth/logout",
            None,
            &[],
            Some(json!({ "refreshToken": "not-a-live-token" })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/auth/logout-all",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );
}
