//! The real gateway binary refuses published placeholder secrets at start unless
//! HOLDFAST_DEV_MODE=1; with EdDSA it needs only core-api's public key, and an HS256 token is
//! refused where EdDSA is configured.

use std::{collections::HashMap, process::Command};

use holdfast_contract::testing::{
    KeyPairFiles, assert_refuses_placeholder, random_secret, start_in_dev_mode,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header, decode_header, encode};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Stack, code, metrics_text, redis_url};

const PLACEHOLDER: &str = "change-me-to-another-32-random-bytes-xxxxxxx";

/// The binary with exactly these variables (nothing inherited from the test's environment).
fn gateway(vars: &HashMap<&str, String>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gateway"));
    command.env_clear().envs(vars);
    command
}

fn base_vars() -> HashMap<&'static str, String> {
    HashMap::from([
        ("REDIS_URL", redis_url()),
        (
            "GATEWAY_REDIS_KEY_PREFIX",
            format!("test:{}:", Uuid::new_v4().simple()),
        ),
        ("GATEWAY_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("GATEWAY_METRICS_ADDR", "127.0.0.1:0".to_owned()),
        // Nothing listens there: these tests never reach an upstream.
        ("GATEWAY_UPSTREAMS", "127.0.0.1:1".to_owned()),
        ("GATEWAY_QUEUE_TICK_MS", "0".to_owned()),
        ("GATEWAY_LOG_FORMAT", "json".to_owned()),
        ("GATEWAY_JWT_SECRET", random_secret()),
        ("GATEWAY_QUEUE_PASS_SECRET", random_secret()),
    ])
}

#[test]
fn the_gateway_refuses_to_start_with_a_placeholder_secret_and_says_how_to_make_one() {
    for var in ["GATEWAY_JWT_SECRET", "GATEWAY_QUEUE_PASS_SECRET"] {
        let mut vars = base_vars();
        vars.insert(var, PLACEHOLDER.to_owned());
        assert_refuses_placeholder(gateway(&vars), var);
    }
}

#[tokio::test]
async fn the_gateway_starts_with_a_placeholder_secret_in_dev_mode_and_warns() {
    let mut vars = base_vars();
    vars.insert("GATEWAY_JWT_SECRET", PLACEHOLDER.to_owned());
    vars.insert("HOLDFAST_DEV_MODE", "1".to_owned());

    let (_process, addr) = start_in_dev_mode(gateway(&vars), "GATEWAY_JWT_SECRET", "listen");

    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .expect("healthz answered");
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn with_eddsa_the_gateway_needs_only_the_public_key_and_refuses_hs256_tokens() {
    let keys = KeyPairFiles::generate().expect("key files");
    let stack = Stack::with_core_vars(&[
        ("CORE_JWT_SECRET", String::new()),
        ("CORE_JWT_PRIVATE_KEY_FILE", keys.private_path()),
    ])
    .await;
    let gateway = stack
        .gateway_with(&[
            ("GATEWAY_JWT_SECRET", String::new()),
            ("GATEWAY_JWT_PUBLIC_KEY_FILE", keys.public_path()),
        ])
        .await;
    let email = format!("eddsa-{}@test.holdfast.dev", Uuid::new_v4().simple());
    let account = json!({ "email": email, "password": "a long enough password", "name": "Ed" });
    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/auth/register",
            None,
            &[],
            Some(account.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user_id = body["data"]["id"].clone();

    // Log in through the gateway and use the token on an authenticated route.
    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/auth/login",
            None,
            &[],
            Some(account),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["data"]["accessToken"].as_str().expect("access token");
    assert_eq!(decode_header(token).expect("a JWT").alg, Algorithm::EdDSA);
    let (status, _, body) = stack
        .send(
            gateway.addr,
            Method::GET,
            "/api/v1/auth/me",
            Some(token),
            &[],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["id"], user_id);

    // HS256 with some secret, and HS256 keyed with the public key itself: both refused.
    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": user_id, "role": "ADMIN", "iss": "holdfast", "aud": "holdfast-api", "iat": now, "exp": now + 600 });
    let public_pem = std::fs::read(&keys.public_key_file).expect("public key");
    for hmac_key in [stack.jwt_secret.as_bytes(), public_pem.as_slice()] {
        let forged = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(hmac_key),
        )
        .expect("sign");
        let (status, _, body) = stack
            .send(
                gateway.addr,
                Method::GET,
                "/api/v1/auth/me",
                Some(&forged),
                &[],
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(code(&body), "UNAUTHENTICATED");
    }
    // Refused by the gateway itself, not passed on to core-api.
    let metrics = metrics_text(&stack, &gateway).await;
    assert!(
        metrics.contains("gateway_rejects_total{reason=\"unauthenticated\"} 2"),
        "{metrics}"
    );
}
