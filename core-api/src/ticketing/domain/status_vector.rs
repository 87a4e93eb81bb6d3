//! The compact seat status vector: every seat's live status in two bits, in the order of the
//! performance's seat layout (`GET /performances/{id}/seat-layout`).
//!
//! Seat `i` is in byte `i / 4`, bits `2 * (i % 4)` and `2 * (i % 4) + 1` (least significant
//! first): `0` AVAILABLE, `1` HELD, `2` RESERVED, `3` SOLD. Unused bits of the last byte are
//! zero. A 10,000-seat arena is 2,500 bytes (3,336 in base64).

use super::status::SeatStatus;

/// Two bits per status; the order is the wire format, never change it.
const fn code(status: SeatStatus) -> u8 {
    match status {
        SeatStatus::Available => 0,
        SeatStatus::Held => 1,
        SeatStatus::Reserved => 2,
        SeatStatus::Sold => 3,
    }
}

/// Packs statuses given in layout order.
pub(crate) fn pack(statuses: impl ExactSizeIterator<Item = SeatStatus>) -> Vec<u8> {
    let mut out = vec![0u8; statuses.len().div_ceil(4)];
    for (i, status) in statuses.enumerate() {
        out[i / 4] |= code(status) << (2 * (i % 4));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status of seat `index` (`None` past the end).
    fn status_at(packed: &[u8], index: usize) -> Option<SeatStatus> {
        let byte = packed.get(index / 4)?;
        Some(match (byte >> (2 * (index % 4))) & 0b11 {
            0 => SeatStatus::Available,
            1 => SeatStatus::Held,
            2 => SeatStatus::Reserved,
            _ => SeatStatus::Sold,
        })
    }

    #[test]
    fn statuses_pack_four_to_a_byte_least_significant_first() {
        let statuses = [
            SeatStatus::Available,
            SeatStatus::Held,
            SeatStatus::Reserved,
            SeatStatus::Sold,
            SeatStatus::Held,
        ];
        let packed = pack(statuses.into_iter());
        assert_eq!(packed, vec![0b1110_0100, 0b0000_0001]);
        for (i, status) in statuses.iter().enumerate() {
            assert_eq!(status_at(&packed, i), Some(*status));
        }
        assert_eq!(
            pack(std::iter::repeat_n(SeatStatus::Sold, 10_000)).len(),
            2_500
        );
    }
}
