//! The Google push follows the team rules: each team's bookings go to that team's own
//! calendar and never to another's; the default team keeps `GOOGLE_CALENDAR_ID`.

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use super::fake_google::{
    CALENDAR_ID, LAB_CALENDAR, OPS_CALENDAR, app_with_google, fake_google, use_calendar,
};
use crate::{
    bookings::{at, id_of},
    helpers::TestApp,
};

/// A second team, "Ops", made by the admin.
async fn ops(app: &TestApp) -> Uuid {
    let (status, body) = app
        .post("/api/v1/teams", &app.admin, json!({ "name": "Ops" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    id_of(&body)
}

fn event_of(booking: &serde_json::Value) -> String {
    booking["data"]["id"].as_str().expect("id").replace('-', "")
}

#[tokio::test]
async fn two_teams_bookings_land_in_their_own_calendars_never_the_others() {
    let (google, addr) = fake_google().await;
    let (app, dir) = app_with_google(addr).await;
    let (lab, ops) = (app.lab().await, ops(&app).await);
    use_calendar(&app, lab, Some(LAB_CALENDAR)).await;
    use_calendar(&app, ops, Some(OPS_CALENDAR)).await;
    let lab_gpu = app.team_resource(lab, "gpu-lab", json!({})).await;
    let ops_gpu = app.team_resource(ops, "gpu-ops", json!({})).await;
    let (lab_user, ops_user) = (app.member().await, app.user().await);
    app.join(ops, &ops_user, "member").await;

    let (status, lab_booking) = app.book(&lab_user, lab_gpu, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{lab_booking}");
    let (status, ops_booking) = app.book(&ops_user, ops_gpu, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{ops_booking}");
    assert_eq!(lab_booking["data"]["calendarSynced"], true, "{lab_booking}");
    assert_eq!(ops_booking["data"]["calendarSynced"], true, "{ops_booking}");

    let (lab_event, ops_event) = (event_of(&lab_booking), event_of(&ops_booking));
    let lab_events = google.events_in(LAB_CALENDAR);
    let ops_events = google.events_in(OPS_CALENDAR);
    assert_eq!(lab_events.keys().collect::<Vec<_>>(), vec![&lab_event]);
    assert_eq!(ops_events.keys().collect::<Vec<_>>(), vec![&ops_event]);
    assert!(google.events().is_empty(), "nothing in the global calendar");
    for (calendar, call) in google.calls_in_all() {
        let own = if call.ends_with(&lab_event) {
            LAB_CALENDAR
        } else {
            OPS_CALENDAR
        };
        assert_eq!(calendar, own, "{call} went to another team's calendar");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_team_without_a_calendar_pushes_nothing_and_the_default_team_keeps_the_global_one() {
    let (google, addr) = fake_google().await;
    let (app, dir) = app_with_google(addr).await;
    // The team the teams migration made for the servers that existed before teams.
    let default_team = Uuid::new_v4();
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(&format!(
            "INSERT INTO teams (id, name, is_default) VALUES ('{default_team}', 'Default team', true)"
        ))
        .await
        .expect("default team");
    let old_gpu = app.team_resource(default_team, "gpu-old", json!({})).await;
    let lab_gpu = app.resource("gpu-no-calendar", json!({})).await;
    let user = app.member().await;
    app.join(default_team, &user, "member").await;

    let (status, quiet) = app.book(&user, lab_gpu, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{quiet}");
    assert_eq!(quiet["data"]["calendarSynced"], true, "nothing to push");
    assert!(quiet["data"]["googleEventId"].is_null(), "{quiet}");
    let (status, old) = app.book(&user, old_gpu, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{old}");
    let old_event = event_of(&old);
    assert_eq!(
        google.events().keys().collect::<Vec<_>>(),
        vec![&old_event],
        "the default team's booking is in GOOGLE_CALENDAR_ID, the other team's nowhere"
    );
    assert_eq!(google.calls(), vec![format!("insert {old_event}")]);

    // The default team takes a calendar of its own: its next change moves the event there.
    use_calendar(&app, default_team, Some(OPS_CALENDAR)).await;
    let id = old["data"]["id"].as_str().expect("id");
    let (status, moved) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/resource-bookings/{id}"),
            Some(&user.token),
            Some(json!({ "title": "moved" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["data"]["calendarSynced"], true, "{moved}");
    assert!(google.events().is_empty(), "left the global calendar");
    assert!(google.events_in(OPS_CALENDAR).contains_key(&old_event));
    let calendars: Vec<(String, String)> = google.calls_in_all();
    assert_eq!(
        calendars[1..],
        [
            (CALENDAR_ID.to_owned(), format!("delete {old_event}")),
            (OPS_CALENDAR.to_owned(), format!("insert {old_event}")),
        ]
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn only_owners_set_a_teams_calendar_and_a_bad_id_names_its_field_and_changes_nothing() {
    let (_google, addr) = fake_google().await;
    let (app, dir) = app_with_google(addr).await;
    let lab = app.lab().await;
    use_calendar(&app, lab, Some(LAB_CALENDAR)).await;
    let member = app.member().await;
    let path = format!("/api/v1/teams/{lab}");
    let (status, _) = app
        .call(
            Method::PATCH,
            &path,
            Some(&member.token),
            Some(json!({ "googleCalendarId": OPS_CALENDAR })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (body, field) in [
        (
            json!({ "googleCalendarId": "two words" }),
            "googleCalendarId",
        ),
        (json!({ "locale": "de" }), "locale"),
        (json!({ "name": "" }), "name"),
    ] {
        let (status, answer) = app
            .call(Method::PATCH, &path, Some(&app.admin.token), Some(body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
    }
    let (_, team) = app.get(&path, &member).await;
    assert_eq!(team["data"]["googleCalendarId"], LAB_CALENDAR, "{team}");
    assert_eq!(team["data"]["locale"], "en");
    assert_eq!(team["data"]["name"], "Lab");
    use_calendar(&app, lab, None).await;
    let _ = std::fs::remove_dir_all(dir);
}
