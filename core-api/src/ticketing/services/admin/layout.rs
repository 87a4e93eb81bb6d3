//! A venue's layout as an admin gives it (rectangular sections to generate, seats spelled
//! out, or both), checked and expanded into the seats the venue is created with.

use std::collections::HashSet;

use crate::{
    error::{Error, Result},
    ticketing::storage::catalog::LayoutSeat,
};

/// Largest venue we accept in one layout.
const MAX_VENUE_SEATS: usize = 100_000;
/// Distance between neighbouring seats in layout units, for generated sections.
const SEAT_PITCH: i32 = 10;

/// Either rectangular sections to generate, or every seat spelled out (or both).
#[derive(Debug, Default)]
pub struct LayoutSpec {
    pub sections: Vec<SectionSpec>,
    pub seats: Vec<SeatSpec>,
}

/// A rectangular block: rows are lettered A, B, ... Z, AA, AB ...; seats numbered from 1.
#[derive(Debug)]
pub struct SectionSpec {
    pub name: String,
    pub price_tier: String,
    pub rows: u32,
    pub seats_per_row: u32,
    /// Drawing origin of the block (layout units).
    pub x: i32,
    pub y: i32,
}

/// One seat spelled out.
#[derive(Debug)]
pub struct SeatSpec {
    pub section: String,
    pub row: String,
    pub number: i32,
    pub x: i32,
    pub y: i32,
    pub price_tier: String,
}

pub(super) fn bounded_text(field: &str, raw: &str, max: usize) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Row labels A..Z, AA..AZ, BA.. like a spreadsheet's columns.
pub(crate) fn row_label(mut index: u32) -> String {
    let mut label = Vec::new();
    loop {
        label.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    label.reverse();
    String::from_utf8(label).unwrap_or_default()
}

pub(super) fn expand(layout: &LayoutSpec) -> Result<Vec<LayoutSeat>> {
    let generated: usize = layout
        .sections
        .iter()
        .map(|s| s.rows as usize * s.seats_per_row as usize)
        .sum();
    let total = generated + layout.seats.len();
    if total == 0 || total > MAX_VENUE_SEATS {
        return Err(Error::validation(
            "layout",
            format!("a venue has 1 to {MAX_VENUE_SEATS} seats"),
        ));
    }
    let mut seats = Vec::with_capacity(total);
    for (i, s) in layout.sections.iter().enumerate() {
        let name = bounded_text(&format!("layout.sections[{i}].name"), &s.name, 50)?;
        let tier = bounded_text(
            &format!("layout.sections[{i}].priceTier"),
            &s.price_tier,
            50,
        )?;
        for row in 0..s.rows {
            for number in 1..=s.seats_per_row {
                seats.push(LayoutSeat {
                    section: name.clone(),
                    row_label: row_label(row),
                    number: number as i32,
                    x: s.x.saturating_add(number as i32 * SEAT_PITCH),
                    y: s.y.saturating_add(row as i32 * SEAT_PITCH),
                    price_tier: tier.clone(),
                });
            }
        }
    }
    for (i, s) in layout.seats.iter().enumerate() {
        if s.number <= 0 {
            return Err(Error::validation(
                &format!("layout.seats[{i}].number"),
                "must be positive",
            ));
        }
        seats.push(LayoutSeat {
            section: bounded_text(&format!("layout.seats[{i}].section"), &s.section, 50)?,
            row_label: bounded_text(&format!("layout.seats[{i}].row"), &s.row, 20)?,
            number: s.number,
            x: s.x,
            y: s.y,
            price_tier: bounded_text(&format!("layout.seats[{i}].priceTier"), &s.price_tier, 50)?,
        });
    }
    let mut positions = HashSet::with_capacity(seats.len());
    if let Some(dup) = seats
        .iter()
        .find(|s| !positions.insert((&s.section, &s.row_label, s.number)))
    {
        return Err(Error::validation(
            "layout",
            format!(
                "seat {} {}-{} appears twice",
                dup.section, dup.row_label, dup.number
            ),
        ));
    }
    Ok(seats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_lettered_like_spreadsheet_columns() {
        let labels: Vec<String> = [0, 1, 25, 26, 27, 51, 52]
            .into_iter()
            .map(row_label)
            .collect();
        assert_eq!(labels, ["A", "B", "Z", "AA", "AB", "AZ", "BA"]);
    }

    #[test]
    fn a_three_by_three_section_makes_nine_distinct_seats() {
        let layout = LayoutSpec {
            sections: vec![SectionSpec {
                name: "A".into(),
                price_tier: "R".into(),
                rows: 3,
                seats_per_row: 3,
                x: 0,
                y: 0,
            }],
            seats: vec![],
        };
        let seats = expand(&layout).expect("valid");
        assert_eq!(seats.len(), 9);
        assert_eq!(
            (
                seats[8].row_label.as_str(),
                seats[8].number,
                seats[8].x,
                seats[8].y
            ),
            ("C", 3, 30, 20)
        );
    }

    #[test]
    fn empty_oversized_and_overlapping_layouts_are_refused() {
        assert!(expand(&LayoutSpec::default()).is_err());
        let huge = LayoutSpec {
            sections: vec![SectionSpec {
                name: "A".into(),
                price_tier: "R".into(),
                rows: 1000,
                seats_per_row: 1000,
                x: 0,
                y: 0,
            }],
            seats: vec![],
        };
        assert!(expand(&huge).is_err());
        let twice = LayoutSpec {
            sections: vec![SectionSpec {
                name: "A".into(),
                price_tier: "R".into(),
                rows: 1,
                seats_per_row: 1,
                x: 0,
                y: 0,
            }],
            seats: vec![SeatSpec {
                section: "A".into(),
                row: "A".into(),
                number: 1,
                x: 5,
                y: 5,
                price_tier: "R".into(),
            }],
        };
        assert!(expand(&twice).is_err());
    }
}
