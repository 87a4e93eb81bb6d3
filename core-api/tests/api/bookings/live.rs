//! The live booking stream: a change made on one instance reaches the streams of the team's
//! members on another within a second; nobody hears about other teams' servers.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use super::{at, id_of};
use crate::helpers::{SseReader, TestApp};

/// A booking stream on `app`, with the token in the header or (as `EventSource` sends it) in
/// the query; its `ready` frame read.
async fn open(app: &TestApp, token: &str, in_query: bool) -> SseReader {
    let mut request = app
        .client
        .get(app.url("/api/v1/resources/stream"))
        .timeout(Duration::from_secs(600));
    request = if in_query {
        request.query(&[("accessToken", token)])
    } else {
        request.bearer_auth(token)
    };
    let mut reader = SseReader::send(request).await.expect("stream opened");
    let ready = reader
        .next(Duration::from_secs(5))
        .await
        .expect("ready frame");
    assert_eq!(ready.0, "ready");
    reader
}

#[tokio::test]
async fn a_booking_made_on_one_instance_reaches_another_members_stream_within_a_second() {
    let app = TestApp::spawn().await;
    let second = app.sibling(|_| {}).await;
    let resource = app.resource("gpu-live", json!({})).await;
    let (alice, bob) = (app.member().await, app.member().await);
    let outsider = app.user().await;
    let (status, team) = app
        .post("/api/v1/teams", &outsider, json!({ "name": "Elsewhere" }))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let elsewhere = app.team_resource(id_of(&team), "gpu-else", json!({})).await;
    let mut bobs = open(&second, &bob.token, false).await;
    let mut outsiders = open(&second, &outsider.token, true).await;

    let (status, booked) = app.book(&alice, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let (event, _, data) = bobs
        .next(Duration::from_secs(1))
        .await
        .expect("the booking within a second");
    assert_eq!(event, "booking");
    assert_eq!(data["kind"], "created");
    assert_eq!(data["booking"]["id"], booked["data"]["id"]);
    assert_eq!(data["booking"]["resourceId"], resource.to_string());

    let path = format!("/api/v1/resource-bookings/{}/cancel", id_of(&booked));
    let (status, _) = app.post(&path, &alice, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, data) = bobs
        .next(Duration::from_secs(1))
        .await
        .expect("the cancellation within a second");
    assert_eq!(
        (data["kind"].as_str(), data["booking"]["status"].as_str()),
        (Some("cancelled"), Some("cancelled"))
    );

    // The outsider heard nothing of the Lab: the first thing on their stream is their own.
    let (status, own) = app.book(&outsider, elsewhere, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let (_, _, data) = outsiders
        .next(Duration::from_secs(1))
        .await
        .expect("their own booking");
    assert_eq!(data["booking"]["id"], own["data"]["id"]);

    let response = second
        .client
        .get(second.url("/api/v1/resources/stream"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
