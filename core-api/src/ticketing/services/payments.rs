//! Payments: debit the wallet, confirm the reservation and sell its seats in one transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::{Error, ErrorCode, Result},
    shared::storage::{
        idempotency::Claim,
        wallets::{self, Movement},
    },
    ticketing::storage::{
        lifecycle::{self, ChangedSeat, PaymentRow},
        reservations::{ReservationRepo, ReservationRow, ReservationTx},
    },
};
use crate::{shared::services::auth::Caller, ticketing::services::stream::Publisher};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    pub reservation_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    pub payment_id: Uuid,
    pub reservation_id: Uuid,
    /// KRW, integer.
    pub amount: i64,
    #[schema(value_type = crate::ticketing::domain::status::PaymentStatus)]
    pub status: String,
    pub paid_at: DateTime<Utc>,
}

impl From<PaymentRow> for PaymentView {
    fn from(p: PaymentRow) -> Self {
        PaymentView {
            payment_id: p.id,
            reservation_id: p.reservation_id,
            amount: p.amount,
            status: p.status,
            paid_at: p.paid_at,
        }
    }
}

#[derive(Clone)]
pub struct PaymentService {
    repo: ReservationRepo,
    publisher: Publisher,
}

impl PaymentService {
    pub fn new(repo: ReservationRepo, publisher: Publisher) -> Self {
        PaymentService { repo, publisher }
    }

    /// Pays in one transaction; with an Idempotency-Key `claim`, the answer is stored in it.
    pub async fn pay(
        &self,
        caller: Caller,
        req: PaymentRequest,
        claim: Option<&Claim>,
    ) -> Result<PaymentView> {
        let tx = self.repo.begin().await?;
        let outcome = match lifecycle::lock(tx.conn(), req.reservation_id).await? {
            Some(reservation) => pay_locked(&tx, caller, &reservation, Utc::now()).await,
            None => Err(Error::NotFound("reservation")),
        };
        match outcome {
            Ok((payment, sold)) => {
                let view = PaymentView::from(payment);
                tx.commit_answering(claim, 201, &view).await?;
                metrics::counter!("payments_total", "result" => "paid").increment(1);
                self.publisher.seats(&sold, "SOLD", "SOLD").await;
                Ok(view)
            }
            Err(e) => {
                tx.rollback().await?;
                metrics::counter!("payments_total", "result" => e.code().as_str()).increment(1);
                Err(e)
            }
        }
    }
}

/// Pays a reservation whose row the transaction has locked. The caller commits.
pub async fn pay_locked(
    tx: &ReservationTx,
    caller: Caller,
    r: &ReservationRow,
    now: DateTime<Utc>,
) -> Result<(PaymentRow, Vec<ChangedSeat>)> {
    if r.user_id != caller.user_id {
        return Err(Error::Forbidden(
            "only the reservation's owner can pay for it",
        ));
    }
    match r.status.as_str() {
        "CONFIRMED" => {
            return Err(Error::conflict(
                ErrorCode::AlreadyPaid,
                "this reservation is already paid",
            ));
        }
        "CANCELLED" => {
            return Err(Error::conflict(
                ErrorCode::ReservationCancelled,
                "this reservation was cancelled",
            ));
        }
        "EXPIRED" => return Err(reservation_expired()),
        _ if r.expires_at <= now => return Err(reservation_expired()),
        _ => {}
    }
    if r.total_amount > 0 {
        wallets::ensure(tx.conn(), r.user_id).await?;
        let debited = wallets::apply(
            tx.conn(),
            r.user_id,
            Movement::Payment,
            r.total_amount,
            i64::MAX,
            Some(r.id),
        )
        .await?;
        if debited.is_none() {
            metrics::counter!("wallet_failures_total", "reason" => "insufficient_balance")
                .increment(1);
            let balance = wallets::get(tx.conn(), r.user_id)
                .await?
                .map_or(0, |w| w.balance);
            return Err(Error::InsufficientBalance {
                balance,
                required: r.total_amount,
            });
        }
    }
    Ok(lifecycle::mark_paid(tx.conn(), r).await?)
}

fn reservation_expired() -> Error {
    Error::conflict(
        ErrorCode::ReservationExpired,
        "this reservation expired before it was paid; its seats were released",
    )
}
