//! Every admin action on the sale is in the audit log, found again by the console's filters.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, error_code};

#[tokio::test]
async fn sale_and_waiting_room_changes_are_audited_and_filtered() {
    let app = TestApp::spawn().await;
    let performance = app.performance(1, 2, 4).await;
    let p = performance.id;
    let token = Some(app.admin.token.as_str());
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/performances/{p}/close-sale"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, queue) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/performances/{p}/queue"),
            token,
            Some(json!({ "enabled": true, "admitPerMinute": 120 })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{queue}");

    let (status, entries) = app
        .get(
            &format!(
                "/api/v1/admin/audit-log?action=performance.&targetType=performance&targetId={p}"
            ),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    let actions: Vec<&str> = entries["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "performance.queue",
            "performance.close_sale",
            "performance.open_sale"
        ]
    );
    let (_, queue_only) = app
        .get(
            &format!(
                "/api/v1/admin/audit-log?action=performance.queue&actorId={}",
                app.admin.id
            ),
            &app.admin,
        )
        .await;
    assert_eq!(queue_only["data"][0]["after"]["admitPerMinute"], 120);
    let (_, future) = app
        .get(
            "/api/v1/admin/audit-log?from=2100-01-01T00:00:00Z",
            &app.admin,
        )
        .await;
    assert_eq!(future["data"].as_array().map(Vec::len), Some(0));

    for query in [
        "from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z",
        "limit=0",
        "from=yesterday",
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/admin/audit-log?{query}"), &app.admin)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(error_code(&body), "VALIDATION_FAILED");
    }
}
