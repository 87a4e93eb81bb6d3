//! `holdfast-queue-verify`: recomputes a pre-queue's order from its published fairness data
//! (`GET /api/v1/queue/{id}/fairness`, one or more pages saved as files, or `-` for stdin).
//!
//! It checks that the revealed seed matches the hash committed when the pre-queue opened and
//! that the pages hold the whole list, then prints every place (`place tokenHash`), or with
//! `--token T` only the place of the join token `T`. Exits 1 when a check fails.
//!
//! ```text
//! curl -s "$GATEWAY/api/v1/queue/$PERF/fairness" > page.json
//! holdfast-queue-verify --token "$JOIN_TOKEN" page.json
//! ```

use std::{io::Read, process::ExitCode};

use gateway::admission::fairness::{order, sha256_hex};
use serde_json::Value;

struct Published {
    seed: String,
    seed_hash: String,
    total: usize,
    hashes: Vec<String>,
}

fn read(source: &str) -> Result<Value, String> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("{source}: {e}"))?
    };
    let page: Value = serde_json::from_str(&text).map_err(|e| format!("{source}: {e}"))?;
    Ok(page.get("data").cloned().unwrap_or(page))
}

fn collect(sources: &[String]) -> Result<Published, String> {
    let mut pages = sources
        .iter()
        .map(|s| read(s))
        .collect::<Result<Vec<_>, _>>()?;
    pages.sort_by_key(|p| p["offset"].as_u64().unwrap_or(0));
    let first = pages.first().ok_or("no fairness data given")?;
    let field = |name: &str| first[name].as_str().map(str::to_owned);
    let seed = field("seed").ok_or("the seed is not revealed yet (the sale has not opened)")?;
    let seed_hash = field("seedHash").ok_or("no seed hash was published")?;
    let total = first["joinTokenHashesTotal"].as_u64().unwrap_or(0) as usize;
    let mut hashes = Vec::with_capacity(total);
    for page in &pages {
        if page["seed"].as_str() != Some(seed.as_str()) {
            return Err("pages disagree on the seed".to_owned());
        }
        if page["offset"].as_u64() != Some(hashes.len() as u64) {
            return Err(format!(
                "a page is missing before offset {}",
                page["offset"]
            ));
        }
        for h in page["joinTokenHashes"].as_array().into_iter().flatten() {
            hashes.push(h.as_str().ok_or("a token hash is not a string")?.to_owned());
        }
    }
    Ok(Published {
        seed,
        seed_hash,
        total,
        hashes,
    })
}

fn run(args: &[String]) -> Result<(), String> {
    let (token, sources) = match args {
        [flag, token, rest @ ..] if flag == "--token" => (Some(token.as_str()), rest),
        rest => (None, rest),
    };
    let data = collect(sources)?;
    if sha256_hex(&data.seed) != data.seed_hash {
        return Err("SHA-256(seed) differs from the committed seed hash".to_owned());
    }
    if data.hashes.len() != data.total {
        return Err(format!(
            "{} token hashes given of {} published; pass every page",
            data.hashes.len(),
            data.total
        ));
    }
    let placed = order(&data.seed, &data.hashes);
    eprintln!(
        "seed matches its commitment; {} pre-queue places recomputed",
        placed.len()
    );
    match token {
        Some(token) => {
            let mine = sha256_hex(token);
            let place = placed
                .iter()
                .position(|i| data.hashes[*i] == mine)
                .ok_or("this join token's hash is not in the published list")?;
            println!("{}", place + 1);
        }
        None => {
            for (place, i) in placed.iter().enumerate() {
                println!("{} {}", place + 1, data.hashes[*i]);
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args[0] == "--help" {
        eprintln!("usage: holdfast-queue-verify [--token JOIN_TOKEN] PAGE.json... (- for stdin)");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("verification failed: {e}");
            ExitCode::FAILURE
        }
    }
}
