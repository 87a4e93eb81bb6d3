//! A pass bound to the client's key (`bindPasses`), checked by core-api itself: a hold sent
//! straight to core-api with the pass needs a fresh proof signed by the pass's key; a proof
//! from another key, or one used already, is refused and holds nothing.

use holdfast_contract::{dpop::testing::ClientKey, queue_pass::PassKeys};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};

const HOLDS: &str = "/api/v1/holds";

async fn send_hold(
    app: &TestApp,
    token: &str,
    headers: &[(&str, &str)],
    body: Value,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(app.url(HOLDS))
        .bearer_auth(token)
        .json(&body);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_bound_pass_needs_a_fresh_proof_from_its_own_key() {
    let secret = holdfast_contract::testing::random_secret();
    let app = TestApp::spawn_with(|vars| {
        vars.insert("CORE_QUEUE_PASS_SECRET".to_owned(), secret.clone());
    })
    .await;
    let perf = app.performance(1, 4, 4).await;
    let path = format!("/api/v1/admin/performances/{}/queue", perf.id);
    let (status, settings) = app
        .call(
            Method::PUT,
            &path,
            Some(&app.admin.token),
            Some(json!({ "enabled": true, "bindPasses": true, "powBits": 25 })),
        )
        .await;
    assert_eq!(
        (status, error_code(&settings)),
        (StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
    );
    assert_eq!(settings["error"]["details"]["field"], "powBits");
    let (status, settings) = app
        .call(
            Method::PUT,
            &path,
            Some(&app.admin.token),
            Some(json!({ "enabled": true, "bindPasses": true, "powBits": 12 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(
        (
            &settings["data"]["bindPasses"],
            &settings["data"]["powBits"]
        ),
        (&json!(true), &json!(12))
    );

    let user = app.user().await;
    let key = ClientKey::generate();
    let now = chrono::Utc::now().timestamp();
    let pass = PassKeys::new(&secret)
        .issue_bound_pass(user.id, perf.id, now, now + 300, Some(&key.thumbprint()))
        .expect("pass");
    let hold = |seat: usize| json!({ "performanceId": perf.id, "seatIds": [perf.seat_ids[seat]] });
    let url = app.url(HOLDS);
    let refused = |r: &(StatusCode, Value)| {
        (
            r.0,
            error_code(&r.1).to_owned(),
            r.1["error"]["details"]["reason"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let dpop = |reason: &str| {
        (
            StatusCode::FORBIDDEN,
            "DPOP_PROOF_INVALID".to_owned(),
            reason.to_owned(),
        )
    };

    let r = send_hold(&app, &user.token, &[("Queue-Token", &pass)], hold(0)).await;
    assert_eq!(refused(&r), dpop("MISSING"), "{}", r.1);
    let thief = ClientKey::generate().proof("POST", &url, now);
    let r = send_hold(
        &app,
        &user.token,
        &[("Queue-Token", &pass), ("DPoP", &thief)],
        hold(0),
    )
    .await;
    assert_eq!(refused(&r), dpop("WRONG_KEY"), "{}", r.1);

    let proof = key.proof("POST", &url, now);
    let r = send_hold(
        &app,
        &user.token,
        &[("Queue-Token", &pass), ("DPoP", &proof)],
        hold(0),
    )
    .await;
    assert_eq!(r.0, StatusCode::CREATED, "{}", r.1);
    let r = send_hold(
        &app,
        &user.token,
        &[("Queue-Token", &pass), ("DPoP", &proof)],
        hold(1),
    )
    .await;
    assert_eq!(refused(&r), dpop("REPLAYED"), "{}", r.1);

    // Nothing was held by the refused requests: seat 1 is still free.
    let (_, seats) = app
        .get(&format!("/api/v1/performances/{}/seats", perf.id), &user)
        .await;
    let seat1 = seats["data"]["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .find(|s| s["id"] == json!(perf.seat_ids[1]))
        .expect("seat 1")
        .clone();
    assert_eq!(seat1["status"], "AVAILABLE");
}
