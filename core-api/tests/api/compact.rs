//! The compact seat map: an immutable layout with a strong entity tag, a status vector of two
//! bits a seat with the stream id to resume from, and the same answers whoever asks.

use std::time::Duration;

use base64::Engine;
use reqwest::{StatusCode, header};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{SseReader, TestApp, uuids};

/// GET with optional extra headers; the raw body bytes.
async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("json")
}

/// The 2-bit status of seat `index` in a `seat-status` vector.
fn status_at(packed: &[u8], index: usize) -> u8 {
    (packed[index / 4] >> (2 * (index % 4))) & 0b11
}

#[tokio::test]
async fn the_layout_is_served_once_with_a_strong_tag_and_then_answered_304() {
    let app = TestApp::spawn().await;
    let perf = app.performance(10, 10, 4).await;
    let path = format!("/api/v1/performances/{}/seat-layout", perf.id);

    let (status, headers, body) = get(&app, &path, &[]).await;
    let etag = headers[header::ETAG].to_str().expect("etag").to_owned();
    let (again, again_headers, again_body) = get(&app, &path, &[("if-none-match", &etag)]).await;
    let (unknown, _, _) = get(
        &app,
        &format!("/api/v1/performances/{}/seat-layout", Uuid::new_v4()),
        &[],
    )
    .await;

    assert_eq!(status, StatusCode::OK);
    assert!(etag.starts_with('"'), "a strong tag: {etag}");
    let cache = headers[header::CACHE_CONTROL].to_str().expect("cache");
    assert!(cache.contains("immutable") && cache.contains("max-age=86400"));
    let layout = json(&body);
    assert_eq!(
        format!(
            "\"{}\"",
            layout["data"]["version"].as_str().expect("version")
        ),
        etag
    );
    let seats = layout["data"]["seats"].as_array().expect("seats");
    let ids: Vec<Uuid> = seats
        .iter()
        .filter_map(|s| s["id"].as_str()?.parse().ok())
        .collect();
    assert_eq!(ids, perf.seat_ids, "the layout's order is the seat map's");
    for field in ["section", "row", "number", "x", "y", "priceTier", "price"] {
        assert!(seats[0].get(field).is_some(), "a seat has {field}");
    }
    assert_eq!(again, StatusCode::NOT_MODIFIED);
    assert_eq!(again_headers[header::ETAG], etag.as_str());
    assert!(again_body.is_empty());
    assert_eq!(unknown, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_ten_thousand_seat_status_is_under_ten_kilobytes_and_the_stream_resumes_after_it() {
    // Arrange: a 10,000-seat arena with two seats held.
    let app = TestApp::spawn().await;
    let perf = app.performance(100, 100, 4).await;
    let (buyer, late) = (app.user().await, app.user().await);
    let (status, _) = app.hold(&buyer, perf.id, &perf.seat_ids[10..12]).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = format!("/api/v1/performances/{}/seat-status", perf.id);

    // Act
    let (status, headers, body) = get(&app, &path, &[]).await;
    let etag = headers[header::ETAG].to_str().expect("etag").to_owned();
    let (unchanged, _, _) = get(&app, &path, &[("if-none-match", &etag)]).await;
    let view = json(&body)["data"].clone();
    let (status_late, held_late) = app.hold(&late, perf.id, &perf.seat_ids[500..501]).await;
    let last_event_id = view["lastEventId"]
        .as_str()
        .expect("lastEventId")
        .to_owned();
    // As a browser's first `EventSource` connection: the id in the query.
    let request = app
        .stream_request(perf.id)
        .query(&[("lastEventId", &last_event_id)]);
    let mut stream = SseReader::send(request).await.expect("admitted");
    let (event, _, data) = stream
        .next(Duration::from_secs(10))
        .await
        .expect("an event");

    // Assert: small on the wire, right statuses in layout order, and the stream carries on
    // with the change made after it instead of starting over with a snapshot.
    assert_eq!(status, StatusCode::OK);
    assert!(body.len() < 10_000, "{} bytes for 10,000 seats", body.len());
    assert_eq!(unchanged, StatusCode::NOT_MODIFIED);
    assert_eq!(view["seatCount"], 10_000);
    assert_eq!(view["encoding"], "2bit-le");
    let packed = base64::engine::general_purpose::STANDARD
        .decode(view["status"].as_str().expect("status"))
        .expect("base64");
    assert_eq!(packed.len(), 2_500);
    let held: Vec<usize> = (0..10_000)
        .filter(|i| status_at(&packed, *i) != 0)
        .collect();
    assert_eq!(held, vec![10, 11]);
    assert_eq!(status_at(&packed, 10), 1, "HELD is 1");
    assert_eq!(status_late, StatusCode::CREATED, "{held_late}");
    assert_eq!(event, "seat");
    assert_eq!(uuids(&data["seatIds"]), vec![perf.seat_ids[500]]);
}

#[tokio::test]
async fn public_seat_reads_are_the_same_with_or_without_a_token() {
    let app = TestApp::spawn().await;
    let perf = app.performance(4, 5, 4).await;
    let user = app.user().await;
    let bearer = format!("Bearer {}", user.token);
    let admin = format!("Bearer {}", app.admin.token);

    for route in ["", "/seats", "/seat-layout", "/seat-status", "/products"] {
        let path = format!("/api/v1/performances/{}{route}", perf.id);
        let (_, _, anonymous) = get(&app, &path, &[]).await;
        let (_, _, buyer) = get(&app, &path, &[("authorization", &bearer)]).await;
        let (_, _, organizer) = get(&app, &path, &[("authorization", &admin)]).await;
        assert_eq!(anonymous, buyer, "{route} differs for a buyer");
        assert_eq!(anonymous, organizer, "{route} differs for an organizer");
    }
}
