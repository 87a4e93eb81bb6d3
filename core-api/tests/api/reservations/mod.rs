//! Reservations: the commit, its conflicts, the failure knob, owner-only reads.
//!
//! The tests in `commit` and `refusals`.

mod commit;
mod refusals;

use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::{TestApp, error_code, uuids};
