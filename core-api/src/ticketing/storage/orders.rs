//! Orders as organizers look them up: search by reservation number, buyer e-mail, attendee
//! name or phone; one order with its payment, refund and history; a performance's attendees.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::{
    shared::storage::users::like_escape,
    storage::{StoreResult, count, sql},
    ticketing::domain::status::ReservationStatus,
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct OrderRow {
    pub(crate) id: Uuid,
    pub(crate) reservation_number: String,
    pub(crate) performance_id: Uuid,
    pub(crate) event_title: String,
    pub(crate) status: ReservationStatus,
    pub(crate) total_amount: i64,
    pub(crate) buyer_id: Uuid,
    pub(crate) buyer_email: String,
    pub(crate) buyer_name: String,
    pub(crate) attendee_name: String,
    pub(crate) attendee_phone: String,
    pub(crate) attendee_email: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

const ORDER_SELECT: &str = "SELECT r.id, r.reservation_number, r.performance_id, e.title AS event_title, \
     r.status, r.total_amount, u.id AS buyer_id, u.email AS buyer_email, u.name AS buyer_name, \
     r.attendee_name, r.attendee_phone, r.attendee_email, r.created_at, r.updated_at \
     FROM reservations r JOIN users u ON u.id = r.user_id \
     JOIN performances p ON p.id = r.performance_id JOIN events e ON e.id = p.event_id";

/// Matches the number exactly (any case), or the buyer's e-mail, attendee name or phone in part.
const ORDER_FILTER: &str = "($1::text IS NULL OR r.reservation_number = upper($1) \
     OR u.email ILIKE $2 OR r.attendee_name ILIKE $2 OR r.attendee_phone ILIKE $2)";

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct PaymentLine {
    pub(crate) id: Uuid,
    pub(crate) amount: i64,
    pub(crate) status: String,
    pub(crate) paid_at: DateTime<Utc>,
    pub(crate) refunded_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct RefundLine {
    pub(crate) id: Uuid,
    pub(crate) amount: i64,
    pub(crate) created_at: DateTime<Utc>,
}

/// An audit entry about the order (an admin's cancellation, or a job's batch that had it).
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct OrderAudit {
    pub(crate) at: DateTime<Utc>,
    pub(crate) action: String,
    pub(crate) actor_id: Option<Uuid>,
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct AttendeeRow {
    pub(crate) reservation_number: String,
    pub(crate) status: String,
    pub(crate) section: Option<String>,
    pub(crate) row_label: Option<String>,
    pub(crate) number: Option<i32>,
    pub(crate) attendee_name: String,
    pub(crate) attendee_phone: String,
    pub(crate) attendee_email: Option<String>,
    pub(crate) buyer_email: String,
    pub(crate) paid_at: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub(crate) struct OrderRepo {
    db: DatabaseConnection,
}

impl OrderRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        OrderRepo { db }
    }

    /// Newest first, and how many match in all.
    pub(crate) async fn search(
        &self,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> StoreResult<(Vec<OrderRow>, u64)> {
        let pattern = query.map(|q| format!("%{}%", like_escape(q)));
        let items = OrderRow::find_by_statement(sql(
            &format!(
                "{ORDER_SELECT} WHERE {ORDER_FILTER} ORDER BY r.created_at DESC, r.id DESC LIMIT $3 OFFSET $4"
            ),
            [
                query.map(str::to_owned).into(),
                pattern.clone().into(),
                (limit as i64).into(),
                (offset as i64).into(),
            ],
        ))
        .all(&self.db)
        .await?;
        let total = count(
            &self.db,
            &format!(
                "SELECT count(*) AS n FROM reservations r JOIN users u ON u.id = r.user_id WHERE {ORDER_FILTER}"
            ),
            [query.map(str::to_owned).into(), pattern.into()],
        )
        .await?;
        Ok((items, total as u64))
    }

    pub(crate) async fn order(&self, id: Uuid) -> StoreResult<Option<OrderRow>> {
        OrderRow::find_by_statement(sql(&format!("{ORDER_SELECT} WHERE r.id = $1"), [id.into()]))
            .one(&self.db)
            .await
            .map_err(Into::into)
    }

    pub(crate) async fn payments(&self, id: Uuid) -> StoreResult<Vec<PaymentLine>> {
        PaymentLine::find_by_statement(sql(
            "SELECT id, amount, status, paid_at, refunded_at FROM payments WHERE reservation_id = $1",
            [id.into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    pub(crate) async fn refunds(&self, id: Uuid) -> StoreResult<Vec<RefundLine>> {
        RefundLine::find_by_statement(sql(
            "SELECT id, amount, created_at FROM wallet_ledger WHERE reservation_id = $1 AND kind = 'REFUND'",
            [id.into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Admin actions on the order: its own entries, and cancellation batches that named it.
    pub(crate) async fn audit(&self, id: Uuid) -> StoreResult<Vec<OrderAudit>> {
        OrderAudit::find_by_statement(sql(
            "SELECT at, action, actor_id FROM audit_log \
             WHERE (entity_type = 'reservation' AND entity_id = $1) \
                OR (action = 'reservations.bulk_cancel' AND after -> 'reservationIds' ? $2) \
             ORDER BY id",
            [id.into(), id.to_string().into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Every reservation of the performance with its seats (one line per seat; one line
    /// without a seat for general admission), in number order.
    pub(crate) async fn attendees(&self, performance_id: Uuid) -> StoreResult<Vec<AttendeeRow>> {
        AttendeeRow::find_by_statement(sql(
            "SELECT r.reservation_number, r.status, s.section, s.row_label, s.number, \
                 r.attendee_name, r.attendee_phone, r.attendee_email, u.email AS buyer_email, y.paid_at \
             FROM reservations r JOIN users u ON u.id = r.user_id \
             LEFT JOIN payments y ON y.reservation_id = r.id \
             LEFT JOIN reservation_seats rs ON rs.reservation_id = r.id \
             LEFT JOIN seats s ON s.id = rs.seat_id \
             WHERE r.performance_id = $1 \
             ORDER BY r.reservation_number, s.section, s.row_label, s.number",
            [performance_id.into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }
}
