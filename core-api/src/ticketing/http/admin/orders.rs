//! `/admin/orders`: find an order, see it with its money and history, cancel it with a
//! refund; `/admin/performances/{id}/attendees.csv`: the attendee list.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    error::Result,
    http::{
        extract::{AdminCaller, ApiJson, ApiPath, ApiQuery, Data},
        page::{Page, page_schema},
    },
    startup::AppState,
    ticketing::{
        domain::status::ReservationStatus,
        http::reservations::{AttendeeView, ReservationView},
        services::orders::Order,
        storage::orders::{AttendeeRow, OrderRow},
    },
};

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_orders))
        .routes(routes!(get_order))
        .routes(routes!(cancel_order))
        .routes(routes!(attendees_csv))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct OrdersQuery {
    /// A reservation number (exact, any case), or part of the buyer's e-mail, the attendee's
    /// name or phone (at most 100 characters).
    q: Option<String>,
    /// 1-100, default 50.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u64>,
    /// Orders to skip (0-100000), default 0.
    #[param(minimum = 0, maximum = 100000)]
    offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BuyerView {
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
}

/// An order in a search result.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderSummary {
    pub(crate) reservation_id: Uuid,
    pub(crate) reservation_number: String,
    pub(crate) performance_id: Uuid,
    pub(crate) event_title: String,
    pub(crate) status: ReservationStatus,
    pub(crate) total_amount: i64,
    pub(crate) buyer: BuyerView,
    pub(crate) attendee: AttendeeView,
    pub(crate) created_at: DateTime<Utc>,
}

impl From<OrderRow> for OrderSummary {
    fn from(o: OrderRow) -> Self {
        OrderSummary {
            reservation_id: o.id,
            reservation_number: o.reservation_number,
            performance_id: o.performance_id,
            event_title: o.event_title,
            status: o.status,
            total_amount: o.total_amount,
            buyer: BuyerView {
                id: o.buyer_id,
                email: o.buyer_email,
                name: o.buyer_name,
            },
            attendee: AttendeeView {
                name: o.attendee_name,
                phone: o.attendee_phone,
                email: o.attendee_email,
            },
            created_at: o.created_at,
        }
    }
}

page_schema!(OrderPage = OrderSummary);

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentLineView {
    pub(crate) payment_id: Uuid,
    pub(crate) amount: i64,
    /// PAID or REFUNDED.
    pub(crate) status: String,
    pub(crate) paid_at: DateTime<Utc>,
    pub(crate) refunded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefundView {
    /// The wallet ledger line of the refund.
    pub(crate) ledger_id: Uuid,
    pub(crate) amount: i64,
    pub(crate) at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryView {
    pub(crate) at: DateTime<Utc>,
    pub(crate) what: String,
    /// Who did it; null for the system (expiry, refunds).
    pub(crate) by: Option<Uuid>,
}

/// One order: the reservation (as its owner sees it) with the event, the buyer, its payment,
/// refund and history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderView {
    #[serde(flatten)]
    pub(crate) reservation: ReservationView,
    pub(crate) event_title: String,
    pub(crate) buyer: BuyerView,
    pub(crate) payments: Vec<PaymentLineView>,
    pub(crate) refunds: Vec<RefundView>,
    pub(crate) history: Vec<HistoryView>,
}

impl From<Order> for OrderView {
    fn from(o: Order) -> Self {
        OrderView {
            reservation: o.reservation.into(),
            event_title: o.row.event_title,
            buyer: BuyerView {
                id: o.row.buyer_id,
                email: o.row.buyer_email,
                name: o.row.buyer_name,
            },
            payments: o
                .payments
                .into_iter()
                .map(|p| PaymentLineView {
                    payment_id: p.id,
                    amount: p.amount,
                    status: p.status,
                    paid_at: p.paid_at,
                    refunded_at: p.refunded_at,
                })
                .collect(),
            refunds: o
                .refunds
                .into_iter()
                .map(|r| RefundView {
                    ledger_id: r.id,
                    amount: r.amount,
                    at: r.created_at,
                })
                .collect(),
            history: o
                .history
                .into_iter()
                .map(|h| HistoryView {
                    at: h.at,
                    what: h.what,
                    by: h.by,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CancelOrderRequest {
    /// Why (1 to 500 characters); written to the audit log.
    pub(crate) reason: String,
}

/// Orders, newest first: by reservation number (exact), buyer e-mail, attendee name or phone.
#[utoipa::path(get, path = "/admin/orders", tag = "admin", security(("bearer" = [])), params(OrdersQuery),
    responses((status = 200, body = OrderPage), (status = 400), (status = 403)))]
async fn search_orders(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiQuery(q): ApiQuery<OrdersQuery>,
) -> Result<Data<OrderPage>> {
    let limit = q.limit.unwrap_or(50);
    let offset = q.offset.unwrap_or(0);
    let (items, total) = state
        .services
        .orders
        .search(q.q.as_deref(), limit, offset)
        .await?;
    Ok(Data(Page::of(items, total, (limit, offset))))
}

/// One order with its seats, payment, refund and history.
#[utoipa::path(get, path = "/admin/orders/{reservationId}", tag = "admin", security(("bearer" = [])),
    params(("reservationId" = Uuid, Path)), responses((status = 200, body = OrderView), (status = 403), (status = 404)))]
async fn get_order(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<OrderView>> {
    Ok(Data(state.services.orders.order(caller, id).await?.into()))
}

/// Cancels an order at any time; a paid one is refunded to the buyer's wallet, exactly once.
/// Cancelling an order that is already cancelled answers with it and changes nothing.
#[utoipa::path(post, path = "/admin/orders/{reservationId}/cancel", tag = "admin", security(("bearer" = [])),
    params(("reservationId" = Uuid, Path)), request_body = CancelOrderRequest,
    responses((status = 200, body = OrderView), (status = 400), (status = 403), (status = 404),
    (status = 409, description = "RESERVATION_NOT_CANCELLABLE: it expired unpaid")))]
async fn cancel_order(
    State(state): State<AppState>,
    AdminCaller(caller): AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CancelOrderRequest>,
) -> Result<Data<OrderView>> {
    let now = state.services.clock.now();
    Ok(Data(
        state
            .services
            .orders
            .cancel(caller, id, &req.reason, now)
            .await?
            .into(),
    ))
}

/// The performance's attendees as CSV: one line per seat (general admission: one per
/// order), every status, in reservation-number order.
#[utoipa::path(get, path = "/admin/performances/{id}/attendees.csv", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403), (status = 404)))]
async fn attendees_csv(
    State(state): State<AppState>,
    _: AdminCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response> {
    state.services.admin.stats(id).await?;
    let rows = state.services.orders.attendees(id).await?;
    let mut csv = String::from(
        "reservationNumber,status,section,row,number,attendeeName,phone,email,buyerEmail,paidAt\r\n",
    );
    for r in rows {
        csv.push_str(&csv_line(&r));
    }
    let disposition = format!("attachment; filename=\"attendees-{id}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}

fn csv_line(r: &AttendeeRow) -> String {
    let fields = [
        r.reservation_number.clone(),
        r.status.clone(),
        r.section.clone().unwrap_or_default(),
        r.row_label.clone().unwrap_or_default(),
        r.number.map(|n| n.to_string()).unwrap_or_default(),
        r.attendee_name.clone(),
        r.attendee_phone.clone(),
        r.attendee_email.clone().unwrap_or_default(),
        r.buyer_email.clone(),
        r.paid_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
    ];
    let mut line = fields.map(|f| csv_field(&f)).join(",");
    line.push_str("\r\n");
    line
}

/// RFC 4180 quoting, and a leading `=`, `+`, `-` or `@` defused so a spreadsheet never runs a
/// buyer-typed name as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Kim"), "Kim");
        assert_eq!(csv_field("Kim, Minsu"), "\"Kim, Minsu\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
