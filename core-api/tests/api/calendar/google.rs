//! The Google Calendar push: writes become inserts, patches and deletes, and a calendar
//! that is down catches up later without duplicates.

use std::{sync::atomic::Ordering, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::fake_google::{CALENDAR_ID, app_with_google, fake_google, use_calendar};
use crate::{
    bookings::{at, rfc},
    helpers::eventually,
};

#[tokio::test]
async fn create_update_and_cancel_become_insert_patch_and_delete() {
    let (google, addr) = fake_google().await;
    let (app, dir) = app_with_google(addr).await;
    let resource = app.resource("gpu-google", json!({})).await;
    use_calendar(&app, app.lab().await, Some(CALENDAR_ID)).await;
    let user = app.member().await;
    let (status, booking) = app.book(&user, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    let id = booking["data"]["id"].as_str().expect("id").to_owned();
    let event_id = id.replace('-', "");
    assert_eq!(booking["data"]["calendarSynced"], true, "{booking}");
    assert_eq!(booking["data"]["googleEventId"], event_id);
    let stored = google.events()[&event_id].clone();
    assert_eq!(stored["start"]["dateTime"], rfc(at(600)));
    assert!(
        stored["summary"]
            .as_str()
            .is_some_and(|s| s.contains("training run")),
        "{stored}"
    );

    let (status, updated) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/resource-bookings/{id}"),
            Some(&user.token),
            Some(json!({ "endAt": rfc(at(690)) })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["data"]["calendarSynced"], true);
    assert_eq!(google.events()[&event_id]["end"]["dateTime"], rfc(at(690)));

    let (status, cancelled) = app
        .post(
            &format!("/api/v1/resource-bookings/{id}/cancel"),
            &user,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cancelled["data"]["calendarSynced"], true, "{cancelled}");
    assert!(google.events().is_empty());
    assert_eq!(
        google.calls(),
        vec![
            format!("insert {event_id}"),
            format!("patch {event_id}"),
            format!("delete {event_id}")
        ]
    );
    assert_eq!(
        *google.tokens_issued.lock().expect("lock"),
        1,
        "the access token is cached"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn with_the_calendar_down_bookings_still_succeed_and_sync_later_without_duplicates() {
    let (google, addr) = fake_google().await;
    let (app, dir) = app_with_google(addr).await;
    let resource = app.resource("gpu-google-down", json!({})).await;
    use_calendar(&app, app.lab().await, Some(CALENDAR_ID)).await;
    let user = app.member().await;

    google.up.store(false, Ordering::SeqCst);
    let (status, booking) = app.book(&user, resource, at(600), at(660)).await;
    assert_eq!(status, StatusCode::CREATED, "{booking}");
    assert_eq!(booking["data"]["calendarSynced"], false);
    assert!(booking["data"]["googleEventId"].is_null());
    let id = booking["data"]["id"].as_str().expect("id").to_owned();
    let pending = app
        .query_count(&format!(
            "SELECT count(*) FROM calendar_outbox WHERE booking_id = '{id}' AND done_at IS NULL"
        ))
        .await;
    assert_eq!(pending, 1);

    google.up.store(true, Ordering::SeqCst);
    let synced = eventually(Duration::from_secs(20), || async {
        let (_, b) = app
            .get(&format!("/api/v1/resource-bookings/{id}"), &user)
            .await;
        b["data"]["calendarSynced"] == true
    })
    .await;
    assert!(
        synced,
        "the outbox pushed the booking once the calendar was back"
    );
    assert_eq!(google.events().len(), 1);

    // An insert whose answer is lost: the retry finds the event instead of making another.
    google.lose_next_insert_answer.store(true, Ordering::SeqCst);
    let (status, second) = app.book(&user, resource, at(700), at(760)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(second["data"]["calendarSynced"], false, "{second}");
    let second_id = second["data"]["id"].as_str().expect("id").to_owned();
    let synced = eventually(Duration::from_secs(20), || async {
        let (_, b) = app
            .get(&format!("/api/v1/resource-bookings/{second_id}"), &user)
            .await;
        b["data"]["calendarSynced"] == true
    })
    .await;
    assert!(synced);
    let event_id = second_id.replace('-', "");
    let calls: Vec<String> = google
        .calls()
        .into_iter()
        .filter(|c| c.ends_with(&event_id))
        .collect();
    assert_eq!(
        calls,
        vec![
            format!("insert {event_id}"),
            format!("insert {event_id}"),
            format!("patch {event_id}")
        ]
    );
    assert_eq!(google.events().len(), 2, "no duplicate events");
    let backlog = app
        .query_count("SELECT count(*) FROM calendar_outbox WHERE done_at IS NULL")
        .await;
    assert_eq!(backlog, 0);
    let _ = std::fs::remove_dir_all(dir);
}
