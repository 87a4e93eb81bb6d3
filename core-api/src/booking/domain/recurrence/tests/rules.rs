//! Parsing and printing rules, and the errors that name the refused part.

use super::*;

#[test]
fn display_is_canonical_and_parses_back_to_the_same_rule() {
    let cases = [
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
        ),
        (
            "rrule:count=10;byday=we,mo;interval=2;freq=weekly;wkst=mo",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;COUNT=10",
        ),
        (
            "RRULE:FREQ=DAILY;INTERVAL=1;UNTIL=20261231",
            "FREQ=DAILY;UNTIL=20261231",
        ),
        (
            "FREQ=DAILY;UNTIL=20261231t235959z;BYDAY=SU,SA",
            "FREQ=DAILY;BYDAY=SA,SU;UNTIL=20261231T235959Z",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=366;COUNT=1000",
            "FREQ=WEEKLY;INTERVAL=366;COUNT=1000",
        ),
    ];
    for (input, canonical) in cases {
        let parsed = rule(input);
        assert_eq!(parsed.to_string(), canonical, "display of {input}");
        assert_eq!(rule(&parsed.to_string()), parsed, "round trip of {input}");
    }
}

#[test]
fn parsed_fields_match_the_text() {
    let parsed = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR,MO,WE;UNTIL=20261231T235959Z");
    assert_eq!(
        parsed,
        Rule {
            freq: Freq::Weekly,
            interval: 2,
            count: None,
            until: Some(Until::Instant(utc("2026-12-31T23:59:59Z"))),
            by_day: vec![Weekday::Mon, Weekday::Wed, Weekday::Fri],
        }
    );
    assert_eq!(
        rule("FREQ=DAILY;UNTIL=20261231").until,
        Some(Until::Date(
            NaiveDate::from_ymd_opt(2026, 12, 31).expect("valid date")
        ))
    );
}

#[test]
fn malformed_rules_are_refused_naming_the_part() {
    let cases = [
        ("", "rule"),
        ("   ", "rule"),
        ("RRULE:", "rule"),
        ("garbage", "rule"),
        ("=DAILY;COUNT=3", "rule"),
        ("FREQ=DAILY;;COUNT=3", "rule"),
        ("FREQ=DAILY;COUNT=3;", "rule"),
        ("COUNT=3", "FREQ"),
        ("FREQ=MONTHLY;COUNT=3", "FREQ"),
        ("FREQ=YEARLY;COUNT=3", "FREQ"),
        ("FREQ=HOURLY;COUNT=3", "FREQ"),
        ("FREQ=;COUNT=3", "FREQ"),
        ("FREQ=DAILY;FREQ=DAILY;COUNT=3", "FREQ"),
        ("FREQ=DAILY", "rule"),
        ("FREQ=WEEKLY;BYDAY=MO", "rule"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20261231", "rule"),
        ("FREQ=DAILY;INTERVAL=0;COUNT=3", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=367;COUNT=3", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=+2;COUNT=3", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=two;COUNT=3", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=99999999999;COUNT=3", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=2;INTERVAL=2;COUNT=3", "INTERVAL"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;COUNT=-1", "COUNT"),
        ("FREQ=DAILY;COUNT=1001", "COUNT"),
        ("FREQ=DAILY;COUNT=", "COUNT"),
        ("FREQ=DAILY;COUNT=3;COUNT=3", "COUNT"),
        ("FREQ=DAILY;UNTIL=2026-12-31", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20261231T235959", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20261231T2359Z", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20261332", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20260230", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20261231T245959Z", "UNTIL"),
        ("FREQ=DAILY;UNTIL=2026é231", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20261231;UNTIL=20261231", "UNTIL"),
        ("FREQ=WEEKLY;BYDAY=1MO;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=-1FR;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=+2TU;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=MO,MO;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=MON;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=MO,,WE;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;WKST=SU;COUNT=3", "WKST"),
        ("FREQ=WEEKLY;BYMONTH=1;COUNT=3", "BYMONTH"),
        ("FREQ=DAILY;BYHOUR=9;COUNT=3", "BYHOUR"),
        ("FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=1;COUNT=3", "BYSETPOS"),
        ("FREQ=DAILY;BYMONTHDAY=1;COUNT=3", "BYMONTHDAY"),
        ("FREQ=DAILY;X-NAME=1;COUNT=3", "X-NAME"),
    ];
    for (input, part) in cases {
        let error = parse_error(input);
        assert_eq!(error.part, part, "part for `{input}`: {error}");
        assert!(!error.reason.is_empty(), "reason for `{input}`");
    }
}

#[test]
fn error_messages_explain_the_problem() {
    let freq = parse_error("FREQ=MONTHLY;COUNT=3");
    assert!(
        freq.reason.contains("only DAILY and WEEKLY are supported"),
        "{freq}"
    );
    assert!(freq.to_string().starts_with("FREQ: "), "{freq}");
    assert!(
        parse_error("FREQ=WEEKLY;BYDAY=1MO;COUNT=3")
            .reason
            .contains("numeric prefix")
    );
    assert!(
        parse_error("FREQ=WEEKLY;BYDAY=MO,MO;COUNT=3")
            .reason
            .contains("MO appears more than once")
    );
    assert!(parse_error("FREQ=DAILY").reason.contains("open-ended"));
    assert!(
        parse_error("FREQ=DAILY;FREQ=DAILY;COUNT=1")
            .reason
            .contains("more than once")
    );
}

#[test]
fn hand_built_rules_are_validated_before_expanding() {
    let base = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: Some(3),
        until: None,
        by_day: Vec::new(),
    };
    let broken = [
        (
            Rule {
                interval: 0,
                ..base.clone()
            },
            "INTERVAL",
        ),
        (
            Rule {
                count: Some(0),
                ..base.clone()
            },
            "COUNT",
        ),
        (
            Rule {
                count: None,
                ..base.clone()
            },
            "rule",
        ),
        (
            Rule {
                until: Some(Until::Date(NaiveDate::MAX)),
                ..base.clone()
            },
            "rule",
        ),
        (
            Rule {
                by_day: vec![Weekday::Mon, Weekday::Mon],
                ..base.clone()
            },
            "BYDAY",
        ),
    ];
    for (rule, part) in broken {
        let error = expand(
            &rule,
            utc("2026-01-05T09:00:00Z"),
            Duration::hours(1),
            Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset")),
            10,
        )
        .expect_err("invalid rule");
        assert_eq!(error.part, part, "{rule:?}");
    }
}
