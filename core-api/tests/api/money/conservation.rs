//! Money under concurrency: random charges, payments and cancellations conserve it; a reservation is paid once.

use super::*;

#[tokio::test]
async fn random_charges_payments_and_cancellations_from_many_clients_conserve_money() {
    // Arrange: 100 seats, 16 buyers, each running a random script concurrently.
    let app = TestApp::spawn().await;
    let perf = app.performance(10, 10, 6).await;
    let users = app.users(16).await;

    // Act
    let scripts = users.iter().enumerate().map(|(i, user)| {
        let (app, perf) = (&app, &perf);
        async move {
            let mut rng = StdRng::seed_from_u64(i as u64 + 7);
            let mut mine: Vec<String> = Vec::new();
            for _ in 0..10 {
                match rng.random_range(0..5) {
                    0 => {
                        let amount = *[50_000, 120_000, 300_000, 0, -5]
                            .choose(&mut rng)
                            .unwrap_or(&1);
                        charge(app, user, json!(amount), None).await;
                    }
                    1 | 2 => {
                        let n = rng.random_range(1..=2);
                        let seats: Vec<Uuid> = perf
                            .seat_ids
                            .choose_multiple(&mut rng, n)
                            .copied()
                            .collect();
                        let (status, hold) = app.hold(user, perf.id, &seats).await;
                        if status == StatusCode::CREATED {
                            let pay_now = rng.random_bool(0.5);
                            let body = json!({ "holdId": hold["data"]["holdId"], "payNow": pay_now,
                                "attendee": { "name": "Buyer", "phone": "010-1111-2222" } });
                            let (status, r) = app.post("/api/v1/reservations", user, body).await;
                            if status == StatusCode::CREATED {
                                mine.push(
                                    r["data"]["reservationId"]
                                        .as_str()
                                        .unwrap_or_default()
                                        .to_owned(),
                                );
                            }
                        }
                    }
                    3 => {
                        if let Some(id) = mine.choose(&mut rng) {
                            app.post("/api/v1/payments", user, json!({ "reservationId": id }))
                                .await;
                        }
                    }
                    _ => {
                        if let Some(id) = mine.choose(&mut rng) {
                            app.post(
                                &format!("/api/v1/reservations/{id}/cancel"),
                                user,
                                json!({}),
                            )
                            .await;
                        }
                    }
                }
            }
        }
    });
    futures::future::join_all(scripts).await;

    // Assert
    assert_money_is_conserved(&app).await;
    let paid = app.query_count("SELECT count(*) FROM payments").await;
    let refunded = app
        .query_count("SELECT count(*) FROM payments WHERE status = 'REFUNDED'")
        .await;
    assert!(paid > 0, "the run paid for something");
    eprintln!("money run: {paid} payments, {refunded} refunded");
}

#[tokio::test]
async fn two_payments_of_one_reservation_at_once_charge_once() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 2, 4).await;
    let user = app.user().await;
    let id = reservation(&app, &user, perf.id, &perf.seat_ids).await;
    charge(&app, &user, json!(500_000), None).await;

    let pay = || app.post("/api/v1/payments", &user, json!({ "reservationId": id }));
    let (a, b) = tokio::join!(pay(), pay());

    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        a.1,
        b.1
    );
    let loser = if a.0 == StatusCode::CONFLICT {
        &a.1
    } else {
        &b.1
    };
    assert_eq!(error_code(loser), "ALREADY_PAID");
    assert_eq!(balance(&app, &user).await, 400_000, "debited once");
    let (_, r) = app.get(&format!("/api/v1/reservations/{id}"), &user).await;
    assert_eq!(r["data"]["status"], "CONFIRMED");
    assert!(app.seat_map(perf.id).await.iter().all(|(_, s)| s == "SOLD"));
    assert_money_is_conserved(&app).await;
}
