//! Process metrics (CPU, memory, file descriptors, sockets, threads) read from `/proc/self`
//! at scrape time and rendered in the Prometheus text format.
//!
//! The metrics exporter does not collect these itself; Grafana's "Service health" dashboard
//! and the alert rules need them per instance. Names follow the Prometheus client
//! libraries' `process_*` conventions. On systems without `/proc` nothing is rendered.

use std::fmt::Write as _;

/// Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ; 100 on every Linux ABI).
const TICKS_PER_SECOND: f64 = 100.0;

/// The process metrics as Prometheus text, to be appended to a `/metrics` body.
pub fn render() -> String {
    let mut out = String::new();
    let stat = std::fs::read_to_string("/proc/self/stat").ok();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat
        .as_deref()
        .and_then(|s| s.rsplit_once(')'))
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // `fields[0]` is field 3 of proc(5): utime is field 14, stime 15, threads 20,
    // starttime 22, vsize 23, rss (pages) 24.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
    if let (Some(utime), Some(stime)) = (field(14), field(15)) {
        metric(
            &mut out,
            "process_cpu_seconds_total",
            "counter",
            "Total user and system CPU time spent in seconds",
            (utime + stime) / TICKS_PER_SECOND,
        );
    }
    if let Some(rss) = status_kib("VmRSS:") {
        metric(
            &mut out,
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes",
            rss * 1024.0,
        );
    }
    if let Some(vsize) = field(23) {
        metric(
            &mut out,
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes",
            vsize,
        );
    }
    if let Some(threads) = field(20) {
        metric(
            &mut out,
            "process_threads",
            "gauge",
            "OS threads in the process",
            threads,
        );
    }
    if let (Some(start_ticks), Some(boot)) = (field(22), boot_time()) {
        metric(
            &mut out,
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since the Unix epoch in seconds",
            boot + start_ticks / TICKS_PER_SECOND,
        );
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        let (mut fds, mut sockets) = (0u64, 0u64);
        for entry in entries.flatten() {
            fds += 1;
            let is_socket = std::fs::read_link(entry.path())
                .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
            sockets += u64::from(is_socket);
        }
        metric(
            &mut out,
            "process_open_fds",
            "gauge",
            "Open file descriptors",
            fds as f64,
        );
        metric(
            &mut out,
            "process_open_sockets",
            "gauge",
            "Open sockets: listeners, client connections and connections to Redis and Postgres",
            sockets as f64,
        );
    }
    if let Some(max) = max_fds() {
        metric(
            &mut out,
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors",
            max,
        );
    }
    out
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: f64) {
    let _ = write!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
    );
}

/// A `kB` line of `/proc/self/status`, e.g. `VmRSS:`.
fn status_kib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("btime "))?;
    line["btime ".len()..].trim().parse().ok()
}

fn max_fds() -> Option<f64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cpu_memory_and_descriptors_on_linux() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return;
        }
        let text = render();
        for name in [
            "process_cpu_seconds_total ",
            "process_resident_memory_bytes ",
            "process_open_fds ",
            "process_open_sockets ",
            "process_start_time_seconds ",
        ] {
            assert!(
                text.lines().any(|l| l.starts_with(name)),
                "{name} missing in {text}"
            );
        }
    }
}
