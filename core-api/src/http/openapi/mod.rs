//! The OpenAPI document as clients see it on the wire.
//!
//! Handlers describe their payloads (`body = HoldView`) and the errors particular to them; this
//! module turns that into what actually crosses the wire, once, for every route:
//! - every JSON success is wrapped in the envelope `{success: true, data}`;
//! - every error answer carries the `ErrorEnvelope` body and lists its codes;
//! - the answers every route can give are added where the handler did not name them: 401 on
//!   routes that need a token, 400 where there is input to refuse, 404 where the path names a
//!   resource, 413 where there is a body, 429 (the gateway's limits) and 503 (a dependency down);
//! - every `{param}` of a path is declared;
//! - a Server-Sent Events answer describes its events (`{event, id, data}`, `data` being JSON);
//! - links from each create to the routes that read and change what it made, for clients and
//!   for stateful API testing.
//!
//! A test (`every_operation_is_complete`) walks the result, so a new route cannot ship with a
//! half-described answer.

mod bodies;
mod links;

use serde_json::{Map, Value, json};

use self::bodies::{describe_error, wrap_success};

/// The status codes every operation may answer, with what they mean in this API.
const COMMON: &[(&str, &str)] = &[
    (
        "429",
        "RATE_LIMITED: too many requests from this client or account; retry after `Retry-After` seconds",
    ),
    (
        "503",
        "DEPENDENCY_UNAVAILABLE: PostgreSQL or Redis is unreachable; nothing was changed, retry after `Retry-After` seconds",
    ),
];

/// Finishes the generated document (see the module docs). Idempotent.
pub(crate) fn finish(mut doc: Value) -> Value {
    add_components(&mut doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if is_method(method) {
                    finish_operation(path, method, op);
                }
            }
        }
    }
    links::add_links(&mut doc);
    doc
}

pub(super) fn is_method(name: &str) -> bool {
    matches!(
        name,
        "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
    )
}

/// The names inside `{…}` in a path template.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

fn add_components(doc: &mut Value) {
    let schemas = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
        .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut);
    let Some(schemas) = schemas else { return };
    schemas.insert(
        "ErrorBody".into(),
        json!({
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "Stable SCREAMING_SNAKE code, e.g. SEAT_UNAVAILABLE (docs/api.md lists them all)", "pattern": "^[A-Z][A-Z0-9_]*$"},
                "message": {"type": "string", "description": "For people; may change between versions"},
                "details": {"type": "object", "additionalProperties": true, "description": "Machine-readable specifics: the field for VALIDATION_FAILED, unavailableSeatIds for SEAT_UNAVAILABLE, …"}
            }
        }),
    );
    schemas.insert(
        "ErrorEnvelope".into(),
        json!({
            "type": "object",
            "required": ["success", "error"],
            "properties": {
                "success": {"type": "boolean", "enum": [false]},
                "error": {"$ref": "#/components/schemas/ErrorBody"}
            }
        }),
    );
}

fn finish_operation(path: &str, method: &str, op: &mut Value) {
    let Some(op) = op.as_object_mut() else { return };
    declare_path_params(path, op);
    let idempotent = constrain_idempotency_key(op);
    let secured = op
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            !s.is_empty()
                && s.iter()
                    .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        });
    let has_body = op.contains_key("requestBody");
    let has_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    let names_resource = !path_params(path).is_empty();

    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else { return };
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2') {
            wrap_success(response);
        } else {
            describe_error(response);
        }
    }
    if has_body || has_params {
        add_error(
            responses,
            "400",
            "VALIDATION_FAILED: malformed JSON, wrong types or out-of-range values; details name the field",
        );
    }
    if secured {
        add_error(
            responses,
            "401",
            "UNAUTHENTICATED: the access token is missing, expired, forged or revoked",
        );
    }
    if names_resource {
        add_error(
            responses,
            "404",
            "NOT_FOUND: no such resource, or not yours to see",
        );
    }
    if method != "get" {
        const DUPLICATE: &str = "DUPLICATE_REQUEST: the same write is already in flight (the gateway blocks \
             repeats for a moment; details.retryAfterMs says how long), or the first request with this \
             Idempotency-Key is still being answered";
        match responses.get_mut("409") {
            Some(existing) => {
                let described = existing["description"].as_str().unwrap_or_default();
                if !described.contains("DUPLICATE_REQUEST") {
                    existing["description"] = json!(format!("{described}; or {DUPLICATE}"));
                }
            }
            None => add_error(responses, "409", DUPLICATE),
        }
    }
    if idempotent {
        add_error(
            responses,
            "422",
            "IDEMPOTENCY_KEY_REUSED: this Idempotency-Key came with a different request",
        );
    }
    if path.starts_with("/api/v1/admin/") {
        add_error(responses, "403", "FORBIDDEN: admins only");
    }
    if has_body {
        add_error(
            responses,
            "413",
            "PAYLOAD_TOO_LARGE: the request body is over the limit",
        );
    }
    for (status, description) in COMMON {
        add_error(responses, status, description);
    }
}

/// Adds an error answer unless the handler described that status itself.
fn add_error(responses: &mut Map<String, Value>, status: &str, description: &str) {
    if !responses.contains_key(status) {
        let mut response = json!({ "description": description });
        describe_error(&mut response);
        responses.insert(status.to_owned(), response);
    }
}

/// Every `{name}` in the path is a required path parameter; the handlers declare theirs with
/// types, this fills in any that were left out (as a string) so the document stays valid.
fn declare_path_params(path: &str, op: &mut Map<String, Value>) {
    let names = path_params(path);
    if names.is_empty() {
        return;
    }
    let params = op.entry("parameters").or_insert_with(|| json!([]));
    let Some(params) = params.as_array_mut() else {
        return;
    };
    for name in names {
        let declared = params
            .iter()
            .any(|p| p["in"] == "path" && p["name"] == name);
        if !declared {
            params.push(json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": {"type": "string"}
            }));
        }
    }
}

/// `Idempotency-Key` is 1 to 200 visible ASCII characters (`http/idempotent.rs`).
/// Whether the operation takes one.
fn constrain_idempotency_key(op: &mut Map<String, Value>) -> bool {
    let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return false;
    };
    let mut found = false;
    for p in params {
        if p["in"] == "header" && p["name"] == crate::http::idempotent::HEADER {
            p["schema"] =
                json!({"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"});
            found = true;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_are_the_names_in_braces() {
        assert_eq!(path_params("/a/{id}/b/{token}"), vec!["id", "token"]);
        assert!(path_params("/a/b").is_empty());
    }

    #[test]
    fn a_success_is_wrapped_once_and_errors_get_the_envelope() {
        let doc = json!({
            "paths": {"/x/{id}": {"post": {
                "security": [{"bearer": []}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {
                    "201": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}},
                    "409": {"description": "SEAT_UNAVAILABLE"}
                }
            }}}
        });
        let once = finish(doc);
        let twice = finish(once.clone());
        assert_eq!(once, twice, "finishing is idempotent");
        let op = &once["paths"]["/x/{id}"]["post"];
        assert_eq!(
            op["responses"]["201"]["content"]["application/json"]["schema"]["properties"]["data"]["$ref"],
            "#/components/schemas/X"
        );
        for status in ["400", "401", "404", "409", "413", "429", "503"] {
            assert_eq!(
                op["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorEnvelope",
                "{status}"
            );
        }
        assert_eq!(op["parameters"][0]["name"], "id");
        let conflict = op["responses"]["409"]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            conflict.starts_with("SEAT_UNAVAILABLE; or DUPLICATE_REQUEST"),
            "the handler's own 409 is kept and the gateway's added: {conflict}"
        );
    }
}
