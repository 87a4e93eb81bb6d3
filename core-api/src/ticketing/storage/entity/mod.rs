//! SeaORM entities for this context's tables written through the entity API.

pub mod events;
pub mod performances;
pub mod venues;
