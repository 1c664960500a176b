//! The whole job from the command line (SPEC §6): Segment NDJSON in, one CRM record
//! per line out, using every core.
//!
//! ```text
//! cargo run --release --example batch -- --config CONFIG.json --events EVENTS.ndjson \
//!     --as-of 2026-10-31 [--out FILE] [--threads N] [--now RFC3339] \
//!     [--format ndjson|hubspot|salesforce] [--sync-state FILE]
//! ```
//!
//! `--format ndjson` (the default) writes every record; with `--sync-state`, only the
//! records and properties that changed since the state was written. `hubspot` and
//! `salesforce` write one request a line (`{"method":…,"path":…,"body":…}`) for the
//! changes. The sync state is read if the file exists and written after the output
//! is complete: the output file is the hand-over, so a run that fails before it is
//! written changes nothing and the next run sends the same changes again.
//!
//! The input is split into one chunk per thread, and each line is routed by its
//! `messageId` to one engine per thread, so that every copy of a message meets its
//! original; each thread parses and ingests its lines, and the engines are merged
//! (see the merge contract of `pulsecheck::Engine`). The ingest report goes to stderr, records to stdout or
//! `--out`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::thread;

use chrono::{DateTime, NaiveDate, Utc};
use pulsecheck::crm::{
    DiffOptions, HubSpot, HubSpotOptions, PropertyMap, Salesforce, SalesforceOptions, SyncState,
    diff,
};
use pulsecheck::{Config, Engine, IngestReport, Snapshot};

const USAGE: &str = "usage: batch --config CONFIG.json --events EVENTS.ndjson --as-of YYYY-MM-DD [--out FILE] [--threads N] [--now RFC3339]
             [--format ndjson|hubspot|salesforce] [--sync-state FILE]

  --config   the pulsecheck configuration (JSON, SPEC §1.3)
  --events   Segment-spec calls, one JSON object per line, any order
  --as-of    the day D the properties are computed for
  --out      where to write the records (default: stdout)
  --threads  worker threads (default: every core)
  --now      the host clock; calls later than it plus the configured skew are rejected
  --format   ndjson (records), hubspot or salesforce (batch request bodies); default ndjson
  --sync-state  what was sent last time: only changes are written, and the file is updated";

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Ndjson,
    HubSpot,
    Salesforce,
}

struct Args {
    config: String,
    events: String,
    as_of: NaiveDate,
    out: Option<String>,
    threads: usize,
    now: Option<DateTime<Utc>>,
    format: Format,
    sync_state: Option<String>,
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
                    other => {
                        return Err(format!(
                            "--format {other:?} is not one of ndjson, hubspot, salesforce"
                        ));
                    }
                }
            }
            "--sync-state" => sync_state = Some(value),
            other => return Err(format!("unknown argument {other:?}")),
        }
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
    if let Some(now) = args.now {
        template.set_clock(now);
    }
    let bytes = std::fs::read(&args.events)
        .map_err(|e| format!("cannot read --events {}: {e}", args.events))?;
    let started = std::time::Instant::now();
    let (engine, report) = ingest_parallel(&template, &bytes, args.threads);
    let ingested = started.elapsed();
    eprint!("{report}");

    let snapshot = engine.snapshot(args.as_of);
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            std::fs::File::create(path).map_err(|e| format!("cannot create --out {path}: {e}"))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(&mut out);
    write_output(args, &snapshot, &mut out)?;
    eprintln!(
        "{} accounts, {} users as of {}; ingest {:.3} s on {} threads, total {:.3} s",
        snapshot.accounts().len(),
        snapshot.users().len(),
        args.as_of,
        ingested.as_secs_f64(),
        args.threads,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes the records (or the changes and requests) and updates the sync state.
fn write_output(args: &Args, snapshot: &Snapshot, out: &mut impl Write) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    if args.format == Format::Ndjson && args.sync_state.is_none() {
        for record in snapshot.records() {
            serde_json::to_writer(&mut *out, record).map_err(|e| e.to_string())?;
            out.write_all(b"\n").map_err(io)?;
        }
        return out.flush().map_err(io);
    }
    let mut state = match &args.sync_state {
        Some(path) if std::path::Path::new(path).exists() => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read --sync-state {path}: {e}"))?;
            serde_json::from_str(&text)
                .map_err(|e| format!("--sync-state {path} is not a sync state: {e}"))?
        }
        _ => SyncState::new(),
    };
    let options = match args.format {
        Format::Salesforce => DiffOptions::new().properties(PropertyMap::salesforce()),
        _ => DiffOptions::new(),
    };
    let changes = diff(snapshot.records(), &state, &options);
    for skipped in changes.skipped() {
        eprintln!(
            "skipped {} {}: {}",
            skipped.kind().crm_object(),
            skipped.record_id(),
            skipped.reason()
        );
    }
    match args.format {
        Format::Ndjson => {
            for change in changes.iter() {
                let properties: serde_json::Map<String, serde_json::Value> = change
                    .properties()
                    .iter()
                    .map(|p| {
                        (
                            p.name().to_owned(),
                            serde_json::to_value(p.value()).unwrap_or_default(),
                        )
                    })
                    .collect();
                let line = format!(
                    "{{\"object\":\"{}\",\"id\":{},\"properties\":{}}}",
                    change.kind().crm_object(),
                    serde_json::Value::from(change.record_id()),
                    serde_json::Value::Object(properties)
                );
                writeln!(out, "{line}").map_err(io)?;
            }
        }
        Format::HubSpot | Format::Salesforce => {
            let requests = if args.format == Format::HubSpot {
                HubSpot::new(HubSpotOptions::new()).requests(&changes)
            } else {
                Salesforce::new(SalesforceOptions::new()).requests(&changes)
            }
            .map_err(|e| e.to_string())?;
            for request in &requests {
                writeln!(out, "{}", request.to_json().map_err(|e| e.to_string())?).map_err(io)?;
            }
        }
    }
    out.flush().map_err(io)?;
    eprintln!(
        "{} changed records ({} properties), {} unchanged, {} skipped",
        changes.len(),
        changes.property_count(),
        changes.unchanged(),
        changes.skipped().len()
    );
    if let Some(path) = &args.sync_state {
        state.confirm(&changes);
        let text = serde_json::to_string(&state).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write --sync-state {path}: {e}"))?;
    }
    Ok(())
}

/// Splits `bytes` into one chunk of whole lines per thread.
fn chunks(bytes: &[u8], n: usize) -> Vec<(u64, &[u8])> {
    let mut out = Vec::with_capacity(n);
    let (mut start, mut line) = (0usize, 1u64);
    for i in 1..=n {
        let mut end = if i == n {
            bytes.len()
        } else {
            (bytes.len() * i / n).max(start)
        };
        while end < bytes.len() && end > 0 && bytes[end - 1] != b'\n' {
            end += 1;
        }
        let chunk = &bytes[start..end];
        out.push((line, chunk));
        line += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        start = end;
    }
    out
}

/// The bytes of a line's `"messageId"` value, found without parsing the line (the
/// first occurrence of the key; escapes are kept as written). Only used to route a
/// line: copies of one message carry the same id, so they meet in one engine.
fn message_id_bytes(line: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"\"messageId\"";
    let mut from = 0;
    while let Some(offset) = line[from..].iter().position(|&b| b == b'"') {
        let at = from + offset;
        if line[at..].starts_with(KEY) {
            let rest = &line[at + KEY.len()..];
            let rest = rest
                .trim_ascii_start()
                .strip_prefix(b":")?
                .trim_ascii_start()
                .strip_prefix(b"\"")?;
            let mut end = 0;
            while end < rest.len() && rest[end] != b'"' {
                end += if rest[end] == b'\\' { 2 } else { 1 };
            }
            return rest.get(..end);
        }
        from = at + 1;
    }
    None
}

/// The engine a line goes to: by its `messageId`, else by its line number.
fn route(line: &[u8], line_no: u64, engines: usize) -> usize {
    let mut h = DefaultHasher::new();
    match message_id_bytes(line) {
        Some(id) => id.hash(&mut h),
        None => line_no.hash(&mut h),
    }
    (h.finish() % engines as u64) as usize
}

/// Every core: the lines are split into one chunk per thread and each chunk's lines
/// are routed (by a quick scan for their `messageId`, no parsing) to one engine per
/// thread, so that every copy of a message meets its original in one engine; each
/// thread then parses and ingests its lines, and the engines merge (disjoint
/// messages: exact). Should the scan ever split a message's copies (the merge
/// counts any message two engines both accepted), the input is ingested again by
/// one engine, so the answer never depends on the thread count.
fn ingest_parallel(template: &Engine, bytes: &[u8], threads: usize) -> (Engine, IngestReport) {
    let single = || {
        let mut engine = template.clone();
        let mut report = IngestReport::default();
        engine.ingest_ndjson_bytes(bytes, 1, &mut report);
        (engine, report)
    };
    if threads == 1 {
        return single();
    }
    let started = std::time::Instant::now();
    type Lines<'a> = Vec<Vec<(u64, &'a [u8])>>;
    let routed: Vec<Lines<'_>> = thread::scope(|s| {
        let handles: Vec<_> = chunks(bytes, threads)
            .into_iter()
            .map(|(first_line, chunk)| {
                s.spawn(move || {
                    let mut out: Lines<'_> = (0..threads).map(|_| Vec::new()).collect();
                    for (i, line) in chunk.split(|&b| b == b'\n').enumerate() {
                        let line_no = first_line + i as u64;
                        out[route(line, line_no, threads)].push((line_no, line));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("routing thread"))
            .collect()
    });
    let mut buckets: Lines<'_> = (0..threads).map(|_| Vec::new()).collect();
    for per_chunk in routed {
        for (k, lines) in per_chunk.into_iter().enumerate() {
            buckets[k].extend(lines);
        }
    }
    let route_time = started.elapsed();
    let engines: Vec<(Engine, IngestReport)> = thread::scope(|s| {
        let handles: Vec<_> = buckets
            .into_iter()
            .map(|lines| {
                let mut engine = template.clone();
                s.spawn(move || {
                    let mut report = IngestReport::default();
                    for (line_no, line) in lines {
                        engine.ingest_ndjson_bytes(line, line_no, &mut report);
                    }
                    (engine, report)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("ingest thread"))
            .collect()
    });
    let ingest_time = started.elapsed() - route_time;
    let mut report = IngestReport::default();
    let mut engines = engines.into_iter();
    let (mut engine, r) = engines.next().expect("at least one thread");
    report.merge(r);
    let mut overlapping = 0;
    for (other, r) in engines {
        report.merge(r);
        let stats = engine
            .merge(other)
            .expect("engines cloned from one template share the configuration");
        overlapping += stats.overlapping_messages();
    }
    eprintln!(
        "route {:.3} s, parse and ingest {:.3} s, merge {:.3} s",
        route_time.as_secs_f64(),
        ingest_time.as_secs_f64(),
        (started.elapsed() - route_time - ingest_time).as_secs_f64()
    );
    if overlapping > 0 {
        eprintln!(
            "{overlapping} messages were split between threads; ingesting again on one thread"
        );
        return single();
    }
    (engine, report)
}
