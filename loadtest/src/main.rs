//! The Holdfast load driver: runs one scenario, prints its table, writes its JSON/HTML
//! report, then checks the invariants in PostgreSQL and Redis; exits 1 on FAIL.

mod client;
mod config;
mod invariant;
mod report;
mod scenarios;
mod setup;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;

use crate::{
    config::{Cli, Scenario},
    invariant::Check,
};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("loadtest: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<bool> {
    match cli.scenario {
        Scenario::FlashSale(args) => {
            let common = args.common.clone();
            let done = scenarios::flash_sale::run(args).await?;
            let wall = std::time::Duration::from_secs_f64(
                done.report["wallSeconds"].as_f64().unwrap_or(1.0),
            );
            println!("\nflash-sale\n{}", done.recorder.table(wall));
            let r = &done.report;
            println!(
                "sell-out: {} s   buyers who bought: {}   5xx: {}   no answer: {}",
                r["sellOutSeconds"]
                    .as_f64()
                    .map_or("not sold out".into(), |s| format!("{s:.1}")),
                r["buyersWhoBought"],
                r["http5xx"],
                r["noAnswer"]
            );
            let db = setup::connect(&common).await?;
            let mut outcome =
                invariant::check(&common, &db, done.perf, done.sold_out_expected).await?;
            let mismatches = r["idempotencyMismatches"].as_u64().unwrap_or(0);
            outcome.checks.push(Check {
                name: "Idempotency-Key retries replay the first answer",
                pass: mismatches == 0,
                detail: format!("{mismatches} mismatches"),
            });
            finish(&common, done.report, &done.recorder, outcome)
        }
        Scenario::HotSeat(args) => {
            let common = args.common.clone();
            let (results, ceiling, rec) = scenarios::hot_seat::run(args).await?;
            println!("\nhot-seat\n{}", rec.table(rec.elapsed()));
            let db = setup::connect(&common).await?;
            let mut all_pass = true;
            let mut targets = Vec::new();
            let mut checks = Vec::new();
            for t in &results {
                println!(
                    "{:<10} {:>9.1} requests/s settled, {}/{} rounds with exactly one winner",
                    t.label,
                    t.report["requestsPerSecond"].as_f64().unwrap_or(0.0),
                    t.rounds_with_one_winner,
                    t.rounds
                );
                let mut outcome = invariant::check(&common, &db, t.perf, false).await?;
                outcome.checks.push(Check {
                    name: "exactly one winner in every round",
                    pass: t.rounds_with_one_winner == t.rounds,
                    detail: format!(
                        "{}/{} rounds ({})",
                        t.rounds_with_one_winner, t.rounds, t.label
                    ),
                });
                outcome.print();
                all_pass &= outcome.pass();
                targets.push(t.report.clone());
                checks.push(outcome.json());
            }
            let ratio = match (results.first(), results.get(1)) {
                (Some(a), Some(b)) => {
                    let x = a.report["requestsPerSecond"].as_f64().unwrap_or(0.0)
                        / b.report["requestsPerSecond"]
                            .as_f64()
                            .unwrap_or(1.0)
                            .max(1e-9);
                    println!("{} / {} settle ratio: {x:.1}x", a.label, b.label);
                    Some(x)
                }
                _ => None,
            };
            if let Some(c) = &ceiling {
                let rps = c["requestsPerSecond"].as_f64().unwrap_or(0.0);
                print!(
                    "ceiling    {rps:>9.1} requests/s settled (closed sale: refused from cached rules, no store)"
                );
                if let Some(last) = results.get(1) {
                    let base = last.report["requestsPerSecond"]
                        .as_f64()
                        .unwrap_or(1.0)
                        .max(1e-9);
                    print!("; ceiling / {} {:.1}x", last.label, rps / base);
                }
                println!();
            }
            let report = json!({
                "scenario": "hot-seat", "targets": targets, "ratio": ratio, "ceiling": ceiling,
                "invariants": checks, "pass": all_pass, "ops": rec.ops_json(rec.elapsed()),
            });
            report::write_outputs(
                &report,
                &rec.series_json(),
                common.json.as_deref(),
                common.html.as_deref(),
            )?;
            Ok(all_pass)
        }
        Scenario::QueueMillion(args) => {
            let common = args.common.clone();
            let done = scenarios::queue_million::run(args).await?;
            println!(
                "\nqueue-million\n{}",
                done.recorder.table(done.recorder.elapsed())
            );
            let r = &done.report;
            println!(
                "joins {}: p99 {:.1} ms; status p99 {:.1} ms; Redis {:.0} bytes a waiting person; admission {:.3} of admitPerMinute",
                r["joined"],
                r["joinP99Ms"].as_f64().unwrap_or(0.0),
                r["statusP99Ms"].as_f64().unwrap_or(0.0),
                r["redisBytesPerWaitingPerson"].as_f64().unwrap_or(0.0),
                r["admissionAccuracy"].as_f64().unwrap_or(0.0)
            );
            finish(&common, done.report, &done.recorder, done.outcome)
        }
        Scenario::Holds(args) => {
            let common = args.common.clone();
            let done = scenarios::holds::run(args).await?;
            println!("\nholds\n{}", done.recorder.table(done.recorder.elapsed()));
            let r = &done.report;
            println!(
                "holds/s gateway {:.1}, direct {:.1}, ratio {:.2}; reservation commits/s {:.1}",
                r["gatewayHoldsPerSecond"].as_f64().unwrap_or(0.0),
                r["directHoldsPerSecond"].as_f64().unwrap_or(0.0),
                r["gatewayToDirectRatio"].as_f64().unwrap_or(0.0),
                r["reservationCommitsPerSecond"].as_f64().unwrap_or(0.0)
            );
            let db = setup::connect(&common).await?;
            let mut outcome = invariant::check(&common, &db, done.perf, false).await?;
            outcome.checks.push(Check {
                name: "every distinct-seat hold granted",
                pass: done.failures == 0,
                detail: format!("{} refused", done.failures),
            });
            finish(&common, done.report, &done.recorder, outcome)
        }
    }
}

fn finish(
    common: &config::Common,
    mut report: serde_json::Value,
    rec: &report::Recorder,
    outcome: invariant::Outcome,
) -> anyhow::Result<bool> {
    outcome.print();
    report["invariants"] = outcome.json();
    report["pass"] = json!(outcome.pass());
    report::write_outputs(
        &report,
        &rec.series_json(),
        common.json.as_deref(),
        common.html.as_deref(),
    )?;
    Ok(outcome.pass())
}
