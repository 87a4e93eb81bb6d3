//! SeaORM entities for this context's tables written through the entity API.

pub mod refresh_tokens;
pub mod users;
