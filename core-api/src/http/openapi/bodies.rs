//! Answer bodies on the wire: successes in their envelope, errors as `ErrorEnvelope`, and
//! Server-Sent Events described event by event.

use serde_json::{Value, json};

pub(super) fn wrap_success(response: &mut Value) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(stream) = content.get_mut("text/event-stream") {
        describe_event_stream(stream);
    }
    if let Some(json_body) = content.get_mut("application/json") {
        let data = json_body
            .get("schema")
            .cloned()
            .unwrap_or_else(|| json!({}));
        if is_envelope(&data) {
            return;
        }
        json_body["schema"] = json!({
            "type": "object",
            "required": ["success", "data"],
            "properties": {
                "success": {"type": "boolean", "enum": [true]},
                "data": data
            }
        });
    }
}

/// A Server-Sent Events answer: the handler names the JSON its events carry; each event on the
/// wire is `{event, id, data}` with that JSON as `data`'s text (OpenAPI 3.2's way of saying it).
fn describe_event_stream(stream: &mut Value) {
    let data = stream.get("schema").cloned().unwrap_or_else(|| json!({}));
    if data["properties"].get("data").is_some() {
        return;
    }
    stream["schema"] = json!({
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": {"type": "string"},
            "id": {"type": "string"},
            "retry": {"type": "integer"},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data}
        }
    });
}

fn is_envelope(schema: &Value) -> bool {
    schema["properties"].get("success").is_some()
}

pub(super) fn describe_error(response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    response.insert(
        "content".into(),
        json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}),
    );
    let empty = response
        .get("description")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty);
    if empty {
        response.insert("description".into(), json!("an error; see error.code"));
    }
}
