//! A fresh PostgreSQL database per test, on the server of `TEST_DATABASE_URL` (the caller
//! runs the migrations), and its removal when the test's app or stack goes.

use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

use super::stores::base_database_url;

/// A new, empty database with a random name: (name, URL).
pub async fn create_database() -> (String, String) {
    let name = format!("holdfast_test_{}", Uuid::new_v4().simple());
    let admin = Database::connect(base_database_url())
        .await
        .expect("connect to the test Postgres server");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let url = base_database_url();
    let (server, _) = url.rsplit_once('/').unwrap_or((&url, ""));
    let url = format!("{server}/{name}");
    (name, url)
}

/// Drops the database `name`, from `Drop`: on a thread of its own, since `Drop` cannot await
/// and the test's runtime may already be shutting down.
pub fn drop_database(name: &str) {
    let name = name.to_owned();
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(runtime) = runtime {
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(base_database_url()).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        }
    })
    .join();
}
