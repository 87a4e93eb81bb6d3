//! The error-code enum, the code table of `docs/api.md` and the web app's error table
//! (`frontend/src/lib/state/errors.ts`) name the same codes: the docs list every code and
//! only those; the web app handles a subset, plus the few it makes up itself when no
//! envelope came back.

use std::collections::BTreeSet;

use holdfast_contract::error_code::ErrorCode;

/// Codes the web app gives an `ApiError` when there is no envelope to read (offline, timeout,
/// a body that is not ours); never sent by a service.
const MADE_UP_BY_THE_WEB_APP: &[&str] = &["NETWORK", "TIMEOUT", "SERVER_ERROR", "BAD_RESPONSE"];

fn repo_file(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {full}: {e}"))
}

fn is_code(text: &str) -> bool {
    text.len() > 2 && text.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

/// The codes of the table under `## Errors`: backticked SCREAMING_SNAKE words outside
/// parentheses (inside them stand details and variable names).
fn documented_codes(markdown: &str) -> BTreeSet<String> {
    let section = markdown
        .split("\n## ")
        .find(|s| s.starts_with("Errors\n"))
        .expect("docs/api.md has an `## Errors` section");
    let mut codes = BTreeSet::new();
    for row in section.lines().filter(|l| l.starts_with('|')) {
        let mut depth = 0i32;
        let mut quoted: Option<String> = None;
        for c in row.chars() {
            match (c, &mut quoted) {
                ('`', Some(word)) => {
                    if depth == 0 && is_code(word) {
                        codes.insert(std::mem::take(word));
                    }
                    quoted = None;
                }
                ('`', None) => quoted = Some(String::new()),
                (c, Some(word)) => word.push(c),
                ('(', None) => depth += 1,
                (')', None) => depth -= 1,
                _ => {}
            }
        }
    }
    codes
}

/// The codes the web app's error table handles: its `case 'CODE':` labels.
fn web_app_codes(typescript: &str) -> BTreeSet<String> {
    typescript
        .split("case '")
        .skip(1)
        .filter_map(|rest| rest.split_once("':").map(|(code, _)| code.to_owned()))
        .filter(|code| is_code(code))
        .collect()
}

fn enum_codes() -> BTreeSet<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

#[test]
fn the_docs_list_exactly_the_codes_of_the_enum() {
    let documented = documented_codes(&repo_file("docs/api.md"));
    let known = enum_codes();
    let undocumented: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from the table in docs/api.md: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/api.md lists codes that ErrorCode does not have: {unknown:?}"
    );
}

#[test]
fn every_code_the_web_app_handles_exists() {
    let handled = web_app_codes(&repo_file("frontend/src/lib/state/errors.ts"));
    assert!(
        handled.contains("SEAT_UNAVAILABLE"),
        "the web app's error table was not read: {handled:?}"
    );
    let known = enum_codes();
    let unknown: Vec<_> = handled
        .iter()
        .filter(|c| !known.contains(*c) && !MADE_UP_BY_THE_WEB_APP.contains(&c.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "frontend/src/lib/state/errors.ts handles codes no service sends: {unknown:?}"
    );
    for made_up in MADE_UP_BY_THE_WEB_APP {
        assert!(
            ErrorCode::parse(made_up).is_none(),
            "{made_up} is the web app's own and must not be a service code"
        );
    }
}

#[test]
fn the_table_reader_skips_details_and_variables() {
    let table = "## Errors\n\n| status | codes |\n|---|---|\n\
                 | 413 | `PAYLOAD_TOO_LARGE` (over `CORE_MAX_BODY_BYTES`), `SOLD_OUT` |\n";
    let codes = documented_codes(&format!("# API\n{table}"));
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        ["PAYLOAD_TOO_LARGE", "SOLD_OUT"]
    );
}
