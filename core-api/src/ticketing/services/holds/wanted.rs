//! What a hold request asks for, read from its fields: exact seats, the best adjacent block,
//! or general-admission units, each within the per-hold maximum.

use uuid::Uuid;

use super::HoldRequest;
use crate::{
    error::{Error, Result},
    ticketing::domain::{SeatSelection, seat_selection::MAX_SEATS_PER_HOLD},
};

pub(super) enum Wanted {
    Product {
        product_id: Uuid,
        quantity: u32,
    },
    Seats(SeatSelection),
    Best {
        quantity: u32,
        section: Option<String>,
    },
}

impl Wanted {
    /// The request's one way of asking, or 400 naming the field that is wrong.
    pub(super) fn parse(req: HoldRequest) -> Result<Self> {
        Ok(match (req.seat_ids, req.quantity) {
            (None, Some(quantity)) if req.product_id.is_some() => {
                if !(1..=MAX_SEATS_PER_HOLD as u32).contains(&quantity) {
                    return Err(Error::validation(
                        "quantity",
                        format!("must be 1 to {MAX_SEATS_PER_HOLD}"),
                    ));
                }
                Wanted::Product {
                    product_id: req.product_id.unwrap_or_default(),
                    quantity,
                }
            }
            (_, _) if req.product_id.is_some() => {
                return Err(Error::validation(
                    "quantity",
                    "a general-admission hold needs quantity and no seatIds",
                ));
            }
            (Some(ids), None) => Wanted::Seats(SeatSelection::parse(ids)?),
            (None, Some(quantity)) if (1..=MAX_SEATS_PER_HOLD as u32).contains(&quantity) => {
                Wanted::Best {
                    quantity,
                    section: req.section,
                }
            }
            (None, Some(_)) => {
                return Err(Error::validation(
                    "quantity",
                    format!("must be 1 to {MAX_SEATS_PER_HOLD}"),
                ));
            }
            _ => {
                return Err(Error::validation(
                    "seatIds",
                    "give either seatIds or quantity",
                ));
            }
        })
    }

    pub(super) fn len(&self) -> u32 {
        match self {
            Wanted::Seats(s) => s.len() as u32,
            Wanted::Best { quantity, .. } | Wanted::Product { quantity, .. } => *quantity,
        }
    }
}
