//! A Server-Sent Events client reading the seat stream over real HTTP, with bounded waits.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use super::{TestApp, uuids};

/// A Server-Sent Events client reading the seat stream over real HTTP.
pub struct SseReader {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

/// One SSE event: (event name, id, JSON data).
pub type SseEvent = (String, String, Value);

/// A seat-stream request that was not answered with a stream.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub retry_after: Option<String>,
    pub body: Value,
}

impl SseReader {
    pub async fn open(
        app: &TestApp,
        performance_id: Uuid,
        last_event_id: Option<&str>,
    ) -> (StatusCode, Option<Self>) {
        let mut request = app.stream_request(performance_id);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        match Self::send(request).await {
            Ok(reader) => (StatusCode::OK, Some(reader)),
            Err(refusal) => (refusal.status, None),
        }
    }

    /// Sends a request made with `TestApp::stream_request` (headers added as the test needs).
    pub async fn send(request: reqwest::RequestBuilder) -> Result<Self, Refusal> {
        let response = request.send().await.expect("stream request");
        let status = response.status();
        if status != StatusCode::OK {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let text = response.text().await.unwrap_or_default();
            return Err(Refusal {
                status,
                retry_after,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
            });
        }
        Ok(SseReader {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        })
    }

    /// The next event (heartbeat comments skipped), or None if nothing came within `limit`.
    pub async fn next(&mut self, limit: Duration) -> Option<SseEvent> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut id, mut data) =
                    (String::from("message"), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    return Some((
                        event,
                        id,
                        serde_json::from_str(&data).unwrap_or(Value::Null),
                    ));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??
                .ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `seat` event that mentions `seat`, skipping others.
    pub async fn next_about(&mut self, seat: Uuid, limit: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next(left).await?;
            if event.0 == "seat" && uuids(&event.2["seatIds"]).contains(&seat) {
                return Some(event);
            }
        }
    }
}
