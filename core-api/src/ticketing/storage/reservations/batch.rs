//! The group commit's statements: several reservations in one `ReservationTx`, each in its
//! own savepoint, and undoing the ones whose holds could not be converted.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

use super::{BatchItem, NewReservation, ReservationTx, Reserved};
use crate::storage::{StoreResult, sql};

impl ReservationTx {
    /// Several reservations in this transaction (group commit), each in its own savepoint:
    /// one refused item (seats gone, over the limit, hold already reserved) leaves the others
    /// written. One outcome per item, in order. Any other error fails them all.
    pub(crate) async fn reserve_batch(
        &self,
        items: &[(NewReservation<'_>, i64)],
    ) -> StoreResult<Vec<BatchItem>> {
        crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "reserve_seats_batch",
            self.reserve_seats_batch(items),
        )
        .await
    }

    async fn reserve_seats_batch(
        &self,
        items: &[(NewReservation<'_>, i64)],
    ) -> StoreResult<Vec<BatchItem>> {
        #[derive(FromQueryResult)]
        struct Outcome {
            ok: bool,
            already: i64,
            reserved: i64,
            total: i64,
            created_at: Option<DateTime<Utc>>,
        }
        let ids: Vec<Uuid> = items.iter().map(|(r, _)| r.id).collect();
        let performances: Vec<Uuid> = items.iter().map(|(r, _)| r.performance_id).collect();
        let counts: Vec<i32> = items.iter().map(|(r, _)| r.seat_ids.len() as i32).collect();
        let seats: Vec<Uuid> = items
            .iter()
            .flat_map(|(r, _)| r.seat_ids.iter().copied())
            .collect();
        let numbers: Vec<String> = items.iter().map(|(r, _)| r.number.to_owned()).collect();
        let users: Vec<Uuid> = items.iter().map(|(r, _)| r.user_id).collect();
        let holds: Vec<Uuid> = items.iter().map(|(r, _)| r.hold_id).collect();
        let names: Vec<String> = items
            .iter()
            .map(|(r, _)| r.attendee_name.to_owned())
            .collect();
        let phones: Vec<String> = items
            .iter()
            .map(|(r, _)| r.attendee_phone.to_owned())
            .collect();
        // Arrays are bound without NULL elements: "" stands for no email.
        let emails: Vec<String> = items
            .iter()
            .map(|(r, _)| r.attendee_email.unwrap_or_default().to_owned())
            .collect();
        let expires: Vec<DateTime<Utc>> = items.iter().map(|(r, _)| r.expires_at).collect();
        let max: Vec<i64> = items.iter().map(|(_, max)| *max).collect();
        let rows = Outcome::find_by_statement(sql(
            "SELECT out_reserved_ok AS ok, out_already AS already, out_reserved AS reserved, \
                 out_total AS total, out_created_at AS created_at \
             FROM reserve_seats_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ORDER BY out_index",
            [
                ids.into(),
                performances.into(),
                counts.into(),
                seats.into(),
                numbers.into(),
                users.into(),
                holds.into(),
                names.into(),
                phones.into(),
                emails.into(),
                expires.into(),
                max.into(),
            ],
        ))
        .all(&self.txn)
        .await?;
        if rows.len() != items.len() {
            return Err(DbErr::RecordNotFound("reserve_seats_batch outcome".to_owned()).into());
        }
        Ok(rows
            .into_iter()
            .map(|o| BatchItem {
                written: o.ok,
                reserved: Reserved {
                    already: o.already,
                    seats: o.reserved as usize,
                    total: o.total,
                    created_at: o.created_at.unwrap_or_default(),
                },
            })
            .collect())
    }

    /// Undoes reservations this transaction wrote (their holds could not be converted).
    pub(crate) async fn unreserve(&self, reservation_ids: &[Uuid]) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "SELECT unreserve_seats($1)",
                [reservation_ids.to_vec().into()],
            ))
            .await
            .map(|_| ())
            .map_err(Into::into)
    }
}
