//! Business rules of this context. Handlers call these; these call the stores in `storage`.

pub(crate) mod accounts;
pub(crate) mod audit;
pub mod auth;
pub(crate) mod hashing;
pub(crate) mod notifications;
pub(crate) mod sessions;
pub(crate) mod wallet;
