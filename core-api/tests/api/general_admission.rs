//! General admission: a priced quantity, held and sold by quantity, never below zero.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{TestApp, TestUser, error_code},
    money::assert_money_is_conserved,
};

async fn product(app: &TestApp, performance_id: Uuid, capacity: i32) -> String {
    let (status, body) = app
        .post(
            &format!("/api/v1/admin/performances/{performance_id}/products"),
            &app.admin,
            json!({ "name": "Standing", "price": 30_000, "capacity": capacity }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_str().expect("id").to_owned()
}

async fn hold_units(
    app: &TestApp,
    user: &TestUser,
    performance_id: Uuid,
    product: &str,
    quantity: Value,
) -> (StatusCode, Value) {
    app.post(
        "/api/v1/holds",
        user,
        json!({ "performanceId": performance_id, "productId": product, "quantity": quantity }),
    )
    .await
}

#[tokio::test]
async fn a_crowd_buying_a_small_stock_sells_it_exactly_once_and_never_below_zero() {
    // Arrange: 40 units, 60 buyers asking for 1-3 each (about 120 wanted).
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let product_id = product(&app, perf.id, 40).await;
    let users = app.users(60).await;

    // Act: everyone holds at once, then every winner reserves (half of them paying at once).
    let holds = users
        .iter()
        .enumerate()
        .map(|(i, u)| hold_units(&app, u, perf.id, &product_id, json!(1 + i % 3)));
    let results = futures::future::join_all(holds).await;
    let mut held = 0;
    for (status, body) in &results {
        match *status {
            StatusCode::CREATED => {
                held += body["data"]["items"][0]["quantity"]
                    .as_i64()
                    .expect("quantity")
            }
            StatusCode::CONFLICT => assert_eq!(error_code(body), "SOLD_OUT", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let app = &app;
    let commits = results.iter().zip(&users).filter(|((s, _), _)| *s == StatusCode::CREATED).map(|((_, hold), user)| async move {
        app.post("/api/v1/wallet/charge", user, json!({ "amount": 100_000 })).await;
        let body = json!({ "holdId": hold["data"]["holdId"], "payNow": true, "attendee": { "name": "Fan", "phone": "010-2222-3333" } });
        app.post("/api/v1/reservations", user, body).await
    });
    let committed = futures::future::join_all(commits).await;

    // Assert
    assert!(held <= 40, "never more held than the stock: {held}");
    assert!(
        held >= 38,
        "demand exceeded the stock, so (almost) all of it was held: {held}"
    );
    assert!(
        committed.iter().all(|(s, _)| *s == StatusCode::CREATED),
        "every hold commits"
    );
    let remaining = app
        .query_count(&format!(
            "SELECT remaining::bigint FROM ga_products WHERE id = '{product_id}'"
        ))
        .await;
    let sold = app
        .query_count(
            "SELECT coalesce(sum(quantity), 0)::bigint FROM reservation_ga_items WHERE live",
        )
        .await;
    assert_eq!(remaining + sold, 40, "remaining + sold = capacity");
    assert_eq!(sold, held);
    assert_money_is_conserved(app).await;

    let late = app.user().await;
    let (status, body) = hold_units(app, &late, perf.id, &product_id, json!(4)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "SOLD_OUT")
    );
    assert_eq!(body["error"]["details"]["available"], remaining);
}

#[tokio::test]
async fn cancelled_units_go_back_on_sale() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let product_id = product(&app, perf.id, 3).await;
    let (alice, bob) = (app.user().await, app.user().await);
    let (_, hold) = hold_units(&app, &alice, perf.id, &product_id, json!(3)).await;
    let (status, r) = app
        .reserve(&alice, hold["data"]["holdId"].as_str().expect("id"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["data"]["totalAmount"], 90_000);
    assert_eq!(r["data"]["items"][0]["quantity"], 3);
    assert_eq!(
        hold_units(&app, &bob, perf.id, &product_id, json!(1))
            .await
            .0,
        StatusCode::CONFLICT
    );

    let id = r["data"]["reservationId"].as_str().expect("id");
    assert_eq!(
        app.post(
            &format!("/api/v1/reservations/{id}/cancel"),
            &alice,
            json!({})
        )
        .await
        .0,
        StatusCode::OK
    );

    let (_, products) = app
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/performances/{}/products", perf.id),
            None,
            None,
        )
        .await;
    assert_eq!(products["data"][0]["remaining"], 3);
    assert_eq!(
        hold_units(&app, &bob, perf.id, &product_id, json!(3))
            .await
            .0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn bad_general_admission_requests_get_clear_errors() {
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 2).await;
    let other = app.performance(1, 1, 2).await;
    let product_id = product(&app, perf.id, 10).await;
    let foreign = product(&app, other.id, 10).await;
    let user = app.user().await;

    for (quantity, status, code) in [
        (json!(0), StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
        (json!(-2), StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
        (json!(1.5), StatusCode::BAD_REQUEST, "VALIDATION_FAILED"),
        (
            json!(3),
            StatusCode::UNPROCESSABLE_ENTITY,
            "SEAT_LIMIT_EXCEEDED",
        ),
    ] {
        let (got, body) = hold_units(&app, &user, perf.id, &product_id, quantity.clone()).await;
        assert_eq!(
            (got, error_code(&body)),
            (status, code),
            "quantity {quantity}"
        );
    }
    let (status, _) = hold_units(&app, &user, perf.id, &foreign, json!(1)).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a product of another performance"
    );
    let (status, _) = app
        .post("/api/v1/holds", &user, json!({ "performanceId": perf.id, "productId": product_id, "seatIds": [perf.seat_ids[0]] }))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "seats and a product at once"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/performances/{}/products", perf.id),
            &app.admin,
            json!({ "name": "X", "price": -1, "capacity": 5 }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = app
        .post(
            &format!("/api/v1/admin/performances/{}/products", perf.id),
            &user,
            json!({ "name": "X", "price": 1, "capacity": 5 }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.query_count("SELECT count(*) FROM reservations").await,
        0
    );
    assert_eq!(
        app.query_count(&format!(
            "SELECT remaining::bigint FROM ga_products WHERE id = '{product_id}'"
        ))
        .await,
        10
    );
}
