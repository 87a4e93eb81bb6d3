//! Duplicate blocking: the same write fired many times at once reaches core-api once.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Stack, code};

#[tokio::test]
async fn the_same_hold_fired_twenty_times_at_once_reaches_core_api_once() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let (perf, seats) = stack.performance(4, 4).await;
    let user = stack.user().await;
    let body = json!({ "performanceId": perf, "seatIds": [seats[0]] });

    let attempts = (0..20).map(|_| {
        stack.send(
            gateway.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[],
            Some(body.clone()),
        )
    });
    let results = futures::future::join_all(attempts).await;

    let created = results
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::CREATED)
        .count();
    let duplicates: Vec<_> = results
        .iter()
        .filter(|(s, _, b)| *s == StatusCode::CONFLICT && code(b) == "DUPLICATE_REQUEST")
        .collect();
    assert_eq!(created, 1, "{results:?}");
    assert_eq!(duplicates.len(), 19, "{results:?}");
    assert!(
        duplicates
            .iter()
            .all(|(_, h, _)| h.get("retry-after").is_some())
    );
}

#[tokio::test]
async fn a_different_write_by_the_same_user_is_not_a_duplicate() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let (perf, seats) = stack.performance(4, 4).await;
    let user = stack.user().await;

    let first = json!({ "performanceId": perf, "seatIds": [seats[0]] });
    let second = json!({ "performanceId": perf, "seatIds": [seats[1]] });
    let (a, _, _) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[],
            Some(first),
        )
        .await;
    let (b, _, body) = stack
        .send(
            gateway.addr,
            Method::POST,
            "/api/v1/holds",
            Some(&user.token),
            &[],
            Some(second),
        )
        .await;

    assert_eq!((a, b), (StatusCode::CREATED, StatusCode::CREATED), "{body}");
}

#[tokio::test]
async fn a_write_that_failed_upstream_can_be_retried_at_once_but_a_successful_one_cannot() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let (perf, seats) = stack.performance(4, 4).await;
    let (alice, bob) = (stack.user().await, stack.user().await);
    let body = json!({ "performanceId": perf, "seatIds": [seats[0]] });
    let hold = |token: String| {
        let (stack, body) = (&stack, body.clone());
        async move {
            stack
                .send(
                    gateway.addr,
                    Method::POST,
                    "/api/v1/holds",
                    Some(&token),
                    &[],
                    Some(body),
                )
                .await
        }
    };
    let (status, _, _) = hold(alice.token.clone()).await;
    assert_eq!(status, StatusCode::CREATED);

    // Bob's hold fails upstream (the seat is Alice's); his immediate retry must reach core-api
    // again rather than be refused as a duplicate of a request that is no longer in flight.
    let (first, _, body) = hold(bob.token.clone()).await;
    assert_eq!(
        (first, code(&body)),
        (StatusCode::CONFLICT, "SEAT_UNAVAILABLE")
    );
    let (retry, _, body) = hold(bob.token.clone()).await;
    assert_eq!(
        (retry, code(&body)),
        (StatusCode::CONFLICT, "SEAT_UNAVAILABLE"),
        "retried for real"
    );

    // Alice's successful write keeps its in-flight key: a double click right after is refused.
    let (again, _, body) = hold(alice.token.clone()).await;
    assert_eq!(
        (again, code(&body)),
        (StatusCode::CONFLICT, "DUPLICATE_REQUEST")
    );
}
