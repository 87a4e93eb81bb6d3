//! Many buyers at once: exactly one wins a seat, overlapping sets never share one.

use super::*;

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
