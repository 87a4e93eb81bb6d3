//! `holdfast-seed`: the local demo's data, and the one-time creation of a deployment's first
//! admin.
//!
//! - `holdfast-seed` seeds the demo (demo accounts, venues, events, shared servers). For local
//!   demos only: `scripts/up` runs it; docker-compose only when `SEED_DEMO=1` is set.
//! - `holdfast-seed bootstrap-admin` creates the first ADMIN from `HOLDFAST_ADMIN_EMAIL` and
//!   `HOLDFAST_ADMIN_PASSWORD` (or the password on standard input), only while no admin exists.
//!
//! Exit status: 0 done, 1 failed (a store unreachable, ...), 2 bad usage or input, 3 refused
//! (an admin exists already, or the e-mail belongs to an account).

mod bootstrap;
mod demo;

use std::{collections::HashMap, process::ExitCode};

use core_api::config::Config;

const USAGE: &str =
    "usage: holdfast-seed                  seed the local demo (demo accounts and data)
       holdfast-seed bootstrap-admin  create the first admin from HOLDFAST_ADMIN_EMAIL and
                                      HOLDFAST_ADMIN_PASSWORD (or the password on stdin),
                                      only while no admin exists
Both read DATABASE_URL; the demo also REDIS_URL.";

/// Exit statuses (see the module docs).
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_REFUSED: u8 = 3;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => demo::run().await.map(|()| ExitCode::SUCCESS),
        ["bootstrap-admin"] => bootstrap::run().await,
        ["-h" | "--help"] => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            eprintln!("{USAGE}");
            Ok(ExitCode::from(EXIT_USAGE))
        }
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("holdfast-seed: {e:#}");
        ExitCode::from(EXIT_FAILED)
    })
}

/// The service's own configuration from the environment. The seed signs no tokens: it
/// reuses the service wiring with a throwaway key.
fn config() -> anyhow::Result<Config> {
    let vars: HashMap<String, String> = std::env::vars().collect();
    Ok(Config::from_vars_signing_nothing(vars)?)
}
