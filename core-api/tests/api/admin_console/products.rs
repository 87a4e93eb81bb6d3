//! General-admission products for organizers: edited whole (never below what is sold and
//! held, a price change audited as such), refused field by field without a change, deleted
//! only while no unit was ever reserved.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, error_code};

async fn add_product(app: &TestApp, performance_id: Uuid, name: &str, capacity: i32) -> String {
    let (status, body) = app
        .post(
            &format!("/api/v1/admin/performances/{performance_id}/products"),
            &app.admin,
            json!({ "name": name, "price": 30_000, "capacity": capacity }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_str().expect("id").to_owned()
}

async fn put(app: &TestApp, id: &str, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("/api/v1/admin/products/{id}"),
        Some(app.admin.token.as_str()),
        Some(body),
    )
    .await
}

async fn delete(app: &TestApp, id: &str) -> (StatusCode, Value) {
    app.call(
        Method::DELETE,
        &format!("/api/v1/admin/products/{id}"),
        Some(app.admin.token.as_str()),
        None,
    )
    .await
}

/// The product as the console lists it (Null once it is gone).
async fn listed(app: &TestApp, performance_id: Uuid, id: &str) -> Value {
    let (status, list) = app
        .get(
            &format!("/api/v1/admin/performances/{performance_id}/products"),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["data"]
        .as_array()
        .expect("products")
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn hold(app: &TestApp, user: &TestUser, performance_id: Uuid, id: &str, n: u32) -> Value {
    let (status, body) = app
        .post(
            "/api/v1/holds",
            user,
            json!({ "performanceId": performance_id, "productId": id, "quantity": n }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Holds `n` units for a new buyer and turns the hold into a reservation.
async fn sell(app: &TestApp, performance_id: Uuid, id: &str, n: u32) {
    let buyer = app.user().await;
    let held = hold(app, &buyer, performance_id, id, n).await;
    let hold_id = held["data"]["holdId"].as_str().expect("hold id");
    let (status, body) = app.reserve(&buyer, hold_id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn audit_actions(app: &TestApp, id: &str) -> Vec<String> {
    let (status, entries) = app
        .get(
            &format!("/api/v1/admin/audit-log?targetType=product&targetId={id}"),
            &app.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    entries["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_product_is_edited_whole_and_a_price_change_is_audited_with_before_and_after() {
    // Arrange
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let id = add_product(&app, perf.id, "Standing", 10).await;

    // Act: every field at once, then the name only.
    let (status, edited) = put(
        &app,
        &id,
        json!({
            "name": "Standing (front)", "description": "Nearest the stage", "price": 40_000,
            "capacity": 12, "saleOpensAt": "2026-01-01T00:00:00Z", "saleClosesAt": "2099-01-01T00:00:00Z",
        }),
    )
    .await;
    let (renamed_status, renamed) = put(
        &app,
        &id,
        json!({ "name": "Standing", "description": "Nearest the stage", "price": 40_000, "capacity": 12 }),
    )
    .await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{edited}");
    let p = &edited["data"];
    assert_eq!(p["name"], "Standing (front)");
    assert_eq!(p["description"], "Nearest the stage");
    assert_eq!(
        (p["price"].as_i64(), p["capacity"].as_i64()),
        (Some(40_000), Some(12))
    );
    assert_eq!(p["remaining"], 12, "nothing sold: every unit remains");
    assert_eq!(p["saleOpensAt"], "2026-01-01T00:00:00Z");
    assert_eq!(renamed_status, StatusCode::OK, "{renamed}");
    assert_eq!(
        renamed["data"]["saleOpensAt"],
        Value::Null,
        "absent fields are cleared"
    );
    assert_eq!(listed(&app, perf.id, &id).await["name"], "Standing");
    assert_eq!(
        audit_actions(&app, &id).await,
        ["product.update", "product.price", "product.create"]
    );
    let priced = app
        .query_count(&format!(
            "SELECT count(*) FROM audit_log WHERE action = 'product.price' AND entity_id = '{id}' \
             AND (before ->> 'price')::bigint = 30000 AND (after ->> 'price')::bigint = 40000 \
             AND actor_id = '{}'",
            app.admin.id
        ))
        .await;
    assert_eq!(priced, 1);
}

#[tokio::test]
async fn each_bad_field_of_a_product_edit_is_refused_by_name_and_changes_nothing() {
    // Arrange
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let id = add_product(&app, perf.id, "Standing", 10).await;
    add_product(&app, perf.id, "Balcony standing", 5).await;
    let before = listed(&app, perf.id, &id).await;
    let good = json!({ "name": "Standing", "price": 30_000, "capacity": 10 });
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("name", json!("  ")), "name"),
        (with("name", json!("x".repeat(101))), "name"),
        (with("description", json!("x".repeat(2_001))), "description"),
        (with("price", json!(-1)), "price"),
        (with("price", json!(100_000_001)), "price"),
        (with("capacity", json!(0)), "capacity"),
        (with("capacity", json!(1_000_001)), "capacity"),
        (
            json!({ "name": "Standing", "price": 30_000, "capacity": 10,
                    "saleOpensAt": "2030-01-02T00:00:00Z", "saleClosesAt": "2030-01-01T00:00:00Z" }),
            "saleClosesAt",
        ),
    ];

    // Act / Assert
    for (body, field) in cases {
        let (status, refused) = put(&app, &id, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {refused}");
        assert_eq!(error_code(&refused), "VALIDATION_FAILED");
        assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
    }
    for body in [
        with("price", json!("thirty")),
        with("colour", json!("red")),
        json!({ "name": "Standing" }),
    ] {
        let (status, refused) = put(&app, &id, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(error_code(&refused), "VALIDATION_FAILED");
    }
    let (status, taken) = put(&app, &id, with("name", json!("Balcony standing"))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{taken}");
    assert_eq!(taken["error"]["details"]["field"], "name");
    assert_eq!(listed(&app, perf.id, &id).await, before, "nothing changed");
    assert_eq!(audit_actions(&app, &id).await, ["product.create"]);

    let unknown = Uuid::new_v4().to_string();
    let (status, missing) = put(&app, &unknown, good.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    assert_eq!(error_code(&missing), "NOT_FOUND");
    let (status, missing) = delete(&app, &unknown).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    let (status, _) = put(&app, "not-a-uuid", good).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_capacity_cannot_fall_below_the_units_sold_and_held() {
    // Arrange: 10 units, 3 reserved, 2 held.
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let id = add_product(&app, perf.id, "Standing", 10).await;
    sell(&app, perf.id, &id, 3).await;
    let holder = app.user().await;
    hold(&app, &holder, perf.id, &id, 2).await;
    let body = |capacity: i32| json!({ "name": "Standing", "price": 30_000, "capacity": capacity });

    // Act
    let (refused_status, refused) = put(&app, &id, body(4)).await;
    let after_refusal = listed(&app, perf.id, &id).await;
    let (status, shrunk) = put(&app, &id, body(5)).await;

    // Assert
    assert_eq!(refused_status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["details"]["field"], "capacity");
    assert_eq!(refused["error"]["details"]["minimum"], 5);
    assert_eq!(
        (
            after_refusal["capacity"].as_i64(),
            after_refusal["remaining"].as_i64()
        ),
        (Some(10), Some(7))
    );
    assert_eq!(status, StatusCode::OK, "{shrunk}");
    assert_eq!(
        (
            shrunk["data"]["capacity"].as_i64(),
            shrunk["data"]["remaining"].as_i64()
        ),
        (Some(5), Some(2)),
        "the sold units stay sold"
    );
    let latecomer = app.user().await;
    let (status, sold_out) = app
        .post(
            "/api/v1/holds",
            &latecomer,
            json!({ "performanceId": perf.id, "productId": id, "quantity": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{sold_out}");
    assert_eq!(error_code(&sold_out), "SOLD_OUT");
}

#[tokio::test]
async fn a_product_is_deleted_while_unsold_and_refused_with_has_sales_once_sold() {
    // Arrange
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let unsold = add_product(&app, perf.id, "Standing", 10).await;
    let sold = add_product(&app, perf.id, "Balcony standing", 10).await;
    sell(&app, perf.id, &sold, 1).await;

    // Act
    let (deleted, _) = delete(&app, &unsold).await;
    let (refused_status, refused) = delete(&app, &sold).await;
    let (again, _) = delete(&app, &unsold).await;

    // Assert
    assert_eq!(deleted, StatusCode::NO_CONTENT);
    assert_eq!(listed(&app, perf.id, &unsold).await, Value::Null);
    assert_eq!(
        audit_actions(&app, &unsold).await,
        ["product.delete", "product.create"]
    );
    assert_eq!(refused_status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(error_code(&refused), "HAS_SALES");
    assert_eq!(listed(&app, perf.id, &sold).await["remaining"], 9);
    assert_eq!(audit_actions(&app, &sold).await, ["product.create"]);
    assert_eq!(again, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_product_outside_its_own_sale_window_cannot_be_held() {
    // Arrange: the performance is on sale; the product opens next year.
    let app = TestApp::spawn().await;
    let perf = app.performance(1, 1, 4).await;
    let id = add_product(&app, perf.id, "Standing", 10).await;
    let opens = chrono::Utc::now() + chrono::Duration::days(365);
    let (status, edited) = put(
        &app,
        &id,
        json!({ "name": "Standing", "price": 30_000, "capacity": 10, "saleOpensAt": opens }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let buyer = app.user().await;

    // Act
    let (status, refused) = app
        .post(
            "/api/v1/holds",
            &buyer,
            json!({ "performanceId": perf.id, "productId": id, "quantity": 1 }),
        )
        .await;

    // Assert
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(error_code(&refused), "SALE_NOT_OPEN");
    assert_eq!(listed(&app, perf.id, &id).await["remaining"], 10);
}
