//! Writes the sample dataset as files, for the `batch` example: the configuration,
//! a clean stream sorted by time, and a dirty copy of the same stream (shuffled,
//! with duplicates and malformed lines).
//!
//! ```text
//! cargo run --example sample_data -- --out-dir /tmp/pc [--accounts 600] [--health]
//! cargo run --release --example batch -- --config /tmp/pc/config.json \
//!     --events /tmp/pc/events-dirty.ndjson --as-of 2026-10-31
//! ```
//!
//! `--health` writes the configuration with its `health` section and adds NPS
//! answers and revenue changes to the stream (see `Sample::health`); without it
//! the files are the ones they always were.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use pulsecheck::sample::{self, Sample};

const USAGE: &str = "usage: sample_data --out-dir DIR [--accounts N] [--seed N] [--health]";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut accounts, mut seed, mut health) = (None, 600usize, 42u64, false);
    while let Some(flag) = args.next() {
        if flag == "--health" {
            health = true;
            continue;
        }
        let value = args.next();
        match (flag.as_str(), value) {
            ("--out-dir", Some(v)) => dir = Some(PathBuf::from(v)),
            ("--accounts", Some(v)) if v.parse::<usize>().is_ok() => {
                accounts = v.parse().unwrap_or(accounts)
            }
            ("--seed", Some(v)) if v.parse::<u64>().is_ok() => seed = v.parse().unwrap_or(seed),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match write(&dir, accounts, seed, health) {
        Ok((clean, dirty)) => {
            eprintln!(
                "wrote {} ({clean} lines), events-dirty.ndjson ({dirty} lines) and config.json",
                dir.join("events.ndjson").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write(
    dir: &std::path::Path,
    accounts: usize,
    seed: u64,
    health: bool,
) -> std::io::Result<(usize, usize)> {
    std::fs::create_dir_all(dir)?;
    let config = if health {
        sample::health_config()
    } else {
        sample::config()
    };
    let config = serde_json::to_string_pretty(&config).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("config.json"), config)?;

    let sample = Sample::new().accounts(accounts).seed(seed).health(health);
    let mut calls: Vec<_> = sample.calls().collect();
    calls.sort_by_key(|c| c.timestamp());
    let lines: Vec<String> = calls.iter().map(|c| c.to_json()).collect();
    let mut clean = BufWriter::new(std::fs::File::create(dir.join("events.ndjson"))?);
    for line in &lines {
        writeln!(clean, "{line}")?;
    }
    clean.flush()?;

    // The dirty copy: every line, 5% of them twice, garbage sprinkled in, shuffled.
    let mut rng = seed ^ 0x5851_f42d_4c95_7f2d;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let garbage = [
        "not json at all",
        "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"x\"}",
        "{\"type\":\"trak\",\"userId\":\"u\",\"timestamp\":\"2026-10-01T00:00:00Z\"}",
        "{\"type\":\"track\",\"event\":\"x\",\"timestamp\":\"2026-10-01T00:00:00Z\"}",
        "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"x\",\"timestamp\":\"last tuesday\"}",
        "{\"type\":\"identify\",\"userId\":\"u\",\"timestamp\":\"2026-10-01T00:00:00Z\",\"traits\":{\"n\":1e400}}",
        "[1,2,3]",
        "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"x\",\"timestamp\":\"2026-10-01T00:00:00Z\"",
    ];
    let mut dirty: Vec<&str> = Vec::with_capacity(lines.len() * 11 / 10);
    for line in &lines {
        dirty.push(line);
        if next() % 20 == 0 {
            dirty.push(line);
        }
        if next() % 100 == 0 {
            dirty.push(garbage[(next() % garbage.len() as u64) as usize]);
        }
    }
    for i in (1..dirty.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        dirty.swap(i, j);
    }
    let mut out = BufWriter::new(std::fs::File::create(dir.join("events-dirty.ndjson"))?);
    for line in &dirty {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok((lines.len(), dirty.len()))
}
