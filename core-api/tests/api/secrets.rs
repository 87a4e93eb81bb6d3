//! The real core-api binary refuses published placeholder secrets at start, names the
//! variable and says how to make one; HOLDFAST_DEV_MODE=1 lets it start with a loud warning.
//! EdDSA: with only an Ed25519 private key configured it signs and verifies its own tokens
//! and refuses HS256 ones.

use std::{collections::HashMap, process::Command};

use holdfast_contract::testing::{
    KeyPairFiles, assert_refuses_placeholder, random_secret, start_in_dev_mode,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header, decode_header, encode};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, error_code, redis_url};

const PLACEHOLDER: &str = "change-me-to-at-least-32-random-bytes-xxxxxxxx";

/// The binary with exactly these variables (nothing inherited from the test's environment).
fn core_api(vars: &HashMap<&str, String>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_core-api"));
    command.env_clear().envs(vars);
    command
}

fn base_vars(app: &TestApp) -> HashMap<&'static str, String> {
    HashMap::from([
        ("DATABASE_URL", app.stores.database_url.clone()),
        ("REDIS_URL", redis_url()),
        ("CORE_REDIS_KEY_PREFIX", app.stores.redis_prefix.clone()),
        ("CORE_LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("CORE_METRICS_ADDR", "127.0.0.1:0".to_owned()),
        ("CORE_LOG_FORMAT", "json".to_owned()),
        ("CORE_JWT_SECRET", random_secret()),
        ("CORE_QUEUE_PASS_SECRET", random_secret()),
    ])
}

#[tokio::test]
async fn core_api_refuses_to_start_with_a_placeholder_secret_and_says_how_to_make_one() {
    let app = TestApp::spawn().await;
    for var in ["CORE_JWT_SECRET", "CORE_QUEUE_PASS_SECRET"] {
        let mut vars = base_vars(&app);
        vars.insert(var, PLACEHOLDER.to_owned());
        assert_refuses_placeholder(core_api(&vars), var);
    }
}

#[tokio::test]
async fn core_api_starts_with_a_placeholder_secret_in_dev_mode_and_warns() {
    let app = TestApp::spawn().await;
    let mut vars = base_vars(&app);
    vars.insert("CORE_JWT_SECRET", PLACEHOLDER.to_owned());
    vars.insert("HOLDFAST_DEV_MODE", "1".to_owned());

    let (_process, api) = start_in_dev_mode(core_api(&vars), "CORE_JWT_SECRET", "api");

    let health = app
        .client
        .get(format!("http://{api}/healthz"))
        .send()
        .await
        .expect("healthz answered");
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn with_an_ed25519_key_core_api_signs_eddsa_tokens_and_refuses_hs256_ones() {
    let keys = KeyPairFiles::generate().expect("key files");
    let app = TestApp::spawn_with(|vars| {
        vars.remove("CORE_JWT_SECRET");
        vars.insert("CORE_JWT_PRIVATE_KEY_FILE".to_owned(), keys.private_path());
    })
    .await;
    let user = app.user().await;
    assert_eq!(
        decode_header(&user.token).expect("a JWT").alg,
        Algorithm::EdDSA
    );

    let (status, body) = app.get("/api/v1/auth/me", &user).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let now = chrono::Utc::now().timestamp();
    let claims = json!({ "sub": user.id, "role": "ADMIN", "iss": "holdfast", "aud": "holdfast-api", "iat": now, "exp": now + 600 });
    let public_pem = std::fs::read(&keys.public_key_file).expect("public key");
    for hmac_key in [app.stores.jwt_secret.as_bytes(), public_pem.as_slice()] {
        let forged = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(hmac_key),
        )
        .expect("sign");
        let (status, body) = app
            .call(Method::GET, "/api/v1/auth/me", Some(&forged), None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED");
    }
}
