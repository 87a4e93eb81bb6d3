//! Best available: the front-centre block first, adjacent pairs for a crowd.

use super::*;

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
