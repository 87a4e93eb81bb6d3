//! Expanding DAILY and WEEKLY rules with INTERVAL, BYDAY, COUNT and UNTIL.

use super::*;

#[test]
fn daily_with_interval() {
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;INTERVAL=3;COUNT=4",
            "2026-01-05T10:00:00Z",
            "UTC"
        ),
        [
            "2026-01-05T10:00Z",
            "2026-01-08T10:00Z",
            "2026-01-11T10:00Z",
            "2026-01-14T10:00Z"
        ]
    );
}

#[test]
fn daily_with_by_day_skips_a_first_date_that_does_not_match() {
    // 2026-01-06 is a Tuesday.
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;BYDAY=MO,WE;COUNT=4",
            "2026-01-06T10:00:00Z",
            "UTC"
        ),
        [
            "2026-01-07T10:00Z",
            "2026-01-12T10:00Z",
            "2026-01-14T10:00Z",
            "2026-01-19T10:00Z"
        ]
    );
}

#[test]
fn daily_by_day_that_can_never_match_has_no_occurrences() {
    // Every 7th day from a Monday is always a Monday.
    let error = starts(
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=3",
        "2026-01-05T10:00:00Z",
        "UTC",
        100,
    )
    .expect_err("no occurrences");
    assert_eq!(error.part, "rule");
}

#[test]
fn weekly_every_other_week_on_three_days_with_count() {
    // 2026-01-07 is a Wednesday; the week of 2026-01-12 is skipped.
    assert_eq!(
        expect_starts(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;COUNT=7",
            "2026-01-07T09:00:00Z",
            "UTC"
        ),
        [
            "2026-01-07T09:00Z",
            "2026-01-09T09:00Z",
            "2026-01-19T09:00Z",
            "2026-01-21T09:00Z",
            "2026-01-23T09:00Z",
            "2026-02-02T09:00Z",
            "2026-02-04T09:00Z",
        ]
    );
}

#[test]
fn weekly_without_by_day_uses_the_weekday_of_the_first_date() {
    assert_eq!(
        expect_starts("FREQ=WEEKLY;COUNT=3", "2026-01-08T09:00:00Z", "UTC"),
        [
            "2026-01-08T09:00Z",
            "2026-01-15T09:00Z",
            "2026-01-22T09:00Z"
        ]
    );
}

#[test]
fn weekly_never_goes_before_the_first_date_nor_includes_a_non_matching_one() {
    // 2026-01-06 is a Tuesday: the Monday before it is not an occurrence.
    assert_eq!(
        expect_starts(
            "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=3",
            "2026-01-06T09:00:00Z",
            "UTC"
        ),
        [
            "2026-01-07T09:00Z",
            "2026-01-12T09:00Z",
            "2026-01-14T09:00Z"
        ]
    );
}

#[test]
fn weekly_interval_counts_weeks_from_the_first_date_even_if_it_is_empty() {
    // 2026-01-09 is a Friday: its week has no Monday left, the next week is
    // skipped, so the first Monday is 2026-01-19.
    assert_eq!(
        expect_starts(
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=2",
            "2026-01-09T09:00:00Z",
            "UTC"
        ),
        ["2026-01-19T09:00Z", "2026-02-02T09:00Z"]
    );
}

#[test]
fn occurrences_end_after_the_duration() {
    let occurrences = expand(
        &rule("FREQ=DAILY;COUNT=2"),
        utc("2026-01-05T09:00:00Z"),
        Duration::minutes(90),
        zone("UTC"),
        10,
    )
    .expect("expands");
    assert_eq!(
        occurrences,
        [
            (utc("2026-01-05T09:00:00Z"), utc("2026-01-05T10:30:00Z")),
            (utc("2026-01-06T09:00:00Z"), utc("2026-01-06T10:30:00Z")),
        ]
    );
}

#[test]
fn until_date_is_inclusive() {
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;INTERVAL=2;UNTIL=20260109",
            "2026-01-05T09:00:00Z",
            "UTC"
        ),
        [
            "2026-01-05T09:00Z",
            "2026-01-07T09:00Z",
            "2026-01-09T09:00Z"
        ]
    );
}

#[test]
fn until_date_is_a_local_date_in_the_zone() {
    // 23:30 in Seoul is 14:30 UTC on the same date; the last local date is
    // 2026-01-07 even though a UTC reading would allow 2026-01-08 too.
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;UNTIL=20260107",
            "2026-01-05T14:30:00Z",
            "Asia/Seoul"
        ),
        [
            "2026-01-05T14:30Z",
            "2026-01-06T14:30Z",
            "2026-01-07T14:30Z"
        ]
    );
    // 00:30 in Seoul on 2026-01-06 is still 2026-01-05 in UTC.
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;UNTIL=20260107",
            "2026-01-05T15:30:00Z",
            "Asia/Seoul"
        ),
        ["2026-01-05T15:30Z", "2026-01-06T15:30Z"]
    );
}

#[test]
fn until_instant_is_inclusive() {
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;UNTIL=20260108T090000Z",
            "2026-01-05T09:00:00Z",
            "UTC"
        )
        .len(),
        4
    );
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;UNTIL=20260108T085959Z",
            "2026-01-05T09:00:00Z",
            "UTC"
        )
        .len(),
        3
    );
}

#[test]
fn until_before_the_first_start_has_no_occurrences() {
    for text in [
        "FREQ=DAILY;UNTIL=20260104",
        "FREQ=DAILY;UNTIL=20260105T085959Z",
    ] {
        let error = starts(text, "2026-01-05T09:00:00Z", "UTC", 10).expect_err("empty series");
        assert_eq!(error.part, "rule", "{text}");
    }
}
