//! iCalendar content lines: TEXT escaping and folding at 75 octets, CRLF-terminated.

use chrono::{DateTime, Utc};

/// RFC 5545 3.1: lines "SHOULD NOT be longer than 75 octets, excluding the
/// line break"; a continuation line's leading space counts towards it.
const MAX_LINE_OCTETS: usize = 75;

/// Accumulates folded, CRLF-terminated content lines.
#[derive(Default)]
pub(super) struct Writer {
    output: String,
}

impl Writer {
    /// A property whose value is written as is: constants, numbers and
    /// `name` possibly carrying parameters (`NAME;PARAM=VALUE`).
    pub(super) fn raw(&mut self, name: &str, value: &str) {
        self.content_line(&format!("{name}:{value}"));
    }

    /// A property of type TEXT.
    pub(super) fn text(&mut self, name: &str, value: &str) {
        self.raw(name, &escape_text(value));
    }

    /// A property of type DATE-TIME, in UTC.
    pub(super) fn time(&mut self, name: &str, at: DateTime<Utc>) {
        self.raw(name, &at.format("%Y%m%dT%H%M%SZ").to_string());
    }

    fn content_line(&mut self, line: &str) {
        fold_into(&mut self.output, line);
    }

    pub(super) fn finish(self) -> String {
        self.output
    }
}

/// Escapes a TEXT value (RFC 5545 3.3.11). CRLF, LF and a lone CR each become
/// one `\n`; other control characters are dropped because a content line
/// cannot carry them.
pub(super) fn escape_text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                escaped.push_str("\\n");
            }
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push('\t'),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Appends `line` folded to at most [`MAX_LINE_OCTETS`] octets per physical
/// line, breaking only between characters so that every physical line is valid
/// UTF-8 on its own.
pub(super) fn fold_into(out: &mut String, line: &str) {
    let mut octets = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        if octets + width > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += width;
    }
    out.push_str("\r\n");
}
