//! Business rules of this context. Handlers call these; these call the stores in `storage`.

pub mod accounts;
pub mod auth;
pub mod hashing;
pub mod sessions;
pub mod wallet;
