//! Wall-clock time kept across daylight-saving switches, gaps and overlaps; zone names.

use super::*;

#[test]
fn new_york_keeps_nine_local_across_dst_start() {
    // US daylight saving time starts on Sunday 2026-03-08.
    assert_eq!(
        expect_starts(
            "FREQ=WEEKLY;COUNT=3",
            "2026-03-02T14:00:00Z",
            "America/New_York"
        ),
        [
            "2026-03-02T14:00Z",
            "2026-03-09T13:00Z",
            "2026-03-16T13:00Z"
        ]
    );
}

#[test]
fn new_york_keeps_nine_local_across_dst_end() {
    // US daylight saving time ends on Sunday 2026-11-01.
    let occurrences = expand(
        &rule("FREQ=WEEKLY;BYDAY=MO;COUNT=3"),
        utc("2026-10-26T13:00:00Z"),
        Duration::hours(1),
        zone("America/New_York"),
        10,
    )
    .expect("expands");
    let starts: Vec<DateTime<Utc>> = occurrences.iter().map(|(start, _)| *start).collect();
    assert_eq!(
        starts,
        [
            utc("2026-10-26T13:00:00Z"),
            utc("2026-11-02T14:00:00Z"),
            utc("2026-11-09T14:00:00Z"),
        ]
    );
    for start in starts {
        assert_eq!(
            to_local(zone("America/New_York"), start).time(),
            local("2026-01-01T09:00").time()
        );
    }
}

#[test]
fn berlin_keeps_local_time_across_dst_start() {
    // Central European Summer Time starts on Sunday 2026-03-29.
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;COUNT=3",
            "2026-03-28T09:00:00Z",
            "Europe/Berlin"
        ),
        [
            "2026-03-28T09:00Z",
            "2026-03-29T08:00Z",
            "2026-03-30T08:00Z"
        ]
    );
}

#[test]
fn a_time_in_the_spring_forward_gap_moves_forward_by_the_gap() {
    let new_york = zone("America/New_York");
    let at = to_instant(new_york, local("2026-03-08T02:30"));
    assert_eq!(at, utc("2026-03-08T07:30:00Z"));
    assert_eq!(to_local(new_york, at), local("2026-03-08T03:30"));
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;COUNT=3",
            "2026-03-07T07:30:00Z",
            "America/New_York"
        ),
        [
            "2026-03-07T07:30Z",
            "2026-03-08T07:30Z",
            "2026-03-09T06:30Z"
        ]
    );
}

#[test]
fn the_gap_is_bridged_in_other_zones_too() {
    let berlin = zone("Europe/Berlin");
    assert_eq!(
        to_instant(berlin, local("2026-03-29T02:15")),
        utc("2026-03-29T01:15:00Z")
    );
    // Lord Howe Island moves its clocks by only 30 minutes.
    let lord_howe = zone("Australia/Lord_Howe");
    let at = to_instant(lord_howe, local("2026-10-04T02:10"));
    assert_eq!(to_local(lord_howe, at), local("2026-10-04T02:40"));
}

#[test]
fn an_ambiguous_fall_back_time_takes_the_earlier_instant() {
    let new_york = zone("America/New_York");
    // 01:30 happens twice on 2026-11-01: first at EDT (-4), then at EST (-5).
    assert_eq!(
        to_instant(new_york, local("2026-11-01T01:30")),
        utc("2026-11-01T05:30:00Z")
    );
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;COUNT=3",
            "2026-10-31T05:30:00Z",
            "America/New_York"
        ),
        [
            "2026-10-31T05:30Z",
            "2026-11-01T05:30Z",
            "2026-11-02T06:30Z"
        ]
    );
}

#[test]
fn a_first_start_in_the_later_overlap_hour_is_kept_exactly() {
    // 06:30Z is the second 01:30 (EST) on 2026-11-01.
    assert_eq!(
        expect_starts(
            "FREQ=DAILY;COUNT=2",
            "2026-11-01T06:30:00Z",
            "America/New_York"
        ),
        ["2026-11-01T06:30Z", "2026-11-02T06:30Z"]
    );
}

#[test]
fn seoul_by_name_and_by_offset_agree() {
    let named = zone("Asia/Seoul");
    let fixed = zone("+09:00");
    assert!(matches!(named, Zone::Named(chrono_tz::Tz::Asia__Seoul)));
    assert_eq!(
        fixed,
        Zone::Fixed(FixedOffset::east_opt(9 * 3600).expect("valid offset"))
    );
    let text = "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=4";
    let expected = [
        "2026-03-03T00:00Z",
        "2026-03-05T00:00Z",
        "2026-03-10T00:00Z",
        "2026-03-12T00:00Z",
    ];
    // 09:00 in Seoul, across the US and European DST dates for good measure.
    assert_eq!(
        expect_starts(text, "2026-03-03T00:00:00Z", "Asia/Seoul"),
        expected
    );
    assert_eq!(
        expect_starts(text, "2026-03-03T00:00:00Z", "+09:00"),
        expected
    );
    assert_eq!(
        to_instant(fixed, local("2026-03-03T09:00")),
        utc("2026-03-03T00:00:00Z")
    );
}

#[test]
fn zones_parse_and_print_back() {
    for name in [
        "America/New_York",
        "UTC",
        "Europe/Berlin",
        "+09:00",
        "-05:30",
        "+00:00",
    ] {
        assert_eq!(zone(name).to_string(), name);
    }
    assert_eq!(zone("-0530").to_string(), "-05:30");
}

#[test]
fn unknown_zones_and_bad_offsets_are_refused() {
    for name in [
        "",
        "Mars/Olympus_Mons",
        "america/new_york",
        "09:00",
        "+9:00",
        "+24:00",
        "+09:60",
        "+09-00",
        "+0900:",
        "+é9:00",
    ] {
        let error = Zone::parse(name).expect_err("invalid zone");
        assert_eq!(error.part, "zone", "{name}");
    }
}

#[test]
fn exceeding_max_is_an_error_naming_the_bound() {
    let error =
        starts("FREQ=DAILY;COUNT=10", "2026-01-05T09:00:00Z", "UTC", 5).expect_err("too many");
    assert_eq!(error.part, "COUNT");
    assert_eq!(
        error.reason,
        "the series would have more than 5 occurrences"
    );
    assert_eq!(
        starts("FREQ=DAILY;COUNT=5", "2026-01-05T09:00:00Z", "UTC", 5)
            .expect("exactly max")
            .len(),
        5
    );
}

#[test]
fn a_far_away_until_stops_as_soon_as_max_is_exceeded() {
    let error = starts(
        "FREQ=DAILY;UNTIL=99991231",
        "2026-01-05T09:00:00Z",
        "UTC",
        100,
    )
    .expect_err("too many");
    assert_eq!(error.part, "UNTIL");
    assert_eq!(
        error.reason,
        "the series would have more than 100 occurrences"
    );
}
