//! A set of seat ids asked for in one hold: non-empty, distinct, bounded.

use serde_json::json;
use uuid::Uuid;

use crate::error::{Error, Result};

/// No hold ever covers more seats than this, whatever a performance allows.
pub(crate) const MAX_SEATS_PER_HOLD: usize = 50;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SeatSelection(Vec<Uuid>);

impl SeatSelection {
    pub(crate) fn parse(seat_ids: Vec<Uuid>) -> Result<Self> {
        if seat_ids.is_empty() {
            return Err(Error::validation("seatIds", "must name at least one seat"));
        }
        if seat_ids.len() > MAX_SEATS_PER_HOLD {
            return Err(Error::validation(
                "seatIds",
                format!("at most {MAX_SEATS_PER_HOLD} seats per hold"),
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(seat_ids.len());
        let duplicates: Vec<Uuid> = seat_ids
            .iter()
            .filter(|id| !seen.insert(**id))
            .copied()
            .collect();
        if !duplicates.is_empty() {
            return Err(Error::Validation {
                message: "seatIds must not repeat a seat".to_owned(),
                details: json!({ "field": "seatIds", "duplicateSeatIds": duplicates }),
            });
        }
        Ok(SeatSelection(seat_ids))
    }

    pub(crate) fn ids(&self) -> &[Uuid] {
        &self.0
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_duplicated_and_oversized_selections_are_refused() {
        let a = Uuid::new_v4();
        assert!(SeatSelection::parse(vec![]).is_err());
        assert!(SeatSelection::parse(vec![a, a]).is_err());
        assert!(SeatSelection::parse((0..51).map(|_| Uuid::new_v4()).collect()).is_err());
        assert_eq!(SeatSelection::parse(vec![a]).map(|s| s.len()).ok(), Some(1));
    }
}
