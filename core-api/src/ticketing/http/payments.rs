//! The shapes of `POST /payments` (its handler sits with the wallet's routes, whose money it
//! moves): the request, and the payment as the API words it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ticketing::{domain::status::PaymentStatus, services::payments::Payment};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentRequest {
    pub(crate) reservation_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentView {
    pub(crate) payment_id: Uuid,
    pub(crate) reservation_id: Uuid,
    /// KRW, integer.
    pub(crate) amount: i64,
    pub(crate) status: PaymentStatus,
    pub(crate) paid_at: DateTime<Utc>,
}

impl From<Payment> for PaymentView {
    fn from(p: Payment) -> Self {
        PaymentView {
            payment_id: p.payment_id,
            reservation_id: p.reservation_id,
            amount: p.amount,
            status: p.status,
            paid_at: p.paid_at,
        }
    }
}

impl PaymentView {
    /// The payment as its Idempotency-Key answer stores it (the `data` of the envelope).
    pub(crate) fn wording(payment: &Payment) -> serde_json::Value {
        serde_json::json!(PaymentView::from(payment.clone()))
    }
}
