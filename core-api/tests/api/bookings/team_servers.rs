//! Owners manage their team's servers and rules: a retired server stays listed for its
//! owners (to bring it back) and for nobody else; bad rules name their field and change nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::id_of;
use crate::helpers::{TestApp, TestUser};

fn names(list: &Value) -> Vec<&str> {
    list["data"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["name"].as_str()).collect())
        .unwrap_or_default()
}

async fn put(app: &TestApp, user: &TestUser, id: uuid::Uuid, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("/api/v1/resources/{id}"),
        Some(&user.token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_retired_server_is_listed_for_its_teams_owners_only_and_bad_rules_change_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.user().await;
    let (status, team) = app
        .post("/api/v1/teams", &owner, json!({ "name": "Vision" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team = id_of(&team);
    let member = app.user().await;
    app.join(team, &member, "member").await;
    let hours = json!({ "start": "09:00", "end": "18:00", "timeZone": "Asia/Seoul" });
    let (status, created) = app
        .post(
            "/api/v1/resources",
            &owner,
            json!({ "teamId": team, "name": "gpu-v1", "policy": { "allowedHours": hours, "maxDurationMinutes": 240 } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let gpu = id_of(&created);

    let bad = json!({ "teamId": team, "name": "gpu-v1",
        "policy": { "allowedHours": { "start": "18:00", "end": "09:00", "timeZone": "Asia/Seoul" } } });
    let (status, body) = put(&app, &owner, gpu, bad).await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("policy.allowedHours")),
        "{body}"
    );
    let (_, now) = app.get(&format!("/api/v1/resources/{gpu}"), &owner).await;
    assert_eq!(now["data"]["policy"]["allowedHours"], hours, "unchanged");
    assert_eq!(now["data"]["policy"]["maxDurationMinutes"], 240);

    let retire = json!({ "teamId": team, "name": "gpu-v1", "isActive": false,
        "policy": { "allowedHours": hours, "maxDurationMinutes": 240 } });
    let (status, body) = put(&app, &owner, gpu, retire).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let all = "/api/v1/resources?includeInactive=true";
    assert_eq!(names(&app.get(all, &owner).await.1), vec!["gpu-v1"]);
    assert!(names(&app.get(all, &member).await.1).is_empty());
    assert!(names(&app.get("/api/v1/resources", &owner).await.1).is_empty());
}
