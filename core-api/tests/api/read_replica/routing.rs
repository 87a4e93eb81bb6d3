//! Buyers' listings come from the replica within the lag bound; everything that sells reads
//! the primary.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use super::{app_on_a_pair, listed_events, replica_becomes, replica_state, through_replica};
use crate::helpers::eventually;

#[tokio::test]
async fn listings_come_from_the_replica_within_the_lag_bound_and_the_sale_never_does() {
    // `patient` accepts ten minutes of lag, `strict` one second; both on one pair.
    let (pair, patient, replica_url) = app_on_a_pair("600000", &[]).await;
    let strict = patient
        .sibling(|v| through_replica(v, &replica_url, "1000"))
        .await;
    assert!(
        replica_becomes(&patient, "up").await,
        "the replica is measured and used"
    );
    assert!(replica_becomes(&strict, "up").await);
    let before = patient.performance(1, 4, 4).await;
    let all_before = listed_events(&patient, Some(&patient.admin)).await;
    let caught_up = eventually(Duration::from_secs(15), || async {
        listed_events(&patient, None).await == all_before
    })
    .await;
    assert!(caught_up, "the replica has the first event");

    // Arrange: the replica stops replaying, then a new on-sale event, performance and buyer
    // are written to the primary only.
    pair.pause_replay().await;
    let after = patient.performance(1, 4, 4).await;
    let buyer = patient.user().await;
    let all_after = listed_events(&patient, Some(&patient.admin)).await;
    let new_events: Vec<&String> = all_after.difference(&all_before).collect();
    assert_eq!(
        new_events.len(),
        1,
        "organizers read the primary: {all_after:?}"
    );

    // (a) Buyers' listings come from the replica: the new event and performance are not
    // there yet.
    assert_eq!(listed_events(&patient, None).await, all_before);
    let path = format!("/api/v1/performances/{}", after.id);
    let (status, _) = patient.call(Method::GET, &path, None, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the replica has no such performance"
    );
    let path = format!("/api/v1/performances/{}", before.id);
    let (status, _) = patient.call(Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK);

    // (b) Everything that sells reads the primary: the new buyer signs in, holds, reserves,
    // charges and pays for seats of the performance the replica has never seen.
    let seats = &after.seat_ids[0..2];
    let (status, hold) = patient.hold(&buyer, after.id, seats).await;
    assert_eq!(status, StatusCode::CREATED, "{hold}");
    let (status, reservation) = patient
        .reserve(&buyer, hold["data"]["holdId"].as_str().expect("hold id"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reservation}");
    let reservation_id = reservation["data"]["reservationId"]
        .as_str()
        .expect("reservation id");
    let (status, wallet) = patient
        .post(
            "/api/v1/wallet/charge",
            &buyer,
            json!({ "amount": 100_000 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{wallet}");
    let (status, paid) = patient
        .post(
            "/api/v1/payments",
            &buyer,
            json!({ "reservationId": reservation_id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    let (status, mine) = patient.get("/api/v1/me/reservations", &buyer).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let sold: Vec<Uuid> = patient
        .seat_map(after.id)
        .await
        .into_iter()
        .filter(|(_, status)| status == "SOLD")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(
        sold,
        seats.to_vec(),
        "the seat map's status is the primary's"
    );

    // (c) Past its one-second bound `strict` reads the primary (and says the replica lags);
    // `patient`, within its bound, still reads the replica.
    let moved = eventually(Duration::from_secs(15), || async {
        replica_state(&strict).await == "lagging" && listed_events(&strict, None).await == all_after
    })
    .await;
    assert!(moved, "past the lag bound, listings come from the primary");
    assert_eq!(listed_events(&patient, None).await, all_before);
    assert_eq!(replica_state(&patient).await, "up");

    // Replay resumes: both read the replica again, and it has everything.
    pair.resume_replay().await;
    assert!(
        replica_becomes(&strict, "up").await,
        "back within the bound"
    );
    let synced = eventually(Duration::from_secs(15), || async {
        listed_events(&patient, None).await == all_after
    })
    .await;
    assert!(synced, "the replica caught up");
}
