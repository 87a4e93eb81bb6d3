//! Cancelling a reservation (owner or admin): its seats and units go back on sale and a paid
//! one is refunded to the owner's wallet, all in one `ReservationTx`.

use crate::error::ErrorCode;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::ReservationService;
use crate::{
    error::{Error, Result},
    shared::{services::auth::Caller, storage::audit},
    ticketing::{
        domain::status::{PaymentStatus, ReservationStatus, SeatChangeReason, SeatStatus},
        services::committed::Reservation,
        storage::{lifecycle::ChangedSeat, reservations::ReservationTx},
    },
};

impl ReservationService {
    /// Cancels a reservation (owner or admin): its seats go back on sale and, if it was paid,
    /// the payment is refunded to the owner's wallet. All in one transaction. The owner may do
    /// so only until the performance's cut-off (`CancelWindow`); an admin at any time, and an
    /// admin's cancellation is written to the audit log.
    pub(crate) async fn cancel(
        &self,
        caller: Caller,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Reservation> {
        self.cancel_because(caller, id, now, None).await
    }

    /// As [`Self::cancel`], with the admin's reason written to the audit entry.
    pub(crate) async fn cancel_because(
        &self,
        caller: Caller,
        id: Uuid,
        now: DateTime<Utc>,
        reason: Option<&str>,
    ) -> Result<Reservation> {
        let tx = self.repo.begin().await?;
        match self.cancel_locked(&tx, caller, (id, reason), now).await {
            Ok(freed) => {
                tx.commit().await?;
                metrics::counter!("reservations_cancelled_total").increment(1);
                self.store().seats_back_on_sale(&freed).await;
                self.publisher
                    .seats(&freed, SeatStatus::Available, SeatChangeReason::Cancelled)
                    .await;
                self.get(caller, id).await
            }
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    }

    async fn cancel_locked(
        &self,
        tx: &ReservationTx,
        caller: Caller,
        (id, reason): (Uuid, Option<&str>),
        now: DateTime<Utc>,
    ) -> Result<Vec<ChangedSeat>> {
        let r = tx.lock(id).await?.ok_or(Error::NotFound("reservation"))?;
        if r.user_id != caller.user_id && !caller.is_admin() {
            return Err(Error::Forbidden("this reservation belongs to someone else"));
        }
        if !caller.is_admin() {
            r.cancel_window().check_buyer(r.status, now)?;
        }
        let mut refunded = 0;
        match r.status {
            ReservationStatus::PendingPayment => {}
            ReservationStatus::Confirmed => {
                let payment = tx.payment_of(id).await?;
                if let Some(payment) = payment.filter(|p| p.status == PaymentStatus::Paid) {
                    refunded = payment.amount;
                    tx.mark_refunded(payment.id).await?;
                    if payment.amount > 0
                        && !tx.refund_to_wallet(r.user_id, payment.amount, id).await?
                    {
                        return Err(Error::Internal(anyhow::anyhow!(
                            "refund of {id} refused by the wallet"
                        )));
                    }
                }
            }
            other @ (ReservationStatus::Cancelled | ReservationStatus::Expired) => {
                return Err(Error::conflict(
                    ErrorCode::ReservationNotCancellable,
                    format!(
                        "a {} reservation cannot be cancelled",
                        other.as_str().to_lowercase()
                    ),
                ));
            }
        }
        if caller.is_admin() {
            let entry = audit::Entry {
                actor_id: caller.user_id,
                action: "reservation.cancel",
                entity_type: "reservation",
                entity_id: id,
                before: Some(json!({ "status": r.status, "ownerId": r.user_id })),
                after: Some(json!({
                    "status": "CANCELLED",
                    "refunded": refunded,
                    "pastBuyerDeadline": r.cancel_window().check_buyer(r.status, now).is_err(),
                    "reason": reason,
                })),
            };
            tx.audit(entry).await?;
        }
        Ok(tx.release(&[id], ReservationStatus::Cancelled).await?)
    }
}
