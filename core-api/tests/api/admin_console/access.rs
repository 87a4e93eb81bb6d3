//! Must hold: a buyer gets 403 FORBIDDEN on every admin route, and nothing without a token.
//! The routes are read from `/openapi.json`, so a new admin route is covered the day it is
//! added (and one missing from the document fails the completeness check in `openapi`).

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn a_buyer_gets_403_on_every_admin_route_and_no_token_gets_401() {
    let app = TestApp::spawn().await;
    let buyer = app.user().await;
    let performance = app.performance(2, 2, 4).await;
    let (_, doc) = app.call(Method::GET, "/openapi.json", None, None).await;

    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for method in item.as_object().expect("path item").keys() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            // A real performance where the route takes one, so a 404 cannot hide a 403.
            let concrete = path
                .replace("{id}", &performance.id.to_string())
                .replace("{performanceId}", &performance.id.to_string())
                .replace("{reservationId}", &Uuid::new_v4().to_string());
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
            let (status, answer) = app
                .call(method.clone(), &concrete, Some(&buyer.token), body.clone())
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
            assert_eq!(error_code(&answer), "FORBIDDEN", "{method} {path}");
            let (status, _) = app.call(method.clone(), &concrete, None, body).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a token"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 30,
        "only {checked} admin operations in /openapi.json"
    );
}
