//! A venue's layout as an admin gives it (rectangular sections to generate, seats spelled
//! out, or both), checked and expanded into the seats the venue is created with.

use std::collections::HashMap;

use serde_json::json;

use crate::{
    error::{Error, Result},
    ticketing::storage::catalog::LayoutSeat,
};

/// Largest venue we accept in one layout.
const MAX_VENUE_SEATS: usize = 100_000;
/// Distance between neighbouring seats in layout units, for generated sections.
const SEAT_PITCH: i32 = 10;
/// A seat's drawn size in layout units: two seats whose centres are closer than this on both
/// axes overlap.
pub(crate) const SEAT_SIZE: i32 = 8;

/// Either rectangular sections to generate, or every seat spelled out (or both), and where
/// the stage is drawn.
#[derive(Debug, Default)]
pub struct LayoutSpec {
    pub sections: Vec<SectionSpec>,
    pub seats: Vec<SeatSpec>,
    pub stage: Option<Stage>,
}

/// The stage's rectangle, for drawing only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stage {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

/// standard, accessible or companion.
pub(crate) const SEAT_KINDS: [&str; 3] = ["standard", "accessible", "companion"];
/// Why a seat is never sold: blocked, or kept for the production.
pub(crate) const OFF_SALE: [&str; 2] = ["blocked", "production"];

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
    /// standard (default), accessible or companion.
    pub kind: Option<String>,
    /// None (on sale), blocked or production: never generated into a performance's seats.
    pub off_sale: Option<String>,
    /// What the map shows instead of row-number.
    pub label: Option<String>,
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
                    kind: "standard".to_owned(),
                    off_sale: None,
                    label: None,
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
            kind: one_of(
                &format!("layout.seats[{i}].kind"),
                s.kind.as_deref(),
                &SEAT_KINDS,
            )?
            .unwrap_or("standard")
            .to_owned(),
            off_sale: one_of(
                &format!("layout.seats[{i}].offSale"),
                s.off_sale.as_deref(),
                &OFF_SALE,
            )?
            .map(str::to_owned),
            label: s
                .label
                .as_deref()
                .map(|l| bounded_text(&format!("layout.seats[{i}].label"), l, 50))
                .transpose()?,
        });
    }
    if let Some(stage) = layout.stage
        && (stage.width <= 0 || stage.height <= 0)
    {
        return Err(Error::validation(
            "layout.stage",
            "width and height must be positive",
        ));
    }
    let mut of = Vec::with_capacity(seats.len());
    for (k, s) in layout.sections.iter().enumerate() {
        of.extend(std::iter::repeat_n(
            k,
            s.rows as usize * s.seats_per_row as usize,
        ));
    }
    of.extend(layout.sections.len()..layout.sections.len() + layout.seats.len());
    let origins = Origins {
        of,
        sections: layout.sections.len(),
    };
    check_labels(&seats, &origins)?;
    check_overlaps(&seats, &origins)?;
    Ok(seats)
}

fn one_of<'a>(field: &str, value: Option<&'a str>, allowed: &[&str]) -> Result<Option<&'a str>> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(Error::validation(
            field,
            format!("must be one of {}", allowed.join(", ")),
        )),
        other => Ok(other),
    }
}

/// The form field each seat came from: `layout.sections[k]` for a generated seat, else
/// `layout.seats[k]`.
struct Origins {
    /// Per seat: its section's index, or `sections` + its index in `seats`.
    of: Vec<usize>,
    sections: usize,
}

impl Origins {
    fn field(&self, seat: usize) -> String {
        match self.of[seat] {
            k if k < self.sections => format!("layout.sections[{k}]"),
            k => format!("layout.seats[{}]", k - self.sections),
        }
    }
}

/// Two seats with the same section, row and number: 400 naming both.
fn check_labels(seats: &[LayoutSeat], origins: &Origins) -> Result<()> {
    let mut positions: HashMap<(&str, &str, i32), usize> = HashMap::with_capacity(seats.len());
    for (i, s) in seats.iter().enumerate() {
        if let Some(first) = positions.insert((&s.section, &s.row_label, s.number), i) {
            return Err(layout_error(
                format!(
                    "seat {} {}-{} appears twice",
                    s.section, s.row_label, s.number
                ),
                "DUPLICATE_LABEL",
                [first, i].map(|n| origins.field(n)),
            ));
        }
    }
    Ok(())
}

/// Two seats drawn over each other (centres closer than `SEAT_SIZE` on both axes): 400
/// naming both. A grid of `SEAT_SIZE` cells keeps it linear for a 100,000-seat venue.
fn check_overlaps(seats: &[LayoutSeat], origins: &Origins) -> Result<()> {
    let cell = |v: i32| v.div_euclid(SEAT_SIZE);
    let mut grid: HashMap<(i32, i32), Vec<usize>> = HashMap::with_capacity(seats.len());
    for (i, s) in seats.iter().enumerate() {
        let (cx, cy) = (cell(s.x), cell(s.y));
        for dx in -1..=1 {
            for dy in -1..=1 {
                let Some(others) = grid.get(&(cx + dx, cy + dy)) else {
                    continue;
                };
                if let Some(&j) = others.iter().find(|&&j| {
                    (seats[j].x - s.x).abs() < SEAT_SIZE && (seats[j].y - s.y).abs() < SEAT_SIZE
                }) {
                    return Err(layout_error(
                        format!(
                            "seats {} {}-{} and {} {}-{} overlap (closer than {SEAT_SIZE} units)",
                            seats[j].section,
                            seats[j].row_label,
                            seats[j].number,
                            s.section,
                            s.row_label,
                            s.number
                        ),
                        "OVERLAPPING_SEATS",
                        [j, i].map(|n| origins.field(n)),
                    ));
                }
            }
        }
        grid.entry((cx, cy)).or_default().push(i);
    }
    Ok(())
}

fn layout_error(message: String, reason: &str, fields: [String; 2]) -> Error {
    Error::Validation {
        details: json!({ "field": fields[1], "fields": fields, "reason": reason, "message": message }),
        message,
    }
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
            stage: None,
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
            stage: None,
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
                kind: None,
                off_sale: None,
                label: None,
            }],
            stage: None,
        };
        assert!(expand(&twice).is_err());
    }
}
