//! SeaORM entities for this context's tables written through the entity API.

pub(crate) mod events;
pub(crate) mod performances;
pub(crate) mod venues;
