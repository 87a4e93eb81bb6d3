//! Orders for organizers: search, one order with its money and history, cancellation with
//! refund (idempotent), and a performance's attendee list as CSV.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    error::{Error, ErrorCode, Result},
    shared::services::auth::Caller,
    ticketing::{
        domain::status::ReservationStatus,
        services::{committed::Reservation, reservations::ReservationService},
        storage::orders::{AttendeeRow, OrderAudit, OrderRepo, OrderRow, PaymentLine, RefundLine},
    },
};

/// One order as the console shows it.
pub(crate) struct Order {
    pub(crate) row: OrderRow,
    pub(crate) reservation: Reservation,
    pub(crate) payments: Vec<PaymentLine>,
    pub(crate) refunds: Vec<RefundLine>,
    pub(crate) history: Vec<HistoryEntry>,
}

/// What happened to an order, when, and by whom (None: the system, e.g. expiry).
pub(crate) struct HistoryEntry {
    pub(crate) at: DateTime<Utc>,
    pub(crate) what: String,
    pub(crate) by: Option<Uuid>,
}

#[derive(Clone)]
pub(crate) struct OrderService {
    repo: OrderRepo,
    reservations: ReservationService,
}

impl OrderService {
    pub(crate) fn new(repo: OrderRepo, reservations: ReservationService) -> Self {
        OrderService { repo, reservations }
    }

    pub(crate) async fn search(
        &self,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<OrderRow>, u64)> {
        let query = crate::ticketing::services::admin::search_text(query)?;
        crate::ticketing::services::admin::check_page(limit, offset)?;
        Ok(self.repo.search(query, limit, offset).await?)
    }

    pub(crate) async fn order(&self, caller: Caller, id: Uuid) -> Result<Order> {
        let row = self.repo.order(id).await?.ok_or(Error::NotFound("order"))?;
        let reservation = self.reservations.get(caller, id).await?;
        let payments = self.repo.payments(id).await?;
        let refunds = self.repo.refunds(id).await?;
        let audit = self.repo.audit(id).await?;
        let history = history(&row, &payments, &refunds, &audit);
        Ok(Order {
            row,
            reservation,
            payments,
            refunds,
            history,
        })
    }

    /// Cancels the order, refunding it to the buyer's wallet if it was paid; an order already
    /// cancelled is answered as it is (nothing is refunded twice).
    pub(crate) async fn cancel(
        &self,
        caller: Caller,
        id: Uuid,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(Error::validation("reason", "1 to 500 characters"));
        }
        match self
            .reservations
            .cancel_because(caller, id, now, Some(reason))
            .await
        {
            Ok(_) => {}
            Err(Error::Conflict {
                code: ErrorCode::ReservationNotCancellable,
                ..
            }) if self
                .repo
                .order(id)
                .await?
                .is_some_and(|o| o.status == ReservationStatus::Cancelled) => {}
            Err(e) => return Err(e),
        }
        self.order(caller, id).await
    }

    pub(crate) async fn attendees(&self, performance_id: Uuid) -> Result<Vec<AttendeeRow>> {
        Ok(self.repo.attendees(performance_id).await?)
    }
}

fn history(
    row: &OrderRow,
    payments: &[PaymentLine],
    refunds: &[RefundLine],
    audit: &[OrderAudit],
) -> Vec<HistoryEntry> {
    let mut out = vec![HistoryEntry {
        at: row.created_at,
        what: "reserved".to_owned(),
        by: Some(row.buyer_id),
    }];
    for p in payments {
        out.push(HistoryEntry {
            at: p.paid_at,
            what: format!("paid {} KRW", p.amount),
            by: Some(row.buyer_id),
        });
    }
    for r in refunds {
        out.push(HistoryEntry {
            at: r.created_at,
            what: format!("refunded {} KRW to the wallet", r.amount),
            by: None,
        });
    }
    let admin_cancel = audit
        .iter()
        .find(|a| a.action == "reservation.cancel" || a.action == "reservations.bulk_cancel");
    match row.status {
        ReservationStatus::Cancelled => out.push(HistoryEntry {
            at: admin_cancel.map_or(row.updated_at, |a| a.at),
            what: match admin_cancel.map(|a| a.action.as_str()) {
                Some("reservations.bulk_cancel") => "cancelled with the performance".to_owned(),
                Some(_) => "cancelled by an organizer".to_owned(),
                None => "cancelled by the buyer".to_owned(),
            },
            by: admin_cancel.map_or(Some(row.buyer_id), |a| a.actor_id),
        }),
        ReservationStatus::Expired => out.push(HistoryEntry {
            at: row.updated_at,
            what: "expired unpaid".to_owned(),
            by: None,
        }),
        ReservationStatus::PendingPayment | ReservationStatus::Confirmed => {}
    }
    out.sort_by_key(|h| h.at);
    out
}
