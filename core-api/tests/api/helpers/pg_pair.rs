//! A PostgreSQL primary with a streaming read replica for one test: started on free ports by
//! scripts/lib.sh's `pg_pair_start` (the same function `scripts/up` uses), stopped and removed
//! when dropped.

use std::{path::PathBuf, process::Command, time::Duration};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

use super::eventually;

pub struct PgPair {
    dir: String,
    pub primary_port: u16,
    pub replica_port: u16,
}

fn lib_sh() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/lib.sh")
}

/// Runs `script` with scripts/lib.sh sourced; its stdout, or a panic with what it printed.
fn with_lib(script: &str, args: &[&str]) -> String {
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail; source \"$1\"; shift; {script}"))
        .arg("holdfast-test")
        .arg(lib_sh())
        .args(args)
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl PgPair {
    /// A fresh pair, streaming (a few seconds: initdb, a base backup, two starts).
    pub async fn start() -> Self {
        tokio::task::spawn_blocking(|| {
            // A pair half started when something fails is removed before the panic.
            let out = with_lib(
                "trap '[[ $? == 0 ]] || stop_started_services' EXIT; pg_pair_start >&2; \
                 printf '%s %s %s\\n' \"$PG_PAIR_DIR\" \"$PG_PAIR_PRIMARY_PORT\" \"$PG_PAIR_REPLICA_PORT\"",
                &[],
            );
            let mut words = out.split_whitespace();
            let mut next = || words.next().expect("pg_pair_start's output").to_owned();
            let (dir, primary, replica) = (next(), next(), next());
            PgPair {
                dir,
                primary_port: primary.parse().expect("primary port"),
                replica_port: replica.parse().expect("replica port"),
            }
        })
        .await
        .expect("start the pair")
    }

    /// The primary's URL without a database (for `Stores::fresh_on`).
    pub fn primary_server(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.primary_port)
    }

    /// The replica's URL for `database`.
    pub fn replica_url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}",
            self.replica_port
        )
    }

    /// Stops the replica (`pg_ctl stop -m fast`: its sessions are ended, new ones refused).
    pub async fn stop_replica(&self) {
        self.replica_ctl("stop").await;
    }

    /// Starts the replica again on its port and waits until it answers.
    pub async fn start_replica(&self) {
        self.replica_ctl("start").await;
    }

    async fn replica_ctl(&self, action: &'static str) {
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            with_lib("pg_pair_node \"$1\" replica \"$2\"", &[&dir, action]);
        })
        .await
        .expect("pg_pair_node");
    }

    async fn replica_admin(&self) -> DatabaseConnection {
        Database::connect(self.replica_url("postgres"))
            .await
            .expect("connect to the replica")
    }

    /// Stops applying WAL on the replica (it still answers, with what it had): from now on
    /// it falls behind every write on the primary.
    pub async fn pause_replay(&self) {
        let db = self.replica_admin().await;
        db.execute_unprepared("SELECT pg_wal_replay_pause()")
            .await
            .expect("pause replay");
        let paused = eventually(Duration::from_secs(10), || async {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT pg_get_wal_replay_pause_state() = 'paused'",
                ))
                .await
                .ok()
                .flatten();
            row.and_then(|r| r.try_get_by_index::<bool>(0).ok())
                .unwrap_or(false)
        })
        .await;
        assert!(paused, "replay on the replica paused");
    }

    pub async fn resume_replay(&self) {
        self.replica_admin()
            .await
            .execute_unprepared("SELECT pg_wal_replay_resume()")
            .await
            .expect("resume replay");
    }
}

impl Drop for PgPair {
    fn drop(&mut self) {
        // Blocking is fine here: the pair's servers stop in well under a second.
        let _ = Command::new("bash")
            .arg("-c")
            .arg("source \"$1\"; pg_pair_stop \"$2\"")
            .arg("holdfast-test")
            .arg(lib_sh())
            .arg(&self.dir)
            .output();
    }
}
