//! Database schema for Holdfast: every migration is plain SQL with a matching `down`.
//!
//! Constraints here are the last line of defence for the invariants in DESIGN.md:
//! a seat can be in only one live reservation, statuses are CHECKed, ids are FKs.

pub use sea_orm_migration::prelude::*;

/// Declares a migration whose `up` and `down` are SQL scripts run as-is.
macro_rules! sql_migration {
    ($up:expr, $down:expr) => {
        use sea_orm_migration::prelude::*;

        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                manager
                    .get_connection()
                    .execute_unprepared($up)
                    .await
                    .map(|_| ())
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                manager
                    .get_connection()
                    .execute_unprepared($down)
                    .await
                    .map(|_| ())
            }
        }
    };
}

mod m20261121_000001_create_users;
mod m20261121_000002_create_venues;
mod m20261121_000003_create_events;
mod m20261121_000004_create_seats;
mod m20261121_000005_create_reservations;
mod m20261121_000006_create_wallets;
mod m20261121_000007_create_general_admission;
mod m20261121_000100_add_queue_settings;
mod m20261121_000200_create_resources;
mod m20261121_000300_index_seat_lookups;
mod m20261121_000400_reserve_seats_function;
mod m20261121_000500_reserve_seats_batch;
mod m20261207_000130_alter_users;
mod m20261207_000150_add_refund_cutoff_performances;
mod m20261208_100000_create_teams;
mod m20261208_100100_create_notifications;
mod m20261208_200100_add_performance_cancellation;
mod m20261208_200200_extend_venue_layouts;
mod m20261208_300100_add_queue_limits_performances;
mod m20261209_200100_extend_ga_products;
mod m20261209_210000_add_team_calendars;
mod m20261209_220100_add_queue_bot_friction_performances;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_venues::Migration),
            Box::new(m20261121_000003_create_events::Migration),
            Box::new(m20261121_000004_create_seats::Migration),
            Box::new(m20261121_000005_create_reservations::Migration),
            Box::new(m20261121_000006_create_wallets::Migration),
            Box::new(m20261121_000007_create_general_admission::Migration),
            Box::new(m20261121_000100_add_queue_settings::Migration),
            Box::new(m20261121_000200_create_resources::Migration),
            Box::new(m20261121_000300_index_seat_lookups::Migration),
            Box::new(m20261121_000400_reserve_seats_function::Migration),
            Box::new(m20261121_000500_reserve_seats_batch::Migration),
            Box::new(m20261207_000130_alter_users::Migration),
            Box::new(m20261207_000150_add_refund_cutoff_performances::Migration),
            Box::new(m20261208_100000_create_teams::Migration),
            Box::new(m20261208_100100_create_notifications::Migration),
            Box::new(m20261208_200100_add_performance_cancellation::Migration),
            Box::new(m20261208_200200_extend_venue_layouts::Migration),
            Box::new(m20261208_300100_add_queue_limits_performances::Migration),
            Box::new(m20261209_200100_extend_ga_products::Migration),
            Box::new(m20261209_210000_add_team_calendars::Migration),
            Box::new(m20261209_220100_add_queue_bot_friction_performances::Migration),
        ]
    }
}
