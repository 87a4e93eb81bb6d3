//! Every SeaORM and fred call lives under here; services see plain Rust types.

pub mod breaker;
pub mod db;
pub mod entity;
pub mod holds;
pub mod redis;
pub mod repo;
