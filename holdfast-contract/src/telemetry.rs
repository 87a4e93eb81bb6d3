//! Log setup shared by both services: human-readable by default, JSON lines for machines.
//!
//! Calendar feed URLs carry their secret token in the path (`/api/v1/calendar/{token}`). As a
//! last line of defence every log line passes through [`Redacting`], which replaces what
//! follows `/calendar/` (and an `accessToken=` query value, the live booking stream's) with
//! `[redacted]`, whoever wrote the line (our code, a request span, Pingora, hyper).

use std::{borrow::Cow, io};

use tracing_subscriber::{EnvFilter, fmt, fmt::MakeWriter, prelude::*};

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    init_with(json, filter, io::stdout);
}

/// Installs the global subscriber writing to `writer` (tests capture the output this way).
/// A second call keeps the first subscriber instead of panicking.
pub fn init_with<W>(json: bool, filter: EnvFilter, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let writer = Redacting(writer);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if json {
        registry
            .with(fmt::layer().json().with_writer(writer))
            .try_init()
    } else {
        registry.with(fmt::layer().with_writer(writer)).try_init()
    };
}

/// A log sink that redacts calendar feed tokens from everything written through it.
pub struct Redacting<W>(pub W);

impl<'a, W: MakeWriter<'a>> MakeWriter<'a> for Redacting<W> {
    type Writer = RedactingWriter<W::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

pub struct RedactingWriter<W>(W);

impl<W: io::Write> io::Write for RedactingWriter<W> {
    /// The formatter hands over one whole line per call, so a token is never split.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(&redact(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// What a secret follows in a URL: a calendar feed's token, and the access token a browser's
/// `EventSource` (which cannot send headers) puts in the live booking stream's query.
const MARKS: [&[u8]; 2] = [b"/calendar/", b"accessToken="];
const REDACTED: &[u8] = b"[redacted]";

/// The first mark in `haystack`: where it starts and how long it is.
fn next_mark(haystack: &[u8]) -> Option<(usize, usize)> {
    MARKS
        .iter()
        .filter_map(|m| find(haystack, m).map(|i| (i, m.len())))
        .min_by_key(|(i, _)| *i)
}

/// `…/calendar/<token>…` → `…/calendar/[redacted]…` and `accessToken=<token>` →
/// `accessToken=[redacted]`; the token ends at whitespace, a quote, a query, a fragment, a
/// slash or a separator. Lines without a mark are not copied.
pub fn redact(line: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = next_mark(line) else {
        return Cow::Borrowed(line);
    };
    let mut out = Vec::with_capacity(line.len());
    let mut rest = line;
    let mut at = Some(first);
    while let Some((i, mark_len)) = at {
        let token_start = i + mark_len;
        out.extend_from_slice(&rest[..token_start]);
        let token_len = rest[token_start..]
            .iter()
            .position(|b| ends_token(*b))
            .unwrap_or(rest.len() - token_start);
        if token_len > 0 {
            out.extend_from_slice(REDACTED);
        }
        rest = &rest[token_start + token_len..];
        at = next_mark(rest);
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

fn ends_token(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'"' | b'\''
                | b'?'
                | b'&'
                | b'#'
                | b'/'
                | b','
                | b'\\'
                | b'<'
                | b'>'
                | b')'
                | b']'
                | b'}'
                | b'`'
        )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &str) -> String {
        String::from_utf8_lossy(&redact(line.as_bytes())).into_owned()
    }

    #[test]
    fn calendar_tokens_are_redacted_and_other_lines_untouched() {
        assert_eq!(
            text("GET /api/v1/calendar/s3cr3t.ics?x=1, Host: a"),
            "GET /api/v1/calendar/[redacted]?x=1, Host: a"
        );
        assert_eq!(
            text("{\"uri\":\"/api/v1/calendar/abc\"} and /api/v1/calendar/def"),
            "{\"uri\":\"/api/v1/calendar/[redacted]\"} and /api/v1/calendar/[redacted]"
        );
        assert_eq!(text("/api/v1/calendar/"), "/api/v1/calendar/");
        assert_eq!(
            text("GET /api/v1/resources/stream?accessToken=eyJ.a.b&x=1 200"),
            "GET /api/v1/resources/stream?accessToken=[redacted]&x=1 200"
        );
        assert!(matches!(
            redact(b"GET /api/v1/calendar-feeds"),
            Cow::Borrowed(_)
        ));
    }
}
