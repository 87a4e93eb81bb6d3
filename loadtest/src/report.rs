//! Measurements of one run: HDR latency histograms and status counts per operation, a
//! per-second time series, and their rendering as a terminal table, JSON and an HTML/SVG chart.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    path::Path,
    sync::Mutex,
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Latencies are recorded in microseconds, 1 µs … 60 s, 3 significant digits.
fn new_histogram() -> Histogram<u64> {
    // Constant, valid bounds: this cannot fail.
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

#[derive(Default)]
struct OpStats {
    hist: Option<Histogram<u64>>,
    statuses: BTreeMap<u16, u64>,
}

struct Second {
    requests: u64,
    hist: Histogram<u64>,
}

struct Inner {
    ops: BTreeMap<String, OpStats>,
    seconds: Vec<Second>,
}

/// Shared by every virtual user of a run; one short lock per request.
pub struct Recorder {
    started: Instant,
    inner: Mutex<Inner>,
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            started: Instant::now(),
            inner: Mutex::new(Inner {
                ops: BTreeMap::new(),
                seconds: Vec::new(),
            }),
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Records one request of operation `op` answered with `status` (0: no answer).
    pub fn record(&self, op: &str, status: u16, latency: Duration) {
        let micros = (latency.as_micros() as u64).clamp(1, 60_000_000);
        let second = self.started.elapsed().as_secs() as usize;
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let stats = inner.ops.entry(op.to_owned()).or_default();
        let _ = stats.hist.get_or_insert_with(new_histogram).record(micros);
        *stats.statuses.entry(status).or_default() += 1;
        while inner.seconds.len() <= second {
            inner.seconds.push(Second {
                requests: 0,
                hist: new_histogram(),
            });
        }
        let bucket = &mut inner.seconds[second];
        bucket.requests += 1;
        let _ = bucket.hist.record(micros);
    }

    /// Count of answers with a status in `range` for `op` (or every op when None).
    pub fn count(&self, op: Option<&str>, range: std::ops::RangeInclusive<u16>) -> u64 {
        let Ok(inner) = self.inner.lock() else {
            return 0;
        };
        inner
            .ops
            .iter()
            .filter(|(name, _)| op.is_none_or(|o| o == name.as_str()))
            .flat_map(|(_, s)| s.statuses.iter())
            .filter(|(code, _)| range.contains(code))
            .map(|(_, n)| n)
            .sum()
    }

    /// p-quantile latency of `op` in milliseconds.
    pub fn quantile_ms(&self, op: &str, q: f64) -> f64 {
        let Ok(inner) = self.inner.lock() else {
            return 0.0;
        };
        inner
            .ops
            .get(op)
            .and_then(|s| s.hist.as_ref())
            .map_or(0.0, |h| h.value_at_quantile(q) as f64 / 1000.0)
    }

    /// Per-operation figures as JSON (counts, rates over `wall`, latency quantiles).
    pub fn ops_json(&self, wall: Duration) -> Value {
        let Ok(inner) = self.inner.lock() else {
            return Value::Null;
        };
        let secs = wall.as_secs_f64().max(1e-9);
        let mut out = serde_json::Map::new();
        for (name, s) in &inner.ops {
            let Some(h) = s.hist.as_ref() else { continue };
            let q = |x: f64| h.value_at_quantile(x) as f64 / 1000.0;
            let statuses: serde_json::Map<String, Value> = s
                .statuses
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            out.insert(
                name.clone(),
                json!({
                    "count": h.len(),
                    "perSecond": h.len() as f64 / secs,
                    "p50Ms": q(0.50), "p90Ms": q(0.90), "p99Ms": q(0.99), "maxMs": h.max() as f64 / 1000.0,
                    "statuses": statuses,
                }),
            );
        }
        Value::Object(out)
    }

    /// The per-second series: `[{t, requests, p50Ms, p99Ms}]`.
    pub fn series_json(&self) -> Value {
        let Ok(inner) = self.inner.lock() else {
            return Value::Null;
        };
        Value::Array(
            inner
                .seconds
                .iter()
                .enumerate()
                .map(|(t, s)| {
                    let q = |x: f64| s.hist.value_at_quantile(x) as f64 / 1000.0;
                    json!({"t": t, "requests": s.requests, "p50Ms": q(0.5), "p99Ms": q(0.99)})
                })
                .collect(),
        )
    }

    /// The terminal table.
    pub fn table(&self, wall: Duration) -> String {
        let ops = self.ops_json(wall);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<22} {:>8} {:>9} {:>8} {:>8} {:>8} {:>9}  statuses",
            "operation", "count", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        if let Value::Object(map) = ops {
            for (name, v) in map {
                let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
                let statuses = v["statuses"]
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, n)| format!("{k}:{n}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{:<22} {:>8} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>9.1}  {}",
                    name,
                    f("count"),
                    f("perSecond"),
                    f("p50Ms"),
                    f("p90Ms"),
                    f("p99Ms"),
                    f("maxMs"),
                    statuses
                );
            }
        }
        out
    }
}

/// Writes the JSON report and, when asked, the HTML chart.
pub fn write_outputs(
    report: &Value,
    series: &Value,
    json_path: Option<&Path>,
    html_path: Option<&Path>,
) -> anyhow::Result<()> {
    if let Some(path) = json_path {
        std::fs::write(path, serde_json::to_string_pretty(report)?)?;
        eprintln!("report: {}", path.display());
    }
    if let Some(path) = html_path {
        let title = report["scenario"].as_str().unwrap_or("loadtest");
        std::fs::write(path, html(title, series))?;
        eprintln!("chart: {}", path.display());
    }
    Ok(())
}

/// A self-contained page with two SVG line charts: requests/s and p50/p99 latency per second.
fn html(title: &str, series: &Value) -> String {
    let points: Vec<(f64, f64, f64, f64)> = series
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    (
                        p["t"].as_f64().unwrap_or(0.0),
                        p["requests"].as_f64().unwrap_or(0.0),
                        p["p50Ms"].as_f64().unwrap_or(0.0),
                        p["p99Ms"].as_f64().unwrap_or(0.0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let rps = svg_chart(
        "requests per second",
        &[(
            "req/s",
            "#2563eb",
            points.iter().map(|p| (p.0, p.1)).collect(),
        )],
    );
    let lat = svg_chart(
        "latency (ms)",
        &[
            (
                "p50",
                "#16a34a",
                points.iter().map(|p| (p.0, p.2)).collect(),
            ),
            (
                "p99",
                "#dc2626",
                points.iter().map(|p| (p.0, p.3)).collect(),
            ),
        ],
    );
    format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title>\
         <body style=\"font-family:sans-serif\"><h1>{title}</h1>{rps}{lat}</body>\n"
    )
}

type Line<'a> = (&'a str, &'a str, Vec<(f64, f64)>);

fn svg_chart(label: &str, lines: &[Line<'_>]) -> String {
    let (w, h, pad) = (800.0, 240.0, 40.0);
    let max_x = lines
        .iter()
        .flat_map(|l| l.2.iter().map(|p| p.0))
        .fold(1.0_f64, f64::max);
    let max_y = lines
        .iter()
        .flat_map(|l| l.2.iter().map(|p| p.1))
        .fold(1.0_f64, f64::max);
    let mut svg = format!(
        "<h2>{label}</h2><svg width=\"{w}\" height=\"{h}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\" stroke=\"#ccc\"/>\
         <text x=\"4\" y=\"14\" font-size=\"11\">{max_y:.0}</text>\
         <text x=\"{}\" y=\"{}\" font-size=\"11\">{max_x:.0} s</text>",
        w - pad,
        h - 4.0
    );
    for (i, (name, color, pts)) in lines.iter().enumerate() {
        let path: Vec<String> = pts
            .iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    pad + x / max_x * (w - 2.0 * pad),
                    h - pad - y / max_y * (h - 2.0 * pad)
                )
            })
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{}\"/>\
             <text x=\"{}\" y=\"14\" font-size=\"11\" fill=\"{color}\">{name}</text>",
            path.join(" "),
            100.0 + 60.0 * i as f64
        );
    }
    svg.push_str("</svg>");
    svg
}
