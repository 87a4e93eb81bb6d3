//! The admission policies a request passes before it may reach core-api, one per file, in
//! pipeline order: header hygiene and request id, access-token check, rate limits, waiting-room
//! pass, duplicate blocking with sequencing. The waiting room itself lives in `queue` (with `standing`, `prequeue`, `fairness`); its
//! pass and ticket tokens are `holdfast_contract::queue_pass` (core-api checks passes too).

pub mod auth;
pub mod dedupe;
pub mod fairness;
pub mod friction;
pub mod hygiene;
pub mod pow;
pub mod prequeue;
pub mod queue;
pub mod rate_limit;
pub mod standing;
pub mod ticker;
