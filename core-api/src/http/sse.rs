//! Server-Sent Events answers: a connection is nothing but its response body, which owns the
//! connection's state (its slots, its receiver, what is queued) and drops it when the
//! client goes.

use std::convert::Infallible;

use axum::{
    body::{Body, Bytes},
    http::header,
    response::{IntoResponse, Response},
};

/// One SSE connection's state: the next piece of its body, or None to end it.
pub(crate) trait EventFeed: Send + Sized + 'static {
    fn next_chunk(&mut self) -> impl Future<Output = Option<Bytes>> + Send;
}

/// A `text/event-stream` answer whose body is `feed`'s chunks.
pub(crate) fn event_stream(feed: impl EventFeed) -> Response {
    let body = futures::stream::unfold(feed, |mut feed| async move {
        let chunk = feed.next_chunk().await?;
        Some((Ok::<_, Infallible>(chunk), feed))
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
