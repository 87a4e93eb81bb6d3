//! Holds: contention, all-or-nothing, limits, release, extension, bad input.

use std::collections::{HashMap, HashSet};

use rand::{Rng, seq::IndexedRandom};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, error_code, eventually, redis_client, uuids};

#[tokio::test]
async fn two_hundred_users_grabbing_one_seat_at_once_get_exactly_one_hold() {
    // Arrange
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 5, 4).await;
    let seat = perf.seat_ids[0];
    let users = app.users(200).await;

    // Act
    let wanted = [seat];
    let attempts = users.iter().map(|u| app.hold(u, perf.id, &wanted));
    let results = futures::future::join_all(attempts).await;

    // Assert
    let winners: Vec<usize> = (0..results.len())
        .filter(|&i| results[i].0 == StatusCode::CREATED)
        .collect();
    assert_eq!(winners.len(), 1, "exactly one hold is granted");
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        assert_eq!(error_code(body), "SEAT_UNAVAILABLE");
        assert_eq!(
            uuids(&body["error"]["details"]["unavailableSeatIds"]),
            vec![seat]
        );
    }
    let winner = &users[winners[0]];
    let hold_id = results[winners[0]].1["data"]["holdId"]
        .as_str()
        .expect("hold id")
        .to_owned();
    let (status, body) = app.reserve(winner, &hold_id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let owners = app
        .query_strings(&format!(
            "SELECT r.user_id::text FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id \
             WHERE rs.seat_id = '{seat}' AND rs.live"
        ))
        .await;
    assert_eq!(
        owners,
        vec![winner.id.to_string()],
        "Postgres agrees on the one winner"
    );
}

#[tokio::test]
async fn fifty_users_with_overlapping_seat_sets_never_share_a_seat() {
    // Arrange: 20 seats, 50 users asking for 1-4 random seats each.
    let app = TestApp::spawn().await;
    let perf = app.performance(4, 5, 4).await;
    let users = app.users(50).await;
    let wants: Vec<Vec<Uuid>> = {
        let mut rng = rand::rng();
        users
            .iter()
            .map(|_| {
                let n = rng.random_range(1..=4);
                perf.seat_ids
                    .choose_multiple(&mut rng, n)
                    .copied()
                    .collect()
            })
            .collect()
    };

    // Act: everyone holds at once, then every winner reserves at once.
    let results = futures::future::join_all(
        users
            .iter()
            .zip(&wants)
            .map(|(u, w)| app.hold(u, perf.id, w)),
    )
    .await;
    let mut granted: Vec<(usize, String)> = Vec::new();
    let mut held_by: HashMap<Uuid, usize> = HashMap::new();
    for (i, (status, body)) in results.iter().enumerate() {
        if *status == StatusCode::CREATED {
            for seat in &wants[i] {
                assert!(
                    held_by.insert(*seat, i).is_none(),
                    "seat {seat} granted twice"
                );
            }
            granted.push((
                i,
                body["data"]["holdId"].as_str().expect("hold id").to_owned(),
            ));
        }
    }
    for (i, (status, body)) in results
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| *s != StatusCode::CREATED)
    {
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        let named = uuids(&body["error"]["details"]["unavailableSeatIds"]);
        assert!(!named.is_empty(), "a refusal names seats");
        for seat in named {
            assert!(
                wants[i].contains(&seat),
                "refusal names a seat the user asked for"
            );
            assert!(
                held_by.contains_key(&seat),
                "refusal names a seat someone else holds"
            );
        }
    }
    let commits = futures::future::join_all(
        granted
            .iter()
            .map(|(i, hold)| app.reserve(&users[*i], hold)),
    )
    .await;

    // Assert
    assert!(
        commits.iter().all(|(s, _)| *s == StatusCode::CREATED),
        "every granted hold commits"
    );
    let doubled = app
        .query_count("SELECT count(*) FROM (SELECT seat_id FROM reservation_seats WHERE live GROUP BY seat_id HAVING count(*) > 1) d")
        .await;
    assert_eq!(doubled, 0, "no seat is in two live reservations");
    let reserved = app
        .query_count(&format!(
            "SELECT count(*) FROM seats WHERE performance_id = '{}' AND status = 'RESERVED'",
            perf.id
        ))
        .await;
    assert_eq!(
        reserved as usize,
        held_by.len(),
        "exactly the granted seats are reserved"
    );
}

#[tokio::test]
async fn a_hold_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 3, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let [s1, s2, s3] = [perf.seat_ids[0], perf.seat_ids[1], perf.seat_ids[2]];
    assert_eq!(
        app.hold(&alice, perf.id, &[s2]).await.0,
        StatusCode::CREATED
    );

    let (status, body) = app.hold(&bob, perf.id, &[s1, s2, s3]).await;

    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        uuids(&body["error"]["details"]["unavailableSeatIds"]),
        vec![s2]
    );
    let statuses: Vec<String> = app
        .seat_map(perf.id)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(
        statuses,
        ["AVAILABLE", "HELD", "AVAILABLE"],
        "the refused hold claimed nothing"
    );
}

#[tokio::test]
async fn a_released_hold_frees_its_seats_and_only_its_owner_can_release_it() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let (_, hold) = app.hold(&alice, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    let path = format!("/api/v1/holds/{hold_id}");

    let (status, body) = app
        .call(Method::DELETE, &path, Some(&bob.token), None)
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    let (status, body) = app.get(&path, &bob).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "FORBIDDEN")
    );
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    assert!(
        app.seat_map(perf.id)
            .await
            .iter()
            .all(|(_, s)| s == "AVAILABLE")
    );
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a released hold is gone");
    assert_eq!(
        app.hold(&bob, perf.id, &perf.seat_ids).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_hold_can_be_extended_once_and_never_again() {
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_HOLD_TTL_MS".into(), "60000".into());
        v.insert("CORE_HOLD_EXTENSION_MS".into(), "30000".into());
    })
    .await;
    let perf = app.performance(1, 1, 4).await;
    let user = app.user().await;
    let (_, hold) = app.hold(&user, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    let first_expiry: chrono::DateTime<chrono::Utc> = hold["data"]["expiresAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("expiry");

    let (status, extended) = app
        .post(&format!("/api/v1/holds/{hold_id}/extend"), &user, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    let second_expiry: chrono::DateTime<chrono::Utc> = extended["data"]["expiresAt"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("expiry");
    let gained = (second_expiry - first_expiry).num_milliseconds();
    assert!(
        (29_000..=31_000).contains(&gained),
        "extended by the configured 30 s, got {gained} ms"
    );

    let (status, body) = app
        .post(&format!("/api/v1/holds/{hold_id}/extend"), &user, json!({}))
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "HOLD_EXTENSION_USED")
    );
}

#[tokio::test]
async fn the_per_user_limit_counts_live_holds_and_reservations() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 5, 2).await;
    let user = app.user().await;
    let s = &perf.seat_ids;

    let (status, hold) = app.hold(&user, perf.id, &s[0..2]).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app.hold(&user, perf.id, &s[2..3]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "SEAT_LIMIT_EXCEEDED"),
        "two held"
    );

    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    assert_eq!(app.reserve(&user, hold_id).await.0, StatusCode::CREATED);
    let (status, body) = app.hold(&user, perf.id, &s[2..3]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "SEAT_LIMIT_EXCEEDED"),
        "two reserved"
    );
    // Redis granted that claim before Postgres counted the reservations; it was taken back.
    let other = app.user().await;
    assert_eq!(
        app.hold(&other, perf.id, &s[2..3]).await.0,
        StatusCode::CREATED,
        "the refused claim left nothing behind"
    );

    let (status, body) = app.hold(&user, perf.id, &s[0..3]).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "more than the limit in one go: {body}"
    );
}

#[tokio::test]
async fn bad_hold_requests_get_clear_errors_and_change_nothing() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 3, 2).await;
    let other = app.performance(1, 1, 2).await;
    let user = app.user().await;
    let s = &perf.seat_ids;
    let path = "/api/v1/holds";

    let raw = |body: &'static str| {
        app.client
            .post(app.url(path))
            .bearer_auth(&user.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for body in [
        "{not json",
        "",
        "[]",
        "{\"performanceId\": 5, \"seatIds\": []}",
        "{\"performanceId\": \"x\"}",
    ] {
        let response = raw(body).await.expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body:?}");
        let json: serde_json::Value = response.json().await.expect("json envelope");
        assert_eq!(error_code(&json), "VALIDATION_FAILED", "{body:?}");
    }
    let huge = format!(
        "{{\"performanceId\":\"{}\",\"seatIds\":[\"{}\"],\"pad\":\"{}\"}}",
        perf.id,
        s[0],
        "x".repeat(2 << 20)
    );
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(&user.token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await;
    assert_eq!(
        response.expect("sent").status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let cases = [
        (
            json!({ "performanceId": perf.id, "seatIds": [] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [s[0], s[0]] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [other.seat_ids[0]] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [Uuid::new_v4()] }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
        ),
        (
            json!({ "performanceId": Uuid::new_v4(), "seatIds": [s[0]] }),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            json!({ "performanceId": perf.id, "seatIds": [s[0], s[1], s[2]] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "SEAT_LIMIT_EXCEEDED",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = app.post(path, &user, body.clone()).await;
        assert_eq!((got, error_code(&answer)), (status, code), "{body}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let (status, body) = app
        .call(
            Method::POST,
            path,
            None,
            Some(json!({ "performanceId": perf.id, "seatIds": [s[0]] })),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );

    let (status, _) = app
        .post(
            &format!("/api/v1/admin/performances/{}/close-sale", perf.id),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.hold(&user, perf.id, &s[0..1]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "SALE_NOT_OPEN")
    );

    assert!(
        app.seat_map(perf.id)
            .await
            .iter()
            .all(|(_, s)| s == "AVAILABLE"),
        "nothing was held"
    );
    let seat_keys: HashSet<String> = app
        .redis_keys()
        .await
        .into_iter()
        .filter(|k| k.contains(":seat:"))
        .collect();
    assert!(
        seat_keys.is_empty(),
        "no seat key was written: {seat_keys:?}"
    );
}

#[tokio::test]
async fn an_expired_hold_frees_its_seats_and_cannot_be_reserved() {
    let app = TestApp::spawn_with(|v| {
        v.insert("CORE_HOLD_TTL_MS".into(), "1000".into());
        v.insert("CORE_HOLD_EXTENSION_MS".into(), "0".into());
    })
    .await;
    let perf = app.performance(1, 1, 4).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let (_, hold) = app.hold(&alice, perf.id, &perf.seat_ids).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id").to_owned();

    // Redis expires the keys itself; wait (bounded) until it has.
    let expired = eventually(std::time::Duration::from_secs(5), || async {
        app.seat_map(perf.id).await[0].1 == "AVAILABLE"
            && app.redis_keys().await.iter().all(|k| !k.contains(":seat:"))
    })
    .await;
    assert!(expired, "the hold expired within its TTL");

    let (status, body) = app.reserve(&alice, &hold_id).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "HOLD_EXPIRED")
    );
    let (status, hold) = app.hold(&bob, perf.id, &perf.seat_ids).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "someone else can take the seat"
    );
    assert_eq!(
        app.reserve(&bob, hold["data"]["holdId"].as_str().expect("id"))
            .await
            .0,
        StatusCode::CREATED
    );
    let live = app
        .query_count("SELECT count(*) FROM reservation_seats WHERE live")
        .await;
    assert_eq!(live, 1);
}

#[tokio::test]
async fn a_seat_reserved_in_postgres_but_free_in_redis_is_refused_and_the_claim_taken_back() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 3, 4).await;
    let (buyer, other) = (app.user().await, app.user().await);
    let s = &perf.seat_ids;
    let (_, hold) = app.hold(&buyer, perf.id, &s[0..1]).await;
    let hold_id = hold["data"]["holdId"].as_str().expect("hold id");
    assert_eq!(app.reserve(&buyer, hold_id).await.0, StatusCode::CREATED);

    // The reservation's Redis marker is gone (lapsed, or Redis restarted empty): only
    // Postgres still knows the seat is RESERVED.
    let redis = redis_client().await;
    let seat_key = |seat: Uuid| {
        format!(
            "{}{{perf:{}}}:seat:{seat}",
            app.stores.redis_prefix, perf.id
        )
    };
    let removed: i64 = fred::interfaces::KeysInterface::del(&redis, seat_key(s[0]))
        .await
        .expect("del");
    assert_eq!(removed, 1, "the conversion left a marker");

    let (status, body) = app.hold(&other, perf.id, &s[0..2]).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "SEAT_UNAVAILABLE")
    );
    assert_eq!(
        body["error"]["details"]["unavailableSeatIds"],
        json!([s[0]]),
        "{body}"
    );
    let keys = app.redis_keys().await;
    for seat in &s[0..2] {
        assert!(
            !keys.contains(&seat_key(*seat)),
            "the claim on {seat} was taken back: {keys:?}"
        );
    }
    assert_eq!(
        app.hold(&other, perf.id, &s[1..2]).await.0,
        StatusCode::CREATED,
        "the free seat of the refused claim can be held at once"
    );

    // The stream tells the truth after the refused claim: s[0] RESERVED, s[1] free again
    // (then HELD by the hold just made).
    let events = app.seat_events(perf.id).await;
    let last_about = |seat: Uuid, skip_last: usize| {
        events
            .iter()
            .rev()
            .skip(skip_last)
            .find(|e| {
                e["seatIds"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|i| i == &json!(seat)))
            })
            .map(|e| e["status"].clone())
    };
    assert_eq!(last_about(s[0], 0), Some(json!("RESERVED")), "{events:?}");
    assert_eq!(last_about(s[1], 0), Some(json!("HELD")), "{events:?}");
    assert_eq!(last_about(s[1], 1), Some(json!("AVAILABLE")), "{events:?}");
}

async fn ask_pair(app: &TestApp, user: &TestUser, perf: Uuid) -> (StatusCode, serde_json::Value) {
    app.post(
        "/api/v1/holds",
        user,
        json!({ "performanceId": perf, "quantity": 2 }),
    )
    .await
}

/// (row, number) of every seat of the map that is still AVAILABLE, and of every seat by id.
async fn layout_and_free(
    app: &TestApp,
    perf: Uuid,
) -> (HashMap<String, (String, i64)>, Vec<(String, i64)>) {
    let (_, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/performances/{perf}/seats"),
            None,
            None,
        )
        .await;
    let seats = body["data"]["seats"].as_array().expect("seats").clone();
    let place = |s: &serde_json::Value| {
        (
            s["row"].as_str().expect("row").to_owned(),
            s["number"].as_i64().expect("number"),
        )
    };
    let by_id = seats
        .iter()
        .map(|s| (s["id"].as_str().expect("id").to_owned(), place(s)))
        .collect();
    let free = seats
        .iter()
        .filter(|s| s["status"] == "AVAILABLE")
        .map(place)
        .collect();
    (by_id, free)
}

#[tokio::test]
async fn best_available_takes_the_front_centre_and_a_crowd_gets_adjacent_pairs_until_none_are_left()
{
    let app = TestApp::spawn().await;
    let perf = app.performance(3, 6, 4).await;
    let (by_id, _) = layout_and_free(&app, perf.id).await;
    let places = |body: &serde_json::Value| -> Vec<(String, i64)> {
        let mut p: Vec<(String, i64)> = body["data"]["seats"]
            .as_array()
            .expect("seats")
            .iter()
            .map(|s| by_id[s["id"].as_str().expect("id")].clone())
            .collect();
        p.sort();
        p
    };

    // Alone: the centre of the front row.
    let first = app.user().await;
    let (status, body) = ask_pair(&app, &first, perf.id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(places(&body), [("A".to_owned(), 3), ("A".to_owned(), 4)]);

    // A crowd at once: every hold is two adjacent seats of one row, no seat twice.
    let crowd = app.users(16).await;
    let answers = futures::future::join_all(crowd.iter().map(|u| ask_pair(&app, u, perf.id))).await;
    let mut taken: HashSet<(String, i64)> = places(&body).into_iter().collect();
    for (status, body) in &answers {
        match *status {
            StatusCode::CREATED => {
                let p = places(body);
                assert!(p[0].0 == p[1].0 && p[1].1 == p[0].1 + 1, "adjacent: {p:?}");
                for seat in p {
                    assert!(taken.insert(seat.clone()), "{seat:?} held twice");
                }
            }
            _ => assert_eq!(
                (*status, error_code(body)),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "SEATS_NOT_AVAILABLE_TOGETHER"
                ),
                "{body}"
            ),
        }
    }

    // Then one at a time until the answer is no: it is no only when no pair is left.
    for _ in 0..9 {
        let user = app.user().await;
        let (status, body) = ask_pair(&app, &user, perf.id).await;
        if status != StatusCode::CREATED {
            assert_eq!(error_code(&body), "SEATS_NOT_AVAILABLE_TOGETHER");
            break;
        }
    }
    let (_, free) = layout_and_free(&app, perf.id).await;
    let free: HashSet<(String, i64)> = free.into_iter().collect();
    assert!(
        !free
            .iter()
            .any(|(row, n)| free.contains(&(row.clone(), n + 1))),
        "422 while two adjacent seats were free: {free:?}"
    );
}
