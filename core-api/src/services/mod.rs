//! Business rules. Handlers call these; these call the stores in `storage`.

pub mod admin;
pub mod auth;
pub mod catalog;
pub mod holds;
pub mod queue;
pub mod queue_pass;
pub mod reservations;
pub mod views;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    config::Config,
    storage::{
        redis::{Redis, holds::HoldStore},
        repo::{
            catalog::CatalogRepo, reservations::ReservationRepo, seats::SeatRepo, users::UserRepo,
        },
    },
};

/// Every service, wired once at start-up and shared by all requests.
#[derive(Clone)]
pub struct Services {
    pub auth: auth::AuthService,
    pub catalog: catalog::CatalogService,
    pub holds: holds::HoldService,
    pub reservations: reservations::ReservationService,
    pub admin: admin::AdminService,
    // Waiting room (gateway issue): settings, Redis mirror, pass check on holds.
    pub queue: queue::QueueService,
    pub queue_pass: queue_pass::QueuePassCheck,
}

impl Services {
    pub fn new(config: Arc<Config>, db: DatabaseConnection, redis: Redis) -> Self {
        let users = UserRepo::new(db.clone());
        let catalog = CatalogRepo::new(db.clone());
        let seats = SeatRepo::new(db.clone());
        // Waiting room (gateway issue): repo first, before `db` moves.
        let queue_repo = crate::storage::repo::queue::QueueRepo::new(db.clone());
        let reservations = ReservationRepo::new(db);
        let queue = queue::QueueService::new(
            queue_repo.clone(),
            crate::storage::redis::queue::QueueMirror::new(redis.clone()),
        );
        let queue_pass = queue_pass::QueuePassCheck::new(&config, queue_repo);
        let hold_store = HoldStore::new(redis);
        let holds = holds::HoldService::new(
            config.clone(),
            catalog.clone(),
            seats.clone(),
            hold_store.clone(),
        );
        Services {
            auth: auth::AuthService::new(&config, users),
            catalog: catalog::CatalogService::new(catalog.clone(), seats, hold_store.clone()),
            reservations: reservations::ReservationService::new(
                config,
                catalog.clone(),
                reservations,
                hold_store.clone(),
                holds.clone(),
            ),
            admin: admin::AdminService::new(catalog, hold_store),
            holds,
            queue,
            queue_pass,
        }
    }
}
