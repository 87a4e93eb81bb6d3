//! Starting a core-api for a test: fresh stores (a database with migrations run, a Redis key
//! prefix), the app on port 0, an admin user, and the database dropped when the app goes.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use core_api::{
    app::Services, config::Config, shared::domain::Role, shared::services::auth::JwtKeys,
    startup::Application,
};
use holdfast_contract::testing::{create_database, drop_database, redis_url};
use migration::MigratorTrait;
use sea_orm::{Database, DatabaseConnection};
use tokio::{net::TcpListener, task::JoinHandle};
use uuid::Uuid;

/// Where a test's app points; several apps may share one (two instances, one store).
#[derive(Clone)]
pub struct Stores {
    pub database_name: String,
    pub database_url: String,
    pub redis_prefix: String,
    pub jwt_secret: String,
}

impl Stores {
    pub async fn fresh() -> Self {
        let (database_name, database_url) = create_database().await;
        Self::migrated(database_name, database_url).await
    }

    /// A fresh database on another server (a test's own primary), given its URL with no
    /// database name: `postgres://user@host:port`. It goes with that server.
    pub async fn fresh_on(server: &str) -> Self {
        let database_name = format!("holdfast_test_{}", Uuid::new_v4().simple());
        let admin = Database::connect(format!("{server}/postgres"))
            .await
            .expect("connect to the server");
        sea_orm::ConnectionTrait::execute_unprepared(
            &admin,
            &format!("CREATE DATABASE {database_name}"),
        )
        .await
        .expect("create the test database");
        let database_url = format!("{server}/{database_name}");
        Self::migrated(database_name, database_url).await
    }

    async fn migrated(database_name: String, database_url: String) -> Self {
        let db = Database::connect(&database_url)
            .await
            .expect("connect to the test database");
        migration::Migrator::up(&db, None).await.expect("migrate");
        Stores {
            database_name,
            database_url,
            redis_prefix: format!("test:{}:", Uuid::new_v4().simple()),
            jwt_secret: holdfast_contract::testing::random_secret(),
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub metrics_addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub stores: Stores,
    pub jwt: Arc<JwtKeys>,
    pub admin: TestUser,
    /// The instance's services, for tests that drive one below HTTP.
    pub services: Arc<Services>,
    server: JoinHandle<()>,
    owns_stores: bool,
}

#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: Uuid,
    pub token: String,
}

/// A performance made through the admin API, seats in map order.
pub struct Performance {
    pub id: Uuid,
    pub seat_ids: Vec<Uuid>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let stores = Stores::fresh().await;
        Self::spawn_on(stores, true, tweak).await
    }

    /// An app on stores made by the caller; it drops the database when it goes.
    pub async fn spawn_on_stores(stores: Stores) -> Self {
        Self::spawn_on(stores, true, |_| {}).await
    }

    /// As `spawn_on_stores`, with settings changed by `tweak`.
    pub async fn spawn_on_stores_with(
        stores: Stores,
        tweak: impl FnOnce(&mut HashMap<String, String>),
    ) -> Self {
        Self::spawn_on(stores, true, tweak).await
    }

    /// A second instance on the same database and Redis prefix.
    pub async fn sibling(&self, tweak: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        Self::spawn_on(self.stores.clone(), false, tweak).await
    }

    async fn spawn_on(
        stores: Stores,
        owns_stores: bool,
        tweak: impl FnOnce(&mut HashMap<String, String>),
    ) -> Self {
        let mut vars: HashMap<String, String> = [
            ("DATABASE_URL", stores.database_url.clone()),
            ("REDIS_URL", redis_url()),
            ("CORE_REDIS_KEY_PREFIX", stores.redis_prefix.clone()),
            ("CORE_JWT_SECRET", stores.jwt_secret.clone()),
            ("CORE_DEPENDENCY_TIMEOUT_MS", "1000".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        tweak(&mut vars);
        let config = Config::from_vars(vars).expect("valid test config");
        let api = TcpListener::bind("127.0.0.1:0").await.expect("bind api");
        let metrics = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind metrics");
        let app = Application::with_listeners(config, api, metrics)
            .await
            .expect("build app");
        let addr = app.local_addr().expect("addr");
        let metrics_addr = app.metrics_addr().expect("metrics addr");
        let jwt = app.state().services.auth.jwt.clone();
        let services = app.state().services.clone();
        let server = tokio::spawn(async move {
            let _ = app.run_until_stopped(std::future::pending()).await;
        });
        let db = Database::connect(&stores.database_url)
            .await
            .expect("connect test db");
        let mut test_app = TestApp {
            addr,
            metrics_addr,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            db,
            stores,
            jwt,
            services,
            admin: TestUser {
                id: Uuid::nil(),
                token: String::new(),
            },
            server,
            owns_stores,
        };
        test_app.admin = test_app.user_with_role(Role::Admin).await;
        test_app
    }

    /// Stops serving (as if the instance died); its database stays for the others.
    pub fn stop(&self) {
        self.server.abort();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if !self.owns_stores {
            return;
        }
        drop_database(&self.stores.database_name);
    }
}
