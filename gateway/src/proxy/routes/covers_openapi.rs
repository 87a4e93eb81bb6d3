//! Every route of core-api's OpenAPI document (`docs/openapi.json`, which core-api's tests keep
//! equal to the generated one) is classified here: its metrics label is its path, it is public
//! exactly when the document asks for no token, its writes are sequenced (but for sign-in and
//! admin routes), only streams are streaming. A new core-api route fails this test until the
//! gateway knows its words; a word no route uses any more fails it too.

use std::collections::BTreeSet;

use http::Method;
use serde_json::Value;

use super::{Kind, WORDS, classify};

const DOCUMENT: &str = include_str!("../../../../docs/openapi.json");
/// Stands in for every path parameter.
const ID: &str = "0191c2a4-6f35-7c1e-9d6a-3b8f5e2a1c00";
/// Writes without duplicate blocking: sign-in routes and the admin console.
const NOT_SEQUENCED: &[&str] = &["/api/v1/auth/", "/api/v1/admin/"];
/// Words of the routes the gateway answers itself (the waiting room), not in the document.
const GATEWAY_WORDS: &[&str] = &["queue", "join", "challenge", "status", "fairness"];

/// (method, path template, operation) for every operation of the document.
fn operations() -> Vec<(Method, String, Value)> {
    let document: Value = serde_json::from_str(DOCUMENT).expect("docs/openapi.json parses");
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    let mut out = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if let Ok(method) = method.to_ascii_uppercase().parse::<Method>() {
                out.push((method, path.clone(), operation.clone()));
            }
        }
    }
    assert!(out.len() > 40, "too few operations read: {}", out.len());
    out
}

/// `/a/{x}/b` → (`/a/<ID>/b`, `/a/{id}/b`): a request path and the label it should get.
/// The calendar feed's secret token keeps its own name in the label.
fn request_and_label(template: &str) -> (String, String) {
    let (mut path, mut label) = (String::new(), String::new());
    for segment in template.split('/').skip(1) {
        let param = segment.starts_with('{') && segment.ends_with('}');
        path.push('/');
        path.push_str(if param { ID } else { segment });
        label.push('/');
        label.push_str(match segment {
            "{token}" => segment,
            _ if param => "{id}",
            _ => segment,
        });
    }
    (path, label)
}

fn needs_token(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|s| !s.is_empty())
}

fn streams(operation: &Value) -> bool {
    operation["responses"]["200"]["content"]
        .get("text/event-stream")
        .is_some()
}

#[test]
fn every_core_api_route_is_classified() {
    let mut wrong = Vec::new();
    for (method, template, operation) in operations() {
        let (path, label) = request_and_label(&template);
        let route = classify(&method, &path);
        let what = format!("{method} {template}");
        if !template.starts_with("/api/") {
            // Liveness and readiness: the gateway answers its own.
            if !matches!(route.kind, Kind::Health | Kind::Ready) {
                wrong.push(format!("{what}: not the gateway's own health route"));
            }
            continue;
        }
        if route.label != label {
            wrong.push(format!(
                "{what}: labelled {} (a word is missing)",
                route.label
            ));
        }
        if route.kind != Kind::Upstream {
            wrong.push(format!(
                "{what}: not proxied to core-api ({:?})",
                route.kind
            ));
        }
        if route.public == needs_token(&operation) {
            wrong.push(format!("{what}: public is {}", route.public));
        }
        let write = matches!(
            method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
        let sequenced = write && !NOT_SEQUENCED.iter().any(|p| template.starts_with(p));
        if route.dedupe != sequenced {
            wrong.push(format!("{what}: dedupe is {}", route.dedupe));
        }
        if route.streaming != streams(&operation) {
            wrong.push(format!("{what}: streaming is {}", route.streaming));
        }
        let hold = method == Method::POST && template == "/api/v1/holds";
        if route.needs_pass != hold {
            wrong.push(format!("{what}: needs_pass is {}", route.needs_pass));
        }
    }
    assert!(
        wrong.is_empty(),
        "misclassified routes:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_route_word_is_still_a_route() {
    let used: BTreeSet<String> = operations()
        .iter()
        .flat_map(|(_, template, _)| template.split('/').map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let stale: Vec<&&str> = WORDS
        .iter()
        .filter(|w| !used.contains(**w) && !GATEWAY_WORDS.contains(w))
        .collect();
    assert!(stale.is_empty(), "route words no route uses: {stale:?}");
}
