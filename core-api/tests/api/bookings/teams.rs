//! Teams own servers: people outside a team get 404 from everything about its servers,
//! viewers look but cannot book, owners manage members and servers, bad input names its
//! field and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{at, id_of, rfc};
use crate::helpers::{TestApp, TestUser, error_code};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    user: &TestUser,
    body: Option<Value>,
) -> StatusCode {
    app.call(method, path, Some(&user.token), body).await.0
}

#[tokio::test]
async fn a_person_outside_the_team_gets_404_from_every_resource_and_booking_route_and_sees_no_servers()
 {
    let app = TestApp::spawn().await;
    let lab = app.lab().await;
    let resource = app.resource("gpu-private", json!({})).await;
    let member = app.member().await;
    let (status, booked) = app.book(&member, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let booking = id_of(&booked);
    let (status, series) = app
        .post(
            "/api/v1/resource-bookings",
            &member,
            json!({ "resourceId": resource, "title": "nightly", "startAt": rfc(at(60)), "endAt": rfc(at(90)),
                    "recurrence": { "rule": "FREQ=DAILY;COUNT=2", "timeZone": "UTC" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{series}");
    let series = series["data"]["seriesId"]
        .as_str()
        .expect("series id")
        .to_owned();
    let outsider = app.user().await;
    let before = app
        .query_count("SELECT count(*) FROM resource_bookings WHERE status = 'active'")
        .await;

    let window = format!("from={}&to={}", rfc(at(0)), rfc(at(1440)));
    let hidden: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/resources/{resource}"), None),
        (
            Method::GET,
            format!("/api/v1/resources/{resource}/availability?{window}"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/resources/{resource}"),
            Some(json!({ "name": "mine now" })),
        ),
        (
            Method::DELETE,
            format!("/api/v1/resources/{resource}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/resource-bookings/{booking}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/resource-bookings/{booking}"),
            Some(json!({ "title": "taken" })),
        ),
        (
            Method::PUT,
            format!("/api/v1/resource-bookings/{booking}"),
            Some(json!({ "title": "taken" })),
        ),
        (
            Method::POST,
            format!("/api/v1/resource-bookings/{booking}/cancel"),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/resource-bookings/{booking}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/resource-bookings/series/{series}/cancel"),
            Some(json!({})),
        ),
        (
            Method::POST,
            "/api/v1/resource-bookings".to_owned(),
            Some(
                json!({ "resourceId": resource, "title": "x", "startAt": rfc(at(700)), "endAt": rfc(at(760)) }),
            ),
        ),
        (
            Method::POST,
            "/api/v1/calendar-feeds".to_owned(),
            Some(json!({ "resourceId": resource })),
        ),
        (Method::GET, format!("/api/v1/teams/{lab}"), None),
        (Method::GET, format!("/api/v1/teams/{lab}/members"), None),
        (
            Method::PATCH,
            format!("/api/v1/teams/{lab}"),
            Some(json!({ "name": "mine" })),
        ),
        (
            Method::GET,
            format!("/api/v1/teams/{lab}/utilisation?{window}"),
            None,
        ),
    ];
    for (method, path, body) in hidden {
        let (status, answer) = app
            .call(method.clone(), &path, Some(&outsider.token), body)
            .await;
        assert_eq!(
            (status, error_code(&answer)),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{method} {path}: {answer}"
        );
    }
    for path in [
        "/api/v1/resources".to_owned(),
        "/api/v1/resources/status".to_owned(),
        format!("/api/v1/resources/timeline?{window}"),
        format!("/api/v1/resource-bookings?resourceId={resource}"),
        "/api/v1/teams".to_owned(),
    ] {
        let (status, body) = app.get(&path, &outsider).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(body["data"], json!([]), "{path}");
    }

    assert_eq!(
        app.query_count("SELECT count(*) FROM resource_bookings WHERE status = 'active'")
            .await,
        before
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM calendar_feeds").await,
        0
    );
    let (_, mine) = app
        .get(&format!("/api/v1/resources/{resource}"), &member)
        .await;
    assert_eq!(mine["data"]["name"], "gpu-private");
    assert_eq!(mine["data"]["teamId"], lab.to_string());
}

#[tokio::test]
async fn viewers_see_the_servers_but_cannot_book_them() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-look", json!({})).await;
    let viewer = app.user().await;
    app.join(app.lab().await, &viewer, "viewer").await;

    let (status, body) = app.get("/api/v1/resources", &viewer).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"][0]["id"], resource.to_string());
    let (status, body) = app.book(&viewer, resource, at(600), at(660)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN"),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("viewer"))
    );
    assert_eq!(app.active_bookings(resource).await, 0);
}

#[tokio::test]
async fn bad_input_names_its_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let resource = app
        .resource(
            "gpu-hours",
            json!({ "allowedHours": { "start": "09:00", "end": "18:00", "timeZone": "Asia/Seoul" } }),
        )
        .await;
    let member = app.member().await;
    let (status, body) = app.book(&member, resource, at(120), at(60)).await; // ends before it starts
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["details"]["field"], "endAt");
    let (status, body) = app.book(&member, resource, at(720), at(780)).await; // 21:00 Seoul
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "BOOKING_POLICY_VIOLATED"),
        "{body}"
    );
    assert_eq!(body["error"]["details"]["rule"], "allowedHours");

    // A server for a team the caller is not in.
    let (status, other_team) = app
        .post(
            "/api/v1/teams",
            &app.user().await,
            json!({ "name": "Elsewhere" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .post(
            "/api/v1/resources",
            &member,
            json!({ "teamId": id_of(&other_team), "name": "sneaky" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["details"]["field"], "teamId");
    let (status, body) = app
        .post("/api/v1/resources", &member, json!({ "name": "no team" }))
        .await;
    assert_eq!(
        body["error"]["details"]["field"], "teamId",
        "{status} {body}"
    );
    let (status, body) = app
        .post("/api/v1/teams", &member, json!({ "name": "  " }))
        .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("name"))
    );

    assert_eq!(
        app.query_count("SELECT count(*) FROM resource_bookings")
            .await,
        0
    );
    assert_eq!(app.query_count("SELECT count(*) FROM resources").await, 1);
    assert_eq!(app.query_count("SELECT count(*) FROM teams").await, 2);
}

#[tokio::test]
async fn owners_manage_members_and_servers_and_a_team_keeps_its_last_owner() {
    let app = TestApp::spawn().await;
    let owner = app.user().await;
    let (status, team) = app
        .post("/api/v1/teams", &owner, json!({ "name": "Vision" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    assert_eq!(
        (
            team["data"]["role"].as_str(),
            team["data"]["memberCount"].as_i64()
        ),
        (Some("owner"), Some(1))
    );
    let team = id_of(&team);
    let members = format!("/api/v1/teams/{team}/members");

    let ana = app.register("ana@vision.test", "ana-password-1").await;
    let (status, body) = app
        .post(
            &members,
            &owner,
            json!({ "email": "ANA@vision.test", "role": "member" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"]["userId"], ana.to_string());
    let (status, body) = app
        .post(
            &members,
            &owner,
            json!({ "email": "ana@vision.test", "role": "member" }),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "TEAM_MEMBER_EXISTS")
    );
    let (status, body) = app
        .post(
            &members,
            &owner,
            json!({ "email": "nobody@vision.test", "role": "member" }),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "USER_NOT_FOUND")
    );
    let (status, body) = app
        .post(
            &members,
            &owner,
            json!({ "email": "ana@vision.test", "role": "boss" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("role"))
    );

    // The only owner can neither step down nor leave.
    let me = format!("{members}/{}", owner.id);
    let (status, body) = app
        .call(
            Method::PATCH,
            &me,
            Some(&owner.token),
            Some(json!({ "role": "member" })),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "LAST_TEAM_OWNER")
    );
    assert_eq!(
        send(&app, Method::DELETE, &me, &owner, None).await,
        StatusCode::CONFLICT
    );

    // Members book but do not manage; owners add servers.
    let member = app.user().await;
    app.join(team, &member, "member").await;
    let (status, _) = app
        .post(
            "/api/v1/resources",
            &member,
            json!({ "teamId": team, "name": "gpu-v" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            &members,
            &member,
            json!({ "email": "ana@vision.test", "role": "owner" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, server) = app
        .post(
            "/api/v1/resources",
            &owner,
            json!({ "teamId": team, "name": "gpu-v" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{server}");
    let (status, body) = app.book(&member, id_of(&server), at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // With a second owner, the first may leave.
    let ana_path = format!("{members}/{ana}");
    let (status, body) = app
        .call(
            Method::PATCH,
            &ana_path,
            Some(&owner.token),
            Some(json!({ "role": "owner" })),
        )
        .await;
    assert_eq!(
        (status, body["data"]["role"].as_str()),
        (StatusCode::OK, Some("owner")),
        "{body}"
    );
    assert_eq!(
        send(&app, Method::DELETE, &me, &owner, None).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/v1/teams/{team}"), &owner).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app.get(&members, &member).await;
    let roles: Vec<&str> = list["data"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["owner", "member"]);
}

#[tokio::test]
async fn a_conflict_names_the_booking_in_the_way_and_who_holds_it() {
    let app = TestApp::spawn().await;
    let resource = app.resource("gpu-clash", json!({})).await;
    let (alice, bob) = (app.member().await, app.member().await);
    let (_, first) = app.book(&alice, resource, at(600), at(660)).await;
    let (status, body) = app.book(&bob, resource, at(630), at(690)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "BOOKING_CONFLICT")
    );
    let conflict = &body["error"]["details"]["conflicts"][0];
    assert_eq!(conflict["id"], first["data"]["id"]);
    assert_eq!(conflict["resourceId"], resource.to_string());
    assert_eq!(conflict["holderName"], "Test User");
    let starts: chrono::DateTime<chrono::Utc> = conflict["startsAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("startsAt");
    let ends: chrono::DateTime<chrono::Utc> = conflict["endsAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("endsAt");
    assert_eq!((starts, ends), (at(600), at(660)));
    assert_eq!(app.active_bookings(resource).await, 1);
}

#[tokio::test]
async fn owners_see_booked_against_bookable_hours_per_week_and_as_csv() {
    let app = TestApp::spawn().await;
    let lab = app.lab().await;
    let resource = app.resource("gpu-busy", json!({})).await;
    let member = app.member().await;
    let (status, _) = app.book(&member, resource, at(600), at(720)).await;
    assert_eq!(status, StatusCode::CREATED);
    let window = format!("from={}&to={}", rfc(at(0)), rfc(at(1440)));
    let path = format!("/api/v1/teams/{lab}/utilisation?{window}");

    let (status, body) = app.get(&path, &app.admin).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let rows = body["data"]["rows"].as_array().expect("rows");
    let booked: f64 = rows.iter().filter_map(|r| r["bookedHours"].as_f64()).sum();
    let bookable: f64 = rows
        .iter()
        .filter_map(|r| r["bookableHours"].as_f64())
        .sum();
    assert_eq!((booked, bookable), (2.0, 24.0));
    assert_eq!(body["data"]["topUsers"][0]["userId"], member.id.to_string());
    assert_eq!(body["data"]["topUsers"][0]["hours"], 2.0);
    assert_eq!(app.get(&path, &member).await.0, StatusCode::FORBIDDEN);

    let response = app
        .client
        .get(app.url(&format!("/api/v1/teams/{lab}/utilisation.csv?{window}")))
        .bearer_auth(&app.admin.token)
        .send()
        .await
        .expect("csv");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv"))
    );
    let text = response.text().await.expect("text");
    assert!(
        text.starts_with("resource_id,name,week,booked_hours,bookable_hours,ratio\r\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{resource},\"gpu-busy\",")),
        "{text}"
    );
}
