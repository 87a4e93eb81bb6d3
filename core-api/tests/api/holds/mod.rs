//! Holds: contention, all-or-nothing, limits, release, extension, bad input.
//!
//! Contention in `contention`, one hold's life in `one_hold`, refusals in `refusals`, best
//! available in `best_available`.

mod best_available;
mod bound_pass;
mod contention;
mod one_hold;
mod refusals;

use std::collections::{HashMap, HashSet};

use rand::{Rng, seq::IndexedRandom};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, error_code, eventually, redis_client, uuids};
