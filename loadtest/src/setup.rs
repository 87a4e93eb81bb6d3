//! Run setup: buyers inserted straight into PostgreSQL (one precomputed argon2 hash), access
//! tokens signed like core-api signs them (`holdfast_contract::claims`, core-api's HS256 key),
//! and a fresh performance created through the admin API so that runs never share seats.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use argon2::{
    Argon2, PasswordHasher,
    password_hash::{SaltString, rand_core::OsRng},
};
use chrono::{Duration as ChronoDuration, Utc};
use holdfast_contract::{
    claims::{AccessSigner, Role},
    token_keys::SignKey,
};
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::json;
use uuid::Uuid;

use crate::{
    client::{Api, Call},
    config::Common,
};

/// Password of every driver-created user (the real /auth/login sample uses it).
pub const PASSWORD: &str = "loadtest-password";

pub fn sql(query: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, query, values)
}

pub async fn connect(common: &Common) -> anyhow::Result<DatabaseConnection> {
    Database::connect(&common.database_url)
        .await
        .context("connecting to DATABASE_URL")
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub email: String,
}

/// A short random id naming this run's users and venue.
pub fn run_id() -> String {
    Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Inserts `n` users named `lt-<run>-<i>@loadtest.holdfast.dev` with role `role`.
pub async fn create_users(
    db: &DatabaseConnection,
    run: &str,
    n: usize,
    role: Role,
) -> anyhow::Result<Vec<User>> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing the load-test password: {e}"))?
        .to_string();
    let mut users = Vec::with_capacity(n);
    let mut start = 0usize;
    while start < n {
        let end = (start + 10_000).min(n);
        let rows = db
            .query_all_raw(sql(
                "INSERT INTO users (id, email, password_hash, name, role) \
                 SELECT gen_random_uuid(), 'lt-' || $1 || '-' || lower($2) || '-' || i || '@loadtest.holdfast.dev', \
                        $3, 'Load Test ' || i, $2 \
                   FROM generate_series($4::int, $5::int) AS i \
                 RETURNING id, email",
                [
                    run.into(),
                    role.as_str().into(),
                    hash.clone().into(),
                    (start as i32).into(),
                    (end as i32 - 1).into(),
                ],
            ))
            .await
            .context("inserting load-test users")?;
        for row in rows {
            users.push(User {
                id: row.try_get("", "id")?,
                email: row.try_get("", "email")?,
            });
        }
        start = end;
    }
    Ok(users)
}

/// An access token for `user`, signed like core-api signs its own (valid two hours).
pub fn mint_token(common: &Common, user: Uuid, role: Role) -> anyhow::Result<String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let signer = AccessSigner::new(
        &SignKey::hs256(&common.jwt_secret),
        &common.jwt_issuer,
        &common.jwt_audience,
        7200,
    );
    Ok(signer.sign(user, role, 0, now)?)
}

/// An admin of this run (created in PostgreSQL) and a token for it.
pub async fn admin_token(
    common: &Common,
    db: &DatabaseConnection,
    run: &str,
) -> anyhow::Result<String> {
    let admin = create_users(db, run, 1, Role::Admin).await?;
    let id = admin.first().map(|a| a.id).context("no admin created")?;
    mint_token(common, id, Role::Admin)
}

/// A seat of the created performance, in the order the venue lays them out (front first).
#[derive(Clone, Debug)]
pub struct Seat {
    pub id: String,
}

pub struct Performance {
    pub id: String,
    pub seats: Vec<Seat>,
}

/// What the performance should look like.
pub struct PerfSpec<'a> {
    pub run: &'a str,
    pub seats: usize,
    pub seats_per_row: usize,
    pub max_seats_per_user: i32,
    pub queue: Option<(i32, i32)>,
}

/// Creates venue → event → performance through the admin API, opens the sale and, when
/// asked, turns the waiting room on. Returns the performance with its seats.
pub async fn create_performance(
    api: &Api,
    admin: &str,
    spec: PerfSpec<'_>,
) -> anyhow::Result<Performance> {
    let per_row = spec.seats_per_row.clamp(1, spec.seats.max(1));
    let full_rows = spec.seats / per_row;
    let rest = spec.seats % per_row;
    let mut sections =
        vec![json!({"name": "FLOOR", "priceTier": "R", "rows": full_rows, "seatsPerRow": per_row})];
    if rest > 0 {
        sections.push(
            json!({"name": "BACK", "priceTier": "R", "rows": 1, "seatsPerRow": rest, "y": 100_000}),
        );
    }
    if full_rows == 0 {
        sections.remove(0);
    }
    let venue = ok(api
        .send(
            Call::new("admin", Method::POST, "/admin/venues")
                .token(admin)
                .json(json!({"name": format!("Load test {}", spec.run), "layout": {"sections": sections, "seats": []}})),
        )
        .await)?;
    let event = ok(api
        .send(
            Call::new("admin", Method::POST, "/admin/events")
                .token(admin)
                .json(json!({"venueId": venue["id"], "title": format!("Load test {}", spec.run)})),
        )
        .await)?;
    let now = Utc::now();
    let perf = ok(api
        .send(
            Call::new(
                "admin",
                Method::POST,
                format!("/admin/events/{}/performances", str_of(&event["id"])),
            )
            .token(admin)
            .json(json!({
                "startsAt": now + ChronoDuration::days(30),
                "saleOpensAt": now - ChronoDuration::minutes(1),
                "saleClosesAt": now + ChronoDuration::days(1),
                "maxSeatsPerUser": spec.max_seats_per_user,
                "queueEnabled": spec.queue.is_some(),
                "prices": {"R": 10_000},
            })),
        )
        .await)?;
    let perf_id = str_of(&perf["id"]);
    ok(api
        .send(
            Call::new(
                "admin",
                Method::POST,
                format!("/admin/performances/{perf_id}/open-sale"),
            )
            .token(admin),
        )
        .await)?;
    if let Some((admit, max_active)) = spec.queue {
        ok(api
            .send(
                Call::new(
                    "admin",
                    Method::PUT,
                    format!("/admin/performances/{perf_id}/queue"),
                )
                .token(admin)
                .json(json!({"enabled": true, "admitPerMinute": admit, "maxActive": max_active})),
            )
            .await)?;
    }
    let map = ok(api
        .send(Call::new(
            "admin",
            Method::GET,
            format!("/performances/{perf_id}/seats"),
        ))
        .await)?;
    let mut seats: Vec<(i64, i64, Seat)> = map["seats"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["y"].as_i64().unwrap_or(0),
                        s["x"].as_i64().unwrap_or(0),
                        Seat {
                            id: str_of(&s["id"]),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if seats.len() != spec.seats {
        bail!(
            "the performance has {} seats, expected {}",
            seats.len(),
            spec.seats
        );
    }
    seats.sort_by_key(|(y, x, _)| (*y, *x));
    Ok(Performance {
        id: perf_id,
        seats: seats.into_iter().map(|(_, _, s)| s).collect(),
    })
}

/// A JSON string or number as text (ids are strings today; be lenient).
pub fn str_of(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

fn ok(reply: crate::client::Reply) -> anyhow::Result<serde_json::Value> {
    if reply.ok() {
        Ok(reply.data().clone())
    } else {
        bail!("admin setup failed: HTTP {} {}", reply.status, reply.body)
    }
}
