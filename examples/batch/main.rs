//! The whole job from the command line: Segment NDJSON in, one CRM record per line
//! out, using every core.
//!
//! ```text
//! cargo run --release --example batch -- --config CONFIG.json --events EVENTS.ndjson \
//!     --as-of 2026-10-31 [--out FILE] [--threads N] [--now RFC3339] \
//!     [--format ndjson|hubspot|salesforce|portfolio|html] [--sync-state FILE]
//! cargo run --release --example batch -- --config CONFIG.json \
//!     --format hubspot-schema|salesforce-schema [--out FILE]
//! ```
//!
//! `--format ndjson` (the default) writes every record; with `--sync-state`, only the
//! records and properties that changed since the state was written. `hubspot` and
//! `salesforce` write one request a line (`{"method":…,"path":…,"body":…}`) for the
//! changes. The sync state is read if the file exists and written after the output
//! is complete: the output file is the hand-over, so a run that fails before it is
//! written changes nothing and the next run sends the same changes again.
//!
//! `portfolio` writes the whole customer base as of the day (`Engine::portfolio`) as
//! one pretty-printed JSON object; `html` writes the same as the report page
//! (`Portfolio::to_html`, one self-contained HTML document).
//!
//! `hubspot-schema` and `salesforce-schema` need only the configuration: they write the
//! requests that set a portal (or an org) up once for what `hubspot` (or `salesforce`)
//! sends, one a line. For HubSpot, per object (contacts, then companies), the property
//! group and then `POST /crm/v3/properties/{object}/batch/create`, the id property
//! defined with unique values; for Salesforce, one Tooling API `CustomField` create per
//! custom field.
//!
//! # The pipeline
//!
//! With `--threads N` there are N workers, each with its own engine (a clone of one
//! configured template):
//!
//! 1. **Read, route and ingest, in one pass.** The input is cut into ranges of
//!    about 4 MiB, dealt out to the workers in turn (range `r` to worker `r % N`).
//!    A worker reads its ranges in 256 KiB blocks (every worker opens a regular file
//!    itself; a pipe is read into memory first), so reading overlaps parsing and the
//!    file is never held in memory whole. For each line it finds the sender's id
//!    (`userId`, else `anonymousId`, else `groupId`) with a quick scan, no parsing,
//!    and hashes it to pick the line's engine. The engine dedups a `messageId` per
//!    sender, so every copy of a message meets its original; and each user's state
//!    lives in one engine, which keeps the merge cheap. Lines for other engines are
//!    copied into batches and sent over a channel.
//! 2. **In input order.** An engine keeps the first copy of a message it sees, so
//!    every engine takes its lines in input order, as one engine reading the whole
//!    file would: all of range 0, then range 1, and so on. A worker keeps its own
//!    lines of a range until its engine has taken the earlier ranges from the
//!    other workers; small ranges keep that short, and what waits is still in the
//!    shared cache. Reading comes first, as it is what feeds the other workers: a
//!    worker ingests one batch per block read, and reads at most one round of
//!    ranges ahead of its engine.
//! 3. **Report.** A line's number is only known once the earlier ranges are counted,
//!    so workers count accepted and duplicate calls as they go and keep the other
//!    outcomes (rejections, warnings) with their position; these are recorded at
//!    the end in line order, which gives the report of a single engine.
//! 4. **Merge** (see the merge contract of `pulsecheck::Engine`), pairwise in
//!    parallel. Should the scan ever split a message's copies (the merge counts any
//!    message two engines both accepted), the input is ingested again by one
//!    engine, so the answer never depends on the thread count.
//! 5. **Snapshot** of the merged engine: one call into the library, which builds
//!    the records on N threads (`Engine::set_snapshot_threads`).
//! 6. **Output**: the records (or requests) are cut into small pieces, which the
//!    threads take in turn and render into buffers of their own; the main thread
//!    writes the pieces in order as they are ready.
//!
//! With one thread, the one engine reads the ranges in turn, with no routing. The
//! output is the same, byte for byte, for any number of threads.
//!
//! The ingest report and phase timings go to stderr, records to stdout or `--out`.

mod input;
mod output;
mod route;
mod workers;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use input::Input;
use output::{write_output, write_schema};
use pulsecheck::crm::SyncState;
use pulsecheck::{Config, Engine};
use workers::ingest_parallel;

const USAGE: &str = "usage: batch --config CONFIG.json --events EVENTS.ndjson --as-of YYYY-MM-DD [--out FILE] [--threads N] [--now RFC3339]
             [--format ndjson|hubspot|salesforce|portfolio|html] [--sync-state FILE]
       batch --config CONFIG.json --format hubspot-schema|salesforce-schema [--out FILE]

  --config   the pulsecheck configuration (JSON)
  --events   Segment-spec calls, one JSON object per line, any order
  --as-of    the day D the properties are computed for
  --out      where to write the records (default: stdout)
  --threads  worker threads (default: every core)
  --now      the host clock; calls later than it plus the configured skew are rejected
  --format   ndjson (records), hubspot or salesforce (batch request bodies), hubspot-schema or
             salesforce-schema (the property definitions to create once), portfolio (the whole
             base as of the day, JSON) or html (the portfolio's report page); default ndjson
  --sync-state  what was sent last time: only changes are written, and the file is updated";

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Ndjson,
    HubSpot,
    Salesforce,
    HubSpotSchema,
    SalesforceSchema,
    Portfolio,
    Html,
}

impl Format {
    /// Whether the output is the CRM set-up, which needs no events.
    fn is_schema(self) -> bool {
        matches!(self, Format::HubSpotSchema | Format::SalesforceSchema)
    }
}

struct Args {
    pub(crate) config: String,
    pub(crate) events: String,
    pub(crate) as_of: NaiveDate,
    pub(crate) out: Option<String>,
    pub(crate) threads: usize,
    pub(crate) now: Option<DateTime<Utc>>,
    pub(crate) format: Format,
    pub(crate) sync_state: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut config, mut events, mut as_of, mut out, mut threads, mut now) =
        (None, None, None, None, None, None);
    let (mut format, mut sync_state) = (Format::Ndjson, None);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--config" => config = Some(value),
            "--events" => events = Some(value),
            "--as-of" => {
                as_of = Some(
                    value
                        .parse::<NaiveDate>()
                        .map_err(|_| format!("--as-of {value:?} is not a date like 2026-10-31"))?,
                )
            }
            "--out" => out = Some(value),
            "--threads" => {
                threads = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| format!("--threads {value:?} is not a positive number"))?,
                )
            }
            "--now" => {
                now = Some(
                    DateTime::parse_from_rfc3339(&value)
                        .map_err(|_| format!("--now {value:?} is not an RFC 3339 timestamp"))?
                        .with_timezone(&Utc),
                )
            }
            "--format" => {
                format = match value.as_str() {
                    "ndjson" => Format::Ndjson,
                    "hubspot" => Format::HubSpot,
                    "salesforce" => Format::Salesforce,
                    "hubspot-schema" => Format::HubSpotSchema,
                    "salesforce-schema" => Format::SalesforceSchema,
                    "portfolio" => Format::Portfolio,
                    "html" => Format::Html,
                    other => {
                        return Err(format!(
                            "--format {other:?} is not one of ndjson, hubspot, salesforce, hubspot-schema, salesforce-schema, portfolio, html"
                        ));
                    }
                }
            }
            "--sync-state" => sync_state = Some(value),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if format.is_schema() {
        if events.is_some() || as_of.is_some() || sync_state.is_some() {
            return Err(format!(
                "--format {} needs only --config (and --out): the set-up does not depend on events",
                if format == Format::HubSpotSchema {
                    "hubspot-schema"
                } else {
                    "salesforce-schema"
                }
            ));
        }
        (events, as_of) = (Some(String::new()), Some(NaiveDate::MIN));
    }
    Ok(Args {
        config: config.ok_or("--config is required")?,
        events: events.ok_or("--events is required")?,
        as_of: as_of.ok_or("--as-of is required")?,
        out,
        threads: threads.unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get())),
        now,
        format,
        sync_state,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let config_text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("cannot read --config {}: {e}", args.config))?;
    let config: Config =
        serde_json::from_str(&config_text).map_err(|e| format!("--config {}: {e}", args.config))?;
    let mut template = Engine::new(config).map_err(|e| format!("--config {}: {e}", args.config))?;
    if args.format.is_schema() {
        return write_schema(args, &template);
    }
    if let Some(now) = args.now {
        template.set_clock(now);
    }
    let read_error = |e: io::Error| format!("cannot read --events {}: {e}", args.events);
    let input = Input::open(&args.events).map_err(read_error)?;
    let started = Instant::now();
    let (mut engine, report, phases) =
        ingest_parallel(&template, &input, args.threads).map_err(read_error)?;
    engine.set_snapshot_threads(args.threads);
    let ingested = started.elapsed();
    // In one piece: stderr is unbuffered, and the report's thousands of lines
    // would otherwise cost a system call each.
    let report = report.to_string();
    eprint!("{report}");

    if matches!(args.format, Format::Portfolio | Format::Html) {
        let result = write_portfolio(args, &engine, started);
        std::mem::forget(engine);
        return result;
    }

    let snapshot_started = Instant::now();
    let (snapshot, sync_state) = thread::scope(|s| {
        // The snapshot works out the day's people and sums on one thread before it
        // shares the records out: read the sync state meanwhile. Its errors are still reported where they were, once the records are out.
        let sync_state = match &args.sync_state {
            Some(path) if args.threads > 1 => Some(s.spawn(|| read_sync_state(path))),
            _ => None,
        };
        let snapshot = engine.snapshot(args.as_of);
        let sync_state = sync_state.map(|h| h.join().expect("sync state thread"));
        (snapshot, sync_state)
    });
    let snapshot_time = snapshot_started.elapsed();
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => {
            Box::new(File::create(path).map_err(|e| format!("cannot create --out {path}: {e}"))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::new(&mut out);
    let output_started = Instant::now();
    write_output(args, &snapshot, sync_state, &mut out)?;
    eprintln!(
        "phases: read, route and ingest {:.3} s (workers done at {} s, waited {} s), merge {:.3} s, snapshot {:.3} s, output {:.3} s",
        phases.ingest.as_secs_f64(),
        seconds(phases.workers.iter().map(|w| w.0)),
        seconds(phases.workers.iter().map(|w| w.1)),
        phases.merge.as_secs_f64(),
        snapshot_time.as_secs_f64(),
        output_started.elapsed().as_secs_f64()
    );
    eprintln!(
        "{} accounts, {} users as of {}; ingest {:.3} s on {} threads, total {:.3} s",
        snapshot.accounts().len(),
        snapshot.users().len(),
        args.as_of,
        ingested.as_secs_f64(),
        args.threads,
        started.elapsed().as_secs_f64()
    );
    // The process ends here: the OS takes the memory back at once, while dropping
    // the engine and the snapshot would free their many small allocations one by
    // one (13 ms on the 557k-line sample).
    std::mem::forget(snapshot);
    std::mem::forget(engine);
    Ok(())
}

/// `--format portfolio` and `--format html`: the portfolio of the day, as JSON or
/// as its report page.
fn write_portfolio(args: &Args, engine: &Engine, started: Instant) -> Result<(), String> {
    let portfolio_started = Instant::now();
    let portfolio = engine.portfolio(args.as_of);
    let portfolio_time = portfolio_started.elapsed();
    let text = if args.format == Format::Html {
        html(&portfolio)?
    } else {
        let mut json = serde_json::to_string_pretty(&portfolio).map_err(|e| e.to_string())?;
        json.push('\n');
        json
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write --out {path}: {e}"))?
        }
        None => io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?,
    }
    eprintln!(
        "portfolio of {} accounts, {} users as of {}: {:.3} s; total {:.3} s",
        portfolio.accounts(),
        portfolio.users(),
        args.as_of,
        portfolio_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(feature = "report")]
fn html(portfolio: &pulsecheck::Portfolio) -> Result<String, String> {
    Ok(portfolio.to_html())
}

#[cfg(not(feature = "report"))]
fn html(_: &pulsecheck::Portfolio) -> Result<String, String> {
    Err("--format html needs the crate's `report` feature".into())
}

/// Durations as seconds, separated by slashes.
fn seconds(durations: impl Iterator<Item = Duration>) -> String {
    let seconds: Vec<_> = durations
        .map(|d| format!("{:.3}", d.as_secs_f64()))
        .collect();
    seconds.join("/")
}

/// The sync state of `--sync-state` (a new one if the file does not exist yet).
fn read_sync_state(path: &str) -> Result<SyncState, String> {
    if !std::path::Path::new(path).exists() {
        return Ok(SyncState::new());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read --sync-state {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("--sync-state {path} is not a sync state: {e}"))
}
