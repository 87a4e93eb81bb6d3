//! Shared server bookings through the gateway: signed-in routes need a token, a double
//! click books once, and calendar feeds pass without one (the secret URL is the key).

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Stack, code};

#[tokio::test]
async fn bookings_pass_the_gateway_and_calendar_feeds_need_no_token() {
    let stack = Stack::new().await;
    let gateway = stack.gateway().await;
    let (alice, bob) = (stack.user().await, stack.user().await);
    let send =
        |method: Method, path: &str, token: Option<&str>, body: Option<serde_json::Value>| {
            let path = path.to_owned();
            let token = token.map(str::to_owned);
            let stack = &stack;
            let addr = gateway.addr;
            async move {
                stack
                    .send(addr, method, &path, token.as_deref(), &[], body)
                    .await
            }
        };

    // Servers belong to a team: the admin starts one and both users join it.
    let (status, _, team) = send(
        Method::POST,
        "/api/v1/teams",
        Some(&stack.admin),
        Some(json!({ "name": "gateway lab" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team_id = team["data"]["id"].as_str().expect("team id").to_owned();
    for user in [&alice, &bob] {
        let (status, _, member) = send(
            Method::POST,
            &format!("/api/v1/teams/{team_id}/members"),
            Some(&stack.admin),
            Some(json!({ "email": user.email, "role": "member" })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{member}");
    }
    let (status, _, resource) = send(
        Method::POST,
        "/api/v1/resources",
        Some(&stack.admin),
        Some(json!({ "name": "gpu-through-gateway", "teamId": team_id })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{resource}");
    let resource_id = resource["data"]["id"].as_str().expect("id").to_owned();
    let (status, _, body) = send(Method::GET, "/api/v1/resource-bookings", None, None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );

    let start = (Utc::now() + Duration::days(2)).date_naive();
    let booking = json!({ "resourceId": resource_id, "title": "eval", "startAt": format!("{start}T10:00:00+09:00"),
                          "endAt": format!("{start}T11:00:00+09:00") });
    // A double click: both requests at once, one booking.
    let (first, second) = tokio::join!(
        send(
            Method::POST,
            "/api/v1/resource-bookings",
            Some(&alice.token),
            Some(booking.clone())
        ),
        send(
            Method::POST,
            "/api/v1/resource-bookings",
            Some(&alice.token),
            Some(booking.clone())
        ),
    );
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(
        statuses[0],
        StatusCode::CREATED,
        "{} / {}",
        first.2,
        second.2
    );
    assert_eq!(
        statuses[1],
        StatusCode::CONFLICT,
        "{} / {}",
        first.2,
        second.2
    );
    let booked = if first.0 == StatusCode::CREATED {
        first.2
    } else {
        second.2
    };
    assert_eq!(booked["data"]["startAt"], format!("{start}T01:00:00Z"));

    let (status, _, body) = send(
        Method::POST,
        "/api/v1/resource-bookings",
        Some(&bob.token),
        Some(booking),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "BOOKING_CONFLICT")
    );
    assert_eq!(
        body["error"]["details"]["conflictingBookingId"],
        booked["data"]["id"]
    );

    let (status, _, feed) = send(
        Method::POST,
        "/api/v1/calendar-feeds",
        Some(&bob.token),
        Some(json!({ "resourceId": resource_id })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let url = feed["data"]["url"].as_str().expect("url");
    let path = &url[url.find("/api/v1/").expect("api path")..];
    let response = stack
        .client
        .get(format!("http://{}{path}", gateway.addr))
        .send()
        .await
        .expect("feed");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("body");
    let uid = format!(
        "UID:{}@holdfast",
        booked["data"]["id"].as_str().expect("id")
    );
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\n") && text.contains(&uid),
        "{text}"
    );
    let response = stack
        .client
        .get(format!(
            "http://{}/api/v1/calendar/guessed-token.ics",
            gateway.addr
        ))
        .send()
        .await
        .expect("feed");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
