//! The organizer's control room watching a sale: one admin reads
//! `GET /admin/performances/{id}/live` (Server-Sent Events) for the whole run, through the
//! gateway like the console does, and records how often a frame arrives and how old its
//! figures are on arrival.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::watch;

/// Frames seen by the watcher until it was told to stop.
#[derive(Default)]
pub struct Watched {
    frames: u64,
    /// Milliseconds between consecutive frames.
    gaps: Vec<f64>,
    /// Milliseconds from a frame's `at` to its arrival (same machine, same clock).
    ages: Vec<f64>,
    last_sold: i64,
    error: Option<String>,
}

impl Watched {
    pub fn json(&self) -> Value {
        json!({
            "frames": self.frames,
            "maxGapMs": max(&self.gaps),
            "meanGapMs": mean(&self.gaps),
            "p99AgeMs": quantile(&self.ages, 0.99),
            "maxAgeMs": max(&self.ages),
            "lastSold": self.last_sold,
            "error": self.error,
        })
    }
}

/// Reads the live stream until `stop` turns true, then returns what it saw.
pub async fn control_room(
    base: &str,
    perf: &str,
    token: &str,
    mut stop: watch::Receiver<bool>,
) -> Watched {
    let mut seen = Watched::default();
    let url = format!("{base}/api/v1/admin/performances/{perf}/live");
    // Its own client: the shared one times calls out after 30 s; this one lasts the run.
    let reply = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
    {
        Ok(http) => http.get(&url).bearer_auth(token).send().await,
        Err(e) => {
            seen.error = Some(e.to_string());
            return seen;
        }
    };
    let mut body = match reply {
        Ok(r) if r.status().is_success() => r.bytes_stream(),
        Ok(r) => {
            seen.error = Some(format!("HTTP {}", r.status()));
            return seen;
        }
        Err(e) => {
            seen.error = Some(e.to_string());
            return seen;
        }
    };
    let mut buf = Vec::new();
    let mut last: Option<Instant> = None;
    loop {
        let chunk = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            chunk = body.next() => chunk,
        };
        let bytes = match chunk {
            Some(Ok(b)) => b,
            Some(Err(e)) => {
                seen.error = Some(e.to_string());
                break;
            }
            None => {
                seen.error = Some("the stream ended".into());
                break;
            }
        };
        buf.extend_from_slice(&bytes);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            let Some(frame) = data_of(&event) else {
                continue;
            };
            let now = Instant::now();
            if let Some(prev) = last {
                seen.gaps.push(now.duration_since(prev).as_secs_f64() * 1e3);
            }
            last = Some(now);
            seen.frames += 1;
            seen.last_sold = frame["sold"].as_i64().unwrap_or(seen.last_sold);
            if let Some(at) = frame["at"]
                .as_str()
                .and_then(|s| s.parse::<DateTime<Utc>>().ok())
            {
                seen.ages
                    .push((Utc::now() - at).num_microseconds().unwrap_or(0) as f64 / 1e3);
            }
        }
    }
    seen
}

fn data_of(event: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(event).ok()?;
    let data = text.lines().find_map(|l| l.strip_prefix("data: "))?;
    serde_json::from_str(data).ok()
}

fn max(xs: &[f64]) -> Option<f64> {
    xs.iter().copied().reduce(f64::max)
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * q).ceil() as usize).checked_sub(1)?;
    v.get(i).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_yields_its_data_line() {
        let frame = data_of(b"event: stats\ndata: {\"sold\":3}\n\n").expect("frame");
        assert_eq!(frame["sold"], 3);
        assert!(data_of(b": comment\n\n").is_none());
    }

    #[test]
    fn quantiles_pick_the_nearest_rank() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.99), Some(99.0));
        assert_eq!(quantile(&[], 0.99), None);
        assert_eq!(max(&[1.0, 5.0, 2.0]), Some(5.0));
    }
}
