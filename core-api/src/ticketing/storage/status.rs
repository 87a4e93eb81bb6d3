//! Statuses read from and bound to Postgres: a text column decodes into its enum here, so a
//! word the database holds but the code does not know is an error at the edge.

use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

use crate::ticketing::domain::status::{EventStatus, PaymentStatus, ReservationStatus, SeatStatus};

macro_rules! text_column {
    ($($ty:ident),+) => {$(
        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
                let word = String::try_get_by(res, index)?;
                word.parse::<$ty>()
                    .map_err(|e| TryGetError::DbErr(DbErr::Type(e.to_string())))
            }
        }

        impl From<$ty> for Value {
            fn from(status: $ty) -> Value {
                status.as_str().into()
            }
        }
    )+};
}

text_column!(SeatStatus, ReservationStatus, PaymentStatus, EventStatus);
