//! Every SeaORM and fred call lives under here; services see plain Rust types.

pub mod db;
pub mod entity;
pub mod redis;
pub mod repo;
