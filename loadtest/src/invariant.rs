//! The invariant check run after every scenario: reads PostgreSQL (and Redis) directly and
//! says PASS or FAIL with the reason for each rule.

use fred::prelude::*;
use holdfast_contract::keys;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{config::Common, setup::sql};

/// One rule's outcome.
pub struct Check {
    pub name: &'static str,
    pub pass: bool,
    pub detail: String,
}

pub struct Outcome {
    pub checks: Vec<Check>,
    pub sold: i64,
    pub capacity: i64,
}

impl Outcome {
    pub fn pass(&self) -> bool {
        self.checks.iter().all(|c| c.pass)
    }

    pub fn print(&self) {
        println!("\ninvariant check");
        for c in &self.checks {
            println!(
                "  [{}] {:<44} {}",
                if c.pass { "PASS" } else { "FAIL" },
                c.name,
                c.detail
            );
        }
        println!("INVARIANTS: {}", if self.pass() { "PASS" } else { "FAIL" });
    }

    pub fn json(&self) -> Value {
        json!({
            "pass": self.pass(),
            "sold": self.sold,
            "capacity": self.capacity,
            "checks": self.checks.iter().map(|c| json!({"name": c.name, "pass": c.pass, "detail": c.detail})).collect::<Vec<_>>(),
        })
    }
}

async fn scalar(db: &DatabaseConnection, query: &str, perf: Uuid) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(sql(query, [perf.into()]))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row from: {query}"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Checks every rule for `perf`. `sold_out_expected`: demand exceeded capacity, so every
/// seat must be sold. The wallet rule covers every wallet of the run's `users`.
pub async fn check(
    common: &Common,
    db: &DatabaseConnection,
    perf: Uuid,
    sold_out_expected: bool,
) -> anyhow::Result<Outcome> {
    let mut checks = Vec::new();
    let mut rule = |name, bad: i64, detail: String| {
        checks.push(Check {
            name,
            pass: bad == 0,
            detail,
        })
    };

    let double = scalar(
        db,
        "SELECT count(*) FROM (SELECT rs.seat_id FROM reservation_seats rs \
           JOIN reservations r ON r.id = rs.reservation_id \
          WHERE rs.performance_id = $1 AND r.status IN ('PENDING_PAYMENT', 'CONFIRMED') \
          GROUP BY rs.seat_id HAVING count(*) > 1) t",
        perf,
    )
    .await?;
    rule(
        "no seat in two live reservations",
        double,
        format!("{double} seats in more than one"),
    );

    let mismatched = scalar(
        db,
        "SELECT count(*) FROM seats s \
          WHERE s.performance_id = $1 AND ( \
            (s.status IN ('RESERVED', 'SOLD')) <> EXISTS ( \
               SELECT 1 FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id \
                WHERE rs.seat_id = s.id AND rs.live AND r.id = s.reservation_id \
                  AND r.status IN ('PENDING_PAYMENT', 'CONFIRMED')) \
            OR (s.status = 'SOLD') <> EXISTS (SELECT 1 FROM reservations r \
                WHERE r.id = s.reservation_id AND r.status = 'CONFIRMED'))",
        perf,
    )
    .await?;
    rule(
        "seat status agrees with its reservation",
        mismatched,
        format!("{mismatched} seats disagree"),
    );

    let capacity = scalar(
        db,
        "SELECT count(*) FROM seats WHERE performance_id = $1",
        perf,
    )
    .await?;
    let sold = scalar(
        db,
        "SELECT count(*) FROM reservation_seats rs JOIN reservations r ON r.id = rs.reservation_id \
          WHERE rs.performance_id = $1 AND r.status = 'CONFIRMED'",
        perf,
    )
    .await?;
    rule(
        "sold <= capacity",
        i64::from(sold > capacity),
        format!("{sold} sold of {capacity}"),
    );
    if sold_out_expected {
        rule(
            "sold = capacity (demand exceeded it)",
            i64::from(sold != capacity),
            format!("{sold} sold of {capacity}"),
        );
    }

    let unpaid = scalar(
        db,
        "SELECT count(*) FROM reservations r WHERE r.performance_id = $1 AND r.status = 'CONFIRMED' \
           AND (SELECT count(*) FROM payments p WHERE p.reservation_id = r.id AND p.status = 'PAID' \
                   AND p.amount = r.total_amount) <> 1",
        perf,
    )
    .await?;
    rule(
        "every CONFIRMED reservation paid exactly once",
        unpaid,
        format!("{unpaid} not paid exactly once"),
    );
    let stray = scalar(
        db,
        "SELECT count(*) FROM payments p JOIN reservations r ON r.id = p.reservation_id \
          WHERE r.performance_id = $1 AND p.status = 'PAID' AND r.status <> 'CONFIRMED'",
        perf,
    )
    .await?;
    rule(
        "no PAID payment on an unconfirmed reservation",
        stray,
        format!("{stray} stray payments"),
    );

    let all_ledger = scalar(
        db,
        "SELECT count(*) FROM wallets w WHERE $1::uuid IS NOT NULL AND \
           w.balance <> (SELECT coalesce(sum(amount), 0) FROM wallet_ledger l WHERE l.user_id = w.user_id)",
        perf,
    )
    .await?;
    rule(
        "every balance = its ledger",
        all_ledger,
        format!("{all_ledger} wallets of the database disagree"),
    );

    let stale = redis_stale_claims(common, db, perf).await?;
    rule(
        "Redis: no seat claim by an already-converted hold",
        stale.0,
        format!(
            "{} seat keys ({} conversion markers), {} by converted holds",
            stale.1, stale.2, stale.0
        ),
    );

    Ok(Outcome {
        checks,
        sold,
        capacity,
    })
}

/// (claims whose hold already became a reservation, seat keys, 'R' conversion markers).
async fn redis_stale_claims(
    common: &Common,
    db: &DatabaseConnection,
    perf: Uuid,
) -> anyhow::Result<(i64, i64, i64)> {
    let config = Config::from_url(&common.redis_url)?;
    let client = Builder::from_config(config).build()?;
    client.init().await?;
    let pattern = format!("{}{}", common.redis_prefix, keys::seat_claims_pattern(perf));
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        // The pattern carries the performance's hash tag, so on a cluster the page is read
        // from the node serving that slot (a plain SCAN would reach any node).
        let (next, batch): (String, Vec<String>) = client
            .scan_page(cursor.clone(), pattern.clone(), Some(1000), None)
            .await?;
        keys.extend(batch);
        if next == "0" {
            break;
        }
        cursor = next;
    }
    let mut holds: Vec<String> = Vec::new();
    for chunk in keys.chunks(500) {
        let values: Vec<Option<String>> = client.mget(chunk.to_vec()).await?;
        holds.extend(values.into_iter().flatten());
    }
    let _ = client.quit().await;
    let markers = holds.iter().filter(|h| h.as_str() == "R").count() as i64;
    let hold_ids: Vec<Uuid> = holds.iter().filter_map(|h| h.parse().ok()).collect();
    let converted = if hold_ids.is_empty() {
        0
    } else {
        let row = db
            .query_one_raw(sql(
                "SELECT count(*) FROM reservations WHERE performance_id = $1 AND hold_id = ANY($2) \
                   AND status IN ('PENDING_PAYMENT', 'CONFIRMED')",
                [perf.into(), hold_ids.into()],
            ))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no row"))?;
        row.try_get_by_index::<i64>(0)?
    };
    Ok((converted, keys.len() as i64, markers))
}
