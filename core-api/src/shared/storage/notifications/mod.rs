//! The notification outbox of both products: enqueueing in the caller's own transaction
//! (`enqueue_*`, idempotent by key), the scheduled scans (reminders, reservations about to
//! expire), and the worker's claim / settle of due rows. Preferences and team webhooks are in
//! `settings`.

mod settings;

pub(crate) use settings::{Preferences, Webhook};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, FromQueryResult, TransactionTrait,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::storage::{StoreResult, sql};

/// One e-mail to a user. `key` must name this exact notification (a repeat is dropped).
pub(crate) async fn enqueue_email(
    c: &impl ConnectionTrait,
    key: &str,
    event: &str,
    user_id: Uuid,
    payload: &Value,
) -> StoreResult<()> {
    c.execute_raw(sql(
        "INSERT INTO notification_outbox (idempotency_key, event, channel, user_id, payload) \
         VALUES ($1, $2, 'email', $3, $4) ON CONFLICT (idempotency_key) DO NOTHING",
        [
            format!("{key}:email:{user_id}").into(),
            event.into(),
            user_id.into(),
            payload.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// One webhook call per hook of `team_id` that wants `event`.
pub(crate) async fn enqueue_team_hooks(
    c: &impl ConnectionTrait,
    key: &str,
    event: &str,
    team_id: Uuid,
    payload: &Value,
) -> StoreResult<()> {
    c.execute_raw(sql(
        "INSERT INTO notification_outbox (idempotency_key, event, channel, webhook_id, payload) \
         SELECT $1 || ':webhook:' || h.id, $2, 'webhook', h.id, $4 FROM team_webhooks h \
         WHERE h.team_id = $3 AND (h.events IS NULL OR $2 = ANY (h.events)) \
         ON CONFLICT (idempotency_key) DO NOTHING",
        [
            key.into(),
            event.into(),
            team_id.into(),
            payload.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A reservation confirmed by its payment: "reservation confirmed" and "payment received",
/// in the payment's transaction.
pub(crate) async fn enqueue_paid(
    c: &impl ConnectionTrait,
    (reservation_id, user_id): (Uuid, Uuid),
    reservation_number: &str,
    amount: i64,
) -> StoreResult<()> {
    let payload = json!({ "reservationId": reservation_id, "reservationNumber": reservation_number, "amount": amount });
    enqueue_email(
        c,
        &format!("reservationConfirmed:{reservation_id}"),
        "reservationConfirmed",
        user_id,
        &payload,
    )
    .await?;
    enqueue_email(
        c,
        &format!("paymentReceived:{reservation_id}"),
        "paymentReceived",
        user_id,
        &payload,
    )
    .await
}

/// The reservations of a cancelled performance, each with what was refunded: one e-mail to
/// each buyer, in the cancellation batch's own transaction (set-based: one statement a batch).
pub(crate) async fn enqueue_performance_cancelled(
    c: &impl ConnectionTrait,
    reservation_ids: &[Uuid],
) -> StoreResult<()> {
    if reservation_ids.is_empty() {
        return Ok(());
    }
    c.execute_raw(sql(
        "INSERT INTO notification_outbox (idempotency_key, event, channel, user_id, payload) \
         SELECT 'performanceCancelled:' || r.id || ':email:' || r.user_id, 'performanceCancelled', \
             'email', r.user_id, jsonb_build_object('reservationId', r.id, \
             'reservationNumber', r.reservation_number, 'amount', coalesce((SELECT sum(p.amount) \
                 FROM payments p WHERE p.reservation_id = r.id AND p.status = 'REFUNDED'), 0)::bigint) \
         FROM reservations r WHERE r.id = ANY($1) \
         ON CONFLICT (idempotency_key) DO NOTHING",
        [reservation_ids.to_vec().into()],
    ))
    .await?;
    Ok(())
}

/// The columns a booking notification's payload carries, from `b` (resource_bookings), `r`
/// (resources) and `u` (users).
pub(crate) const BOOKING_PAYLOAD: &str = "jsonb_build_object('bookingId', b.id, 'title', b.title, \
     'resourceName', r.name, 'startAt', b.start_at, 'endAt', b.end_at, 'timeZone', r.policy_time_zone, \
     'holderName', u.name)";

/// A booking event (created / changed / cancelled) as of now in the transaction: an e-mail
/// to its holder and a call to each of its team's hooks. `version` tells repeats apart.
pub(crate) async fn enqueue_booking(
    c: &impl ConnectionTrait,
    event: &str,
    booking_id: Uuid,
    version: i32,
) -> StoreResult<()> {
    #[derive(FromQueryResult)]
    struct Row {
        user_id: Uuid,
        team_id: Uuid,
        payload: Value,
    }
    let row = Row::find_by_statement(sql(
        &format!(
            "SELECT b.user_id, r.team_id, {BOOKING_PAYLOAD} AS payload FROM resource_bookings b \
             JOIN resources r ON r.id = b.resource_id JOIN users u ON u.id = b.user_id WHERE b.id = $1"
        ),
        [booking_id.into()],
    ))
    .one(c)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let key = format!("{event}:{booking_id}:{version}");
    enqueue_email(c, &key, event, row.user_id, &row.payload).await?;
    enqueue_team_hooks(c, &key, event, row.team_id, &row.payload).await
}

/// A due delivery, with what rendering it needs about its recipient.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct Due {
    pub(crate) id: i64,
    pub(crate) event: String,
    pub(crate) channel: String,
    pub(crate) payload: Value,
    pub(crate) attempts: i32,
    pub(crate) email: Option<String>,
    pub(crate) user_name: Option<String>,
    /// The user's language (e-mail) or the team's (webhook).
    pub(crate) locale: Option<String>,
    pub(crate) email_on: Option<bool>,
    pub(crate) events: Option<Value>,
    pub(crate) time_zone: Option<String>,
    pub(crate) url: Option<String>,
}

/// The outbox's store: scans that enqueue, and batches of due rows held under row locks.
#[derive(Clone)]
pub(crate) struct Outbox {
    db: DatabaseConnection,
}

/// Due rows locked by one worker for the rest of its transaction (`SKIP LOCKED`: others take
/// other rows). Dropping it without `commit` puts them back.
pub(crate) struct Claimed {
    txn: DatabaseTransaction,
    pub(crate) rows: Vec<Due>,
}

impl Outbox {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Outbox { db }
    }

    /// Reminders for bookings starting within each holder's reminder time (once per booking
    /// and start time), and warnings for reservations expiring within `expiring_minutes`.
    pub(crate) async fn scan(&self, now: DateTime<Utc>, expiring_minutes: i64) -> StoreResult<()> {
        let reminders = format!(
            "WITH due AS ( \
               SELECT b.id, b.user_id, r.team_id, extract(epoch FROM b.start_at)::bigint AS at, {BOOKING_PAYLOAD} AS payload \
               FROM resource_bookings b JOIN resources r ON r.id = b.resource_id JOIN users u ON u.id = b.user_id \
               LEFT JOIN notification_preferences p ON p.user_id = b.user_id \
               WHERE b.status = 'active' AND b.start_at > $1 \
                 AND b.start_at <= $1 + make_interval(mins => coalesce(p.reminder_minutes, 15))), \
             mail AS ( \
               INSERT INTO notification_outbox (idempotency_key, event, channel, user_id, payload) \
               SELECT 'bookingReminder:' || id || ':' || at || ':email:' || user_id, 'bookingReminder', 'email', user_id, payload \
               FROM due ON CONFLICT (idempotency_key) DO NOTHING) \
             INSERT INTO notification_outbox (idempotency_key, event, channel, webhook_id, payload) \
             SELECT 'bookingReminder:' || d.id || ':' || d.at || ':webhook:' || h.id, 'bookingReminder', 'webhook', h.id, d.payload \
             FROM due d JOIN team_webhooks h ON h.team_id = d.team_id \
             WHERE h.events IS NULL OR 'bookingReminder' = ANY (h.events) \
             ON CONFLICT (idempotency_key) DO NOTHING"
        );
        self.db.execute_raw(sql(&reminders, [now.into()])).await?;
        self.db
            .execute_raw(sql(
                "INSERT INTO notification_outbox (idempotency_key, event, channel, user_id, payload) \
                 SELECT 'reservationExpiring:' || id || ':email:' || user_id, 'reservationExpiring', 'email', user_id, \
                   jsonb_build_object('reservationId', id, 'reservationNumber', reservation_number, \
                     'amount', total_amount, 'expiresAt', expires_at) \
                 FROM reservations WHERE status = 'PENDING_PAYMENT' AND expires_at > $1 \
                   AND expires_at <= $1 + make_interval(mins => $2::int) \
                 ON CONFLICT (idempotency_key) DO NOTHING",
                [now.into(), (expiring_minutes as i32).into()],
            ))
            .await?;
        Ok(())
    }

    /// Up to `limit` due rows, locked for this worker.
    pub(crate) async fn claim(&self, now: DateTime<Utc>, limit: u64) -> StoreResult<Claimed> {
        let txn = self.db.begin().await?;
        let rows = Due::find_by_statement(sql(
            "SELECT o.id, o.event, o.channel, o.payload, o.attempts, u.email, u.name AS user_name, \
               coalesce(p.locale, t.locale) AS locale, p.email AS email_on, p.events, p.time_zone, h.url \
             FROM notification_outbox o \
             LEFT JOIN users u ON u.id = o.user_id \
             LEFT JOIN notification_preferences p ON p.user_id = o.user_id \
             LEFT JOIN team_webhooks h ON h.id = o.webhook_id \
             LEFT JOIN teams t ON t.id = h.team_id \
             WHERE o.delivered_at IS NULL AND o.next_attempt_at <= $1 \
             ORDER BY o.next_attempt_at, o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED",
            [now.into(), (limit as i64).into()],
        ))
        .all(&txn)
        .await?;
        Ok(Claimed { txn, rows })
    }
}

impl Claimed {
    /// Delivered (`sent`) or deliberately not (`skipped`).
    pub(crate) async fn settle(&self, id: i64, outcome: &str) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "UPDATE notification_outbox SET delivered_at = now(), outcome = $2, attempts = attempts + 1 WHERE id = $1",
                [id.into(), outcome.into()],
            ))
            .await?;
        Ok(())
    }

    /// Failed this time: tried again at `next`.
    pub(crate) async fn retry(&self, id: i64, next: DateTime<Utc>, error: &str) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1",
                [id.into(), next.into(), error.chars().take(500).collect::<String>().into()],
            ))
            .await?;
        Ok(())
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        Ok(self.txn.commit().await?)
    }
}
