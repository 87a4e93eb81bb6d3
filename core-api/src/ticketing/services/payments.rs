//! Payments: debit the wallet, confirm the reservation and sell its seats in one transaction.

use crate::error::ErrorCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use holdfast_contract::clock::Clock;
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    shared::storage::idempotency::Claim,
    ticketing::{
        domain::status::{PaymentStatus, ReservationStatus, SeatChangeReason, SeatStatus},
        storage::{
            lifecycle::{ChangedSeat, PaymentRow},
            reservations::{ReservationRepo, ReservationRow, ReservationTx},
        },
    },
};
use crate::{shared::services::auth::Caller, ticketing::services::stream::Publisher};

/// A reservation's payment from the wallet.
#[derive(Clone, Debug)]
pub(crate) struct Payment {
    pub(crate) payment_id: Uuid,
    pub(crate) reservation_id: Uuid,
    /// KRW.
    pub(crate) amount: i64,
    pub(crate) status: PaymentStatus,
    pub(crate) paid_at: DateTime<Utc>,
}

/// How the HTTP layer words a payment, for the Idempotency-Key answer stored in the payment's
/// own transaction.
pub(crate) type PaymentWording = fn(&Payment) -> serde_json::Value;

impl From<PaymentRow> for Payment {
    fn from(p: PaymentRow) -> Self {
        Payment {
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
    clock: Arc<dyn Clock>,
}

impl PaymentService {
    pub(crate) fn new(repo: ReservationRepo, publisher: Publisher, clock: Arc<dyn Clock>) -> Self {
        PaymentService {
            repo,
            publisher,
            clock,
        }
    }

    /// Pays in one transaction; with an Idempotency-Key `claim`, the answer is stored in it.
    pub(crate) async fn pay(
        &self,
        caller: Caller,
        reservation_id: Uuid,
        claim: Option<&Claim>,
        wording: PaymentWording,
    ) -> Result<Payment> {
        let tx = self.repo.begin().await?;
        let outcome = match tx.lock(reservation_id).await? {
            Some(reservation) => pay_locked(&tx, caller, &reservation, self.clock.now()).await,
            None => Err(Error::NotFound("reservation")),
        };
        match outcome {
            Ok((payment, sold)) => {
                let payment = Payment::from(payment);
                tx.commit_answering(claim, 201, &wording(&payment)).await?;
                metrics::counter!("payments_total", "result" => "paid").increment(1);
                self.publisher
                    .seats(&sold, SeatStatus::Sold, SeatChangeReason::Sold)
                    .await;
                Ok(payment)
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
pub(crate) async fn pay_locked(
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
    match r.status {
        ReservationStatus::Confirmed => {
            return Err(Error::conflict(
                ErrorCode::AlreadyPaid,
                "this reservation is already paid",
            ));
        }
        ReservationStatus::Cancelled => {
            return Err(Error::conflict(
                ErrorCode::ReservationCancelled,
                "this reservation was cancelled",
            ));
        }
        ReservationStatus::Expired => return Err(reservation_expired()),
        _ if r.expires_at <= now => return Err(reservation_expired()),
        _ => {}
    }
    if r.total_amount > 0 {
        let debited = tx.debit_wallet(r.user_id, r.total_amount, r.id).await?;
        if debited.is_none() {
            metrics::counter!("wallet_failures_total", "reason" => "insufficient_balance")
                .increment(1);
            let balance = tx.wallet_balance(r.user_id).await?;
            return Err(Error::InsufficientBalance {
                balance,
                required: r.total_amount,
            });
        }
    }
    Ok(tx.mark_paid(r).await?)
}

fn reservation_expired() -> Error {
    Error::conflict(
        ErrorCode::ReservationExpired,
        "this reservation expired before it was paid; its seats were released",
    )
}
