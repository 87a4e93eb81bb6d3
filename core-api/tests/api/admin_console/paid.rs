//! Many paid reservations made straight in SQL (the API would take minutes for 10,000), with
//! wallets whose ledger adds up, and the money checks run after a cancellation.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::helpers::TestApp;

/// What each buyer's wallet was charged before buying.
pub const CHARGED: i64 = 10_000_000;

/// One reservation per seat of the performance, spread over `buyers` new buyers; every tenth
/// is unpaid (PENDING_PAYMENT), the rest CONFIRMED and paid from the buyer's wallet. Returns
/// (reservations, paid ones).
pub async fn reserve_every_seat(app: &TestApp, performance_id: Uuid, buyers: usize) -> (i64, i64) {
    let p = performance_id;
    let statements = [
        format!(
            "INSERT INTO users (id, email, password_hash, name) \
             SELECT gen_random_uuid(), 'bulk' || g || '@test.holdfast.dev', 'x', 'Bulk Buyer' \
             FROM generate_series(1, {buyers}) g"
        ),
        format!(
            "CREATE TABLE bulk_plan AS \
             SELECT s.id AS seat_id, s.price, gen_random_uuid() AS rid, u.id AS uid, s.n, s.n % 10 = 0 AS pending \
             FROM (SELECT id, price, row_number() OVER (ORDER BY id) AS n FROM seats WHERE performance_id = '{p}') s \
             JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM users WHERE email LIKE 'bulk%') u \
               ON u.k = s.n % {buyers}"
        ),
        format!(
            "INSERT INTO reservations (id, reservation_number, user_id, performance_id, hold_id, status, \
                 total_amount, attendee_name, attendee_phone, expires_at) \
             SELECT rid, 'BULK-' || n, uid, '{p}', gen_random_uuid(), \
                 CASE WHEN pending THEN 'PENDING_PAYMENT' ELSE 'CONFIRMED' END, price, 'Kim Minsu', \
                 '010-1234-5678', now() + interval '1 day' FROM bulk_plan"
        ),
        format!(
            "INSERT INTO reservation_seats (reservation_id, seat_id, performance_id, price) \
             SELECT rid, seat_id, '{p}', price FROM bulk_plan"
        ),
        "UPDATE seats SET status = CASE WHEN b.pending THEN 'RESERVED' ELSE 'SOLD' END, reservation_id = b.rid \
         FROM bulk_plan b WHERE seats.id = b.seat_id"
            .to_owned(),
        "INSERT INTO payments (id, reservation_id, user_id, amount) \
         SELECT gen_random_uuid(), rid, uid, price FROM bulk_plan WHERE NOT pending"
            .to_owned(),
        format!(
            "INSERT INTO wallets (user_id, balance, total_charged, total_used) \
             SELECT u.id, {CHARGED} - coalesce(sum(b.price) FILTER (WHERE NOT b.pending), 0), {CHARGED}, \
                 coalesce(sum(b.price) FILTER (WHERE NOT b.pending), 0) \
             FROM users u LEFT JOIN bulk_plan b ON b.uid = u.id WHERE u.email LIKE 'bulk%' GROUP BY u.id"
        ),
        format!(
            "INSERT INTO wallet_ledger (id, user_id, kind, amount, balance_after, created_at) \
             SELECT gen_random_uuid(), id, 'CHARGE', {CHARGED}, {CHARGED}, now() - interval '1 hour' \
             FROM users WHERE email LIKE 'bulk%'"
        ),
        format!(
            "INSERT INTO wallet_ledger (id, user_id, kind, amount, balance_after, reservation_id) \
             SELECT gen_random_uuid(), uid, 'PAYMENT', -price, \
                 {CHARGED} - sum(price) OVER (PARTITION BY uid ORDER BY rid), rid \
             FROM bulk_plan WHERE NOT pending"
        ),
        "DROP TABLE bulk_plan".to_owned(),
    ];
    for statement in statements {
        app.db
            .execute_raw(Statement::from_string(DbBackend::Postgres, statement))
            .await
            .expect("bulk insert");
    }
    let total = app
        .query_count(&format!(
            "SELECT count(*) FROM reservations WHERE performance_id = '{p}'"
        ))
        .await;
    let paid = app
        .query_count(&format!(
            "SELECT count(*) FROM reservations WHERE performance_id = '{p}' AND status = 'CONFIRMED'"
        ))
        .await;
    (total, paid)
}

/// Every reservation of the performance CANCELLED, every paid one refunded exactly once,
/// every seat back, and every wallet's balance the sum of its ledger (here: all it was
/// charged, since everything it paid came back).
pub async fn assert_all_cancelled_and_refunded_once(
    app: &TestApp,
    performance_id: Uuid,
    paid: i64,
) {
    let p = performance_id;
    let count = |sql: String| async move { app.query_count(&sql).await };
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM reservations WHERE performance_id = '{p}' AND status <> 'CANCELLED'"
        ))
        .await,
        0,
        "a reservation is not CANCELLED"
    );
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM seats WHERE performance_id = '{p}' AND status <> 'AVAILABLE'"
        ))
        .await,
        0
    );
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM reservation_seats WHERE performance_id = '{p}' AND live"
        ))
        .await,
        0
    );
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM payments y JOIN reservations r ON r.id = y.reservation_id \
             WHERE r.performance_id = '{p}' AND y.status <> 'REFUNDED'"
        ))
        .await,
        0,
        "a payment was not refunded"
    );
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM wallet_ledger l JOIN reservations r ON r.id = l.reservation_id \
             WHERE r.performance_id = '{p}' AND l.kind = 'REFUND'"
        ))
        .await,
        paid,
        "not one refund per paid reservation"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM (SELECT reservation_id FROM wallet_ledger WHERE kind = 'REFUND' \
             GROUP BY reservation_id HAVING count(*) > 1) twice"
                .to_owned()
        )
        .await,
        0,
        "a reservation was refunded twice"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM wallets w WHERE w.balance <> \
             (SELECT coalesce(sum(amount), 0) FROM wallet_ledger l WHERE l.user_id = w.user_id) \
             OR w.total_charged - w.total_used <> w.balance"
                .to_owned()
        )
        .await,
        0,
        "a wallet's balance is not the sum of its ledger"
    );
    assert_eq!(
        count(format!(
            "SELECT count(*) FROM wallets w JOIN users u ON u.id = w.user_id \
             WHERE u.email LIKE 'bulk%' AND w.balance <> {CHARGED}"
        ))
        .await,
        0,
        "a buyer did not get all their money back"
    );
}
