//! The OpenAPI document is complete and is the one kept in `docs/openapi.json` (which the web
//! app's types are generated from).

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::TestApp;

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_operation_declares_its_parameters_envelope_and_errors() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);

    let ops = operations(&doc);
    assert!(ops.len() > 40, "{} operations", ops.len());
    for (path, method, op) in ops {
        let at = format!("{method} {path}");
        let in_template = core_api::http::openapi::path_params(&path);
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] == "path" {
                let name = p["name"].as_str().unwrap_or_default();
                assert!(
                    in_template.contains(&name),
                    "{at}: {name} is declared in the path but is not in it (a query struct without parameter_in = Query?)"
                );
            }
        }
        for name in in_template.iter().copied() {
            let declared = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" && p["name"] == name));
            assert!(declared, "{at}: path parameter {name} is not declared");
        }
        let responses = op["responses"].as_object().expect("responses");
        for (status, response) in responses {
            let schema = &response["content"]["application/json"]["schema"];
            if status.starts_with('2') {
                if !schema.is_null() {
                    assert_eq!(
                        schema["properties"]["success"]["enum"][0], true,
                        "{at} {status}: a JSON success is the envelope"
                    );
                    assert!(schema["properties"]["data"].is_object(), "{at} {status}");
                }
            } else {
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ErrorEnvelope",
                    "{at} {status}: an error answer is the error envelope"
                );
            }
        }
        for status in ["429", "503"] {
            assert!(responses.contains_key(status), "{at} lacks {status}");
        }
        if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
            assert!(
                responses.contains_key("401"),
                "{at} needs a token but lacks 401"
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[test]
fn docs_openapi_json_is_the_generated_document() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default())
        .unwrap_or(Value::Null);
    let generated: Value =
        serde_json::from_str(&core_api::http::openapi_json_pretty()).expect("generated document");
    assert!(
        kept == generated,
        "docs/openapi.json is out of date: run `cargo run -p core-api -- openapi > docs/openapi.json` \
         and `npm --prefix frontend run gen:api`"
    );
}
