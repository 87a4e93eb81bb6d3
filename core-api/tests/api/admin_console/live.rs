//! The control room: the live stream sends a `stats` frame within a second or two with the
//! seats by status, and the seat-order lists the seats its bits follow.

use std::time::Duration;

use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

use super::paid::reserve_every_seat;
use crate::helpers::TestApp;

/// The first `stats` frame of the live stream, read within `limit`.
async fn first_frame(app: &TestApp, performance_id: uuid::Uuid) -> Value {
    let mut response = app
        .client
        .get(app.url(&format!("/api/v1/admin/performances/{performance_id}/live")))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), StatusCode::OK);
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.expect("chunk") {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(data) = text
                .split("\n\n")
                .find(|frame| frame.starts_with("event: stats\n"))
                .and_then(|frame| frame.split("data: ").nth(1))
            {
                return serde_json::from_str::<Value>(data).expect("json frame");
            }
        }
        panic!("the stream ended: {text}");
    };
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .expect("a frame within 5 s")
}

#[tokio::test]
async fn the_live_stream_shows_the_sale_and_every_seat_status() {
    let app = TestApp::spawn().await;
    let performance = app.performance(3, 4, 4).await;
    let (_, paid) = reserve_every_seat(&app, performance.id, 2).await;
    let buyer = app.user().await;

    let (status, order) = app
        .get(
            &format!("/api/v1/admin/performances/{}/seat-order", performance.id),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["data"]["seatIds"].as_array().map(Vec::len), Some(12));

    let frame = first_frame(&app, performance.id).await;
    assert_eq!(frame["sold"].as_i64(), Some(paid), "{frame}");
    assert_eq!(
        frame["sold"].as_i64().unwrap_or(0) + frame["reserved"].as_i64().unwrap_or(0),
        12
    );
    assert_eq!(frame["revenue"].as_i64(), Some(paid * 50_000));
    let bits = base64::engine::general_purpose::STANDARD
        .decode(frame["seatStatus"].as_str().expect("seat status"))
        .expect("base64");
    assert_eq!(bits.len(), 3);
    // The domain's status vector: 2 reserved, 3 sold, two bits a seat.
    let codes: Vec<u8> = (0..12)
        .map(|i| (bits[i / 4] >> (2 * (i % 4))) & 0b11)
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 3).count() as i64,
        paid,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == 2).count() as i64,
        12 - paid,
        "{codes:?}"
    );
    assert!(frame["queueDepth"].is_i64() && frame["activePasses"].is_i64());

    // A buyer may not watch.
    let (status, _) = app
        .get(
            &format!("/api/v1/admin/performances/{}/live", performance.id),
            &buyer,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
