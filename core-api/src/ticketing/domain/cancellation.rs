//! Until when a buyer may cancel a reservation: a paid one until the performance's refund
//! cut-off (`refund_cutoff_minutes` before it starts), an unpaid one until the start (no money
//! moves). Admins are not bound by it.

use crate::error::ErrorCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::{
    error::{Error, Result},
    ticketing::domain::status::ReservationStatus,
};

/// The most a refund cut-off may be: a year before the start.
pub(crate) const MAX_REFUND_CUTOFF_MINUTES: i32 = 525_600;

/// A performance's start and refund cut-off, as a reservation of it sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelWindow {
    pub starts_at: DateTime<Utc>,
    pub refund_cutoff_minutes: i32,
}

impl CancelWindow {
    /// From this instant on a buyer can no longer cancel a paid reservation.
    pub(crate) fn refund_cutoff_at(&self) -> DateTime<Utc> {
        self.starts_at - Duration::minutes(i64::from(self.refund_cutoff_minutes.max(0)))
    }

    /// Until when (exclusive) a buyer may cancel a reservation in `status`; `None` when that
    /// status cannot be cancelled at all.
    pub(crate) fn buyer_deadline(&self, status: ReservationStatus) -> Option<DateTime<Utc>> {
        match status {
            ReservationStatus::Confirmed => Some(self.refund_cutoff_at()),
            ReservationStatus::PendingPayment => Some(self.starts_at),
            ReservationStatus::Cancelled | ReservationStatus::Expired => None,
        }
    }

    /// Refuses a buyer's cancellation at `now` once the deadline for `status` has passed
    /// (422 `CANCELLATION_CLOSED`, details saying until when it was possible).
    pub(crate) fn check_buyer(&self, status: ReservationStatus, now: DateTime<Utc>) -> Result<()> {
        match self.buyer_deadline(status) {
            Some(deadline) if now >= deadline => Err(Error::rule(
                ErrorCode::CancellationClosed,
                if status == ReservationStatus::Confirmed {
                    format!(
                        "paid tickets can be cancelled for a refund until {} minutes before the performance starts",
                        self.refund_cutoff_minutes
                    )
                } else {
                    "the performance has started; the reservation can no longer be cancelled"
                        .to_owned()
                },
                json!({
                    "cancellableUntil": deadline,
                    "startsAt": self.starts_at,
                    "refundCutoffMinutes": self.refund_cutoff_minutes,
                }),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(cutoff: i32) -> CancelWindow {
        CancelWindow {
            starts_at: DateTime::from_timestamp(1_900_000_000, 0).unwrap_or_default(),
            refund_cutoff_minutes: cutoff,
        }
    }

    #[test]
    fn a_paid_reservation_closes_at_the_cutoff_an_unpaid_one_at_the_start() {
        let w = window(60);
        let cutoff = w.starts_at - Duration::minutes(60);
        assert_eq!(w.buyer_deadline(ReservationStatus::Confirmed), Some(cutoff));
        assert_eq!(
            w.buyer_deadline(ReservationStatus::PendingPayment),
            Some(w.starts_at)
        );
        assert_eq!(w.buyer_deadline(ReservationStatus::Cancelled), None);
        assert_eq!(w.buyer_deadline(ReservationStatus::Expired), None);

        let just_before = cutoff - Duration::microseconds(1);
        assert!(
            w.check_buyer(ReservationStatus::Confirmed, just_before)
                .is_ok()
        );
        let closed = w
            .check_buyer(ReservationStatus::Confirmed, cutoff)
            .map_err(|e| e.code());
        assert_eq!(closed, Err(ErrorCode::CancellationClosed));
        assert!(
            w.check_buyer(ReservationStatus::PendingPayment, cutoff)
                .is_ok()
        );
        assert!(
            w.check_buyer(ReservationStatus::PendingPayment, w.starts_at)
                .is_err()
        );
    }

    #[test]
    fn the_refusal_says_until_when_it_was_possible() {
        let w = window(1440);
        let Err(Error::Rule { details, .. }) =
            w.check_buyer(ReservationStatus::Confirmed, w.starts_at)
        else {
            panic!("expected a rule error");
        };
        assert_eq!(details["cancellableUntil"], json!(w.refund_cutoff_at()));
        assert_eq!(details["refundCutoffMinutes"], 1440);
    }

    #[test]
    fn a_zero_cutoff_allows_a_refund_up_to_the_start() {
        let w = window(0);
        assert_eq!(w.refund_cutoff_at(), w.starts_at);
        assert!(
            w.check_buyer(
                ReservationStatus::Confirmed,
                w.starts_at - Duration::seconds(1)
            )
            .is_ok()
        );
    }
}
