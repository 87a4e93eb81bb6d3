//! SeaORM entities for the tables written through the entity API.

pub mod events;
pub mod performances;
pub mod refresh_tokens;
pub mod users;
pub mod venues;
