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
//! 5. **Snapshot** of the merged engine: one call into the library, on one thread.
//! 6. **Output**: the records (or requests) are cut into small pieces, which the
//!    threads take in turn and render into buffers of their own; the main thread
//!    writes the pieces in order as they are ready.
//!
//! With one thread, the one engine reads the ranges in turn, with no routing. The
//! output is the same, byte for byte, for any number of threads.
//!
//! The ingest report and phase timings go to stderr, records to stdout or `--out`.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use pulsecheck::crm::{
    DiffOptions, HubSpot, HubSpotOptions, PropertyMap, Salesforce, SalesforceOptions, SyncState,
    diff,
};
use pulsecheck::{Config, Engine, IngestReport, Outcome, Rejection, Snapshot};

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
    let read_error = |e: io::Error| format!("cannot read --events {}: {e}", args.events);
    let input = Input::open(&args.events).map_err(read_error)?;
    let started = Instant::now();
    let (engine, report, phases) =
        ingest_parallel(&template, &input, args.threads).map_err(read_error)?;
    let ingested = started.elapsed();
    // In one piece: stderr is unbuffered, and the report's thousands of lines
    // would otherwise cost a system call each.
    let report = report.to_string();
    eprint!("{report}");

    let snapshot_started = Instant::now();
    let (snapshot, sync_state) = thread::scope(|s| {
        // The snapshot leaves the other cores idle: read the sync state meanwhile.
        // Its errors are still reported where they were, once the records are out.
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

/// Writes the records (or the changes and requests) and updates the sync state;
/// `sync_state` is the sync state if it has been read already.
fn write_output(
    args: &Args,
    snapshot: &Snapshot,
    sync_state: Option<Result<SyncState, String>>,
    out: &mut impl Write,
) -> Result<(), String> {
    let io = |e: io::Error| e.to_string();
    if args.format == Format::Ndjson && args.sync_state.is_none() {
        let records: Vec<_> = snapshot.records().collect();
        write_rendered(out, &records, args.threads, |record, buf| {
            serde_json::to_writer(&mut *buf, record).map_err(|e| e.to_string())?;
            buf.push(b'\n');
            Ok(())
        })?;
        return out.flush().map_err(io);
    }
    let state = match (sync_state, &args.sync_state) {
        (Some(state), _) => state?,
        (None, Some(path)) => read_sync_state(path)?,
        (None, None) => SyncState::new(),
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
    // The state to write once the output is complete: the old one, confirmed with
    // these changes, as JSON.
    let confirm = |mut state: SyncState| {
        state.confirm(&changes);
        serde_json::to_string(&state).map_err(|e| e.to_string())
    };
    thread::scope(|s| {
        // With threads to spare, that is worked out while the output is written.
        let new_state: Box<dyn FnOnce() -> Result<String, String>> =
            if args.sync_state.is_some() && args.threads > 1 {
                let confirmed = s.spawn(move || confirm(state));
                Box::new(move || confirmed.join().expect("sync state thread"))
            } else {
                Box::new(move || confirm(state))
            };
        match args.format {
            Format::Ndjson => {
                let changed: Vec<_> = changes.iter().collect();
                write_rendered(out, &changed, args.threads, |change, buf| {
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
                    writeln!(
                        buf,
                        "{{\"object\":\"{}\",\"id\":{},\"properties\":{}}}",
                        change.kind().crm_object(),
                        serde_json::Value::from(change.record_id()),
                        serde_json::Value::Object(properties)
                    )
                    .map_err(io)
                })?;
            }
            Format::HubSpot | Format::Salesforce => {
                let requests = if args.format == Format::HubSpot {
                    HubSpot::new(HubSpotOptions::new()).requests(&changes)
                } else {
                    Salesforce::new(SalesforceOptions::new()).requests(&changes)
                }
                .map_err(|e| e.to_string())?;
                write_rendered(out, &requests, args.threads, |request, buf| {
                    buf.extend_from_slice(request.to_json().map_err(|e| e.to_string())?.as_bytes());
                    buf.push(b'\n');
                    Ok(())
                })?;
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
            let text = new_state()?;
            std::fs::write(path, text)
                .map_err(|e| format!("cannot write --sync-state {path}: {e}"))?;
        }
        Ok(())
    })
}

/// Writes `items` rendered one after the other, the rendering spread over `threads`
/// threads. The items are cut into small pieces that the threads take in turn, each
/// rendering a piece into its own buffer, and the calling thread writes the pieces
/// in order as they are ready, so the bytes are those of a loop over `items`. Small
/// pieces keep every thread busy to the end even when one starts late (waking an
/// idle core took 1 to 3 ms on the 2-core test machine, a third of the rendering).
/// Should rendering fail, what came before the failing item is written and the
/// error returned, as a loop would.
fn write_rendered<T: Sync>(
    out: &mut impl Write,
    items: &[T],
    threads: usize,
    render: impl Fn(&T, &mut Vec<u8>) -> Result<(), String> + Sync,
) -> Result<(), String> {
    const PIECES_PER_THREAD: usize = 16;
    let piece_len = items.len().div_ceil(threads * PIECES_PER_THREAD).max(1);
    let pieces: Vec<&[T]> = items.chunks(piece_len).collect();
    // A rendered piece: its bytes, and whether rendering went through to its end.
    type Rendered = (Vec<u8>, Result<(), String>);
    let rendered: Vec<OnceLock<Rendered>> = pieces.iter().map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    // Renders the next piece nobody has taken; `false` once none is left. `size` is
    // the size of the thread's previous piece: its buffer is made that large at
    // once, rather than grown (and copied) a few times.
    let render_next = |size: &mut usize| {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(piece) = pieces.get(i) else {
            return false;
        };
        let mut buf = Vec::with_capacity(*size + *size / 8);
        let result = piece.iter().try_for_each(|item| render(item, &mut buf));
        *size = buf.len();
        let _ = rendered[i].set((buf, result));
        true
    };
    let mut written = 0;
    // Writes the pieces that are ready and not yet written, in order.
    let mut write_ready = || -> Result<(), String> {
        while let Some((buf, result)) = rendered.get(written).and_then(OnceLock::get) {
            written += 1;
            out.write_all(buf).map_err(|e| e.to_string())?;
            if let Err(e) = result {
                // Stop the other threads: nothing after this is written.
                next.store(pieces.len(), Ordering::Relaxed);
                return Err(e.clone());
            }
        }
        Ok(())
    };
    thread::scope(|s| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut size = 0;
                    while render_next(&mut size) {}
                })
            })
            .collect();
        let mut size = 0;
        while render_next(&mut size) {
            write_ready()?;
        }
        for helper in helpers {
            helper.join().expect("rendering thread");
        }
        write_ready()
    })
}

/// The `--events` input: a regular file, which every worker opens to read its own
/// ranges, or the bytes of anything else (a pipe, a terminal), read up front.
enum Input<'a> {
    File { path: &'a str, len: u64 },
    Bytes(Vec<u8>),
}

/// What a worker reads the input through: the file, or the bytes read up front.
trait Source: Read + Seek + Send {}

impl<T: Read + Seek + Send> Source for T {}

impl<'a> Input<'a> {
    fn open(path: &'a str) -> io::Result<Input<'a>> {
        let mut file = File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_file() {
            return Ok(Input::File {
                path,
                len: metadata.len(),
            });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(Input::Bytes(bytes))
    }

    fn len(&self) -> u64 {
        match self {
            Input::File { len, .. } => *len,
            Input::Bytes(bytes) => bytes.len() as u64,
        }
    }

    /// A reader of the input for one worker.
    fn source(&self) -> io::Result<Box<dyn Source + '_>> {
        Ok(match self {
            Input::File { path, .. } => Box::new(File::open(path)?),
            Input::Bytes(bytes) => Box::new(io::Cursor::new(bytes.as_slice())),
        })
    }
}

/// How much a worker reads at a time: small enough that a block is still in the
/// core's cache when its lines are scanned and parsed.
const BLOCK_BYTES: usize = 256 * 1024;

/// The lines that start inside one byte range of the input, read block by block into
/// one reused buffer. A line that starts in the range is read to its end, past the
/// range if need be; a line that started before it belongs to the previous range.
struct RangeLines<R> {
    source: R,
    buf: Vec<u8>,
    /// `buf[start..filled]` is read and not yet handed out.
    start: usize,
    filled: usize,
    /// The input offset of `buf[start]`.
    offset: u64,
    /// Where the next range starts.
    end: u64,
    eof: bool,
}

impl<R: Read> RangeLines<R> {
    /// The lines that start in `start..end`; `source` reads the input from `start`
    /// on, or from `start - 1` if `start > 0`, to tell whether a line starts at
    /// `start`. `buf` is a buffer to reuse (its contents do not matter).
    fn new(source: R, start: u64, end: u64, mut buf: Vec<u8>) -> io::Result<RangeLines<R>> {
        buf.resize(buf.len().max(BLOCK_BYTES), 0);
        let mut lines = RangeLines {
            source,
            buf,
            start: 0,
            filled: 0,
            offset: start.saturating_sub(1),
            end,
            eof: false,
        };
        if start > 0 {
            // The rest of the line that holds byte `start - 1`, with its newline.
            lines.next_line()?;
        }
        Ok(lines)
    }

    fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        if self.offset >= self.end {
            return Ok(None);
        }
        // Bytes after `start` known to hold no newline.
        let mut searched = 0;
        loop {
            let line_start = self.start;
            if let Some(i) = find_byte(&self.buf[line_start + searched..self.filled], b'\n') {
                let line_end = line_start + searched + i;
                self.start = line_end + 1;
                self.offset += (self.start - line_start) as u64;
                return Ok(Some(&self.buf[line_start..line_end]));
            }
            searched = self.filled - line_start;
            if self.eof {
                if searched == 0 {
                    return Ok(None);
                }
                self.start = self.filled;
                self.offset += searched as u64;
                return Ok(Some(&self.buf[line_start..self.filled]));
            }
            self.refill()?;
        }
    }

    /// Moves the partial line to the front of the buffer (growing it if the line
    /// fills it) and reads more after it.
    fn refill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.start..self.filled, 0);
        self.filled -= self.start;
        self.start = 0;
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.source.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            return Ok(());
        }
    }
}

/// The high bit of each byte of `word` that equals `needle`, and no other bit (the
/// SWAR zero-byte test, in its exact form). Looking at eight bytes at a time makes
/// the searches below about 2.5 times as fast as a byte-by-byte loop; splitting
/// lines and scanning them for ids is most of the work here that is not parsing.
fn matches(word: &[u8], needle: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
    let x = word ^ (u64::from(needle) * 0x0101_0101_0101_0101);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The position of the first `needle` in `hay`.
fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    let mut words = hay.chunks_exact(8);
    for (i, word) in (&mut words).enumerate() {
        let found = matches(word, needle);
        if found != 0 {
            return Some(i * 8 + found.trailing_zeros() as usize / 8);
        }
    }
    let tail = words.remainder();
    let tail_start = hay.len() - tail.len();
    tail.iter()
        .position(|&b| b == needle)
        .map(|j| tail_start + j)
}

/// The position of the last `needle` in `hay`.
fn rfind_byte(hay: &[u8], needle: u8) -> Option<usize> {
    let mut words = hay.rchunks_exact(8);
    for (i, word) in (&mut words).enumerate() {
        let found = matches(word, needle);
        if found != 0 {
            return Some(hay.len() - (i + 1) * 8 + 7 - found.leading_zeros() as usize / 8);
        }
    }
    words.remainder().iter().rposition(|&b| b == needle)
}

/// The id a call is filed under (its sender), read off the raw line without parsing
/// it: the last `"userId"` key with a non-empty string value, else the last
/// `"anonymousId"`, else the last `"groupId"` (a `group` call without a user). The
/// scan goes backwards because `userId` tends to be one of the last keys (it is the
/// last in sorted-key JSON), so most lines are decided from their last few bytes.
///
/// The engine dedups a `messageId` per sender, so routing by sender sends every
/// copy of a message to the same engine, and puts all of a user's calls, and so
/// all of its state, in one engine. This need not agree with the parser: the scan
/// does not know nesting or escapes. Any answer that is the same for every copy of
/// a call works, and a call whose copies get different answers (an id escaped
/// differently in each) is caught by the merge and costs a re-run on one thread.
fn sender_id(line: &[u8]) -> Option<&[u8]> {
    let (mut anonymous, mut group) = (None, None);
    let mut to = line.len();
    // Every key sought ends in `Id"`, and `I` is rare elsewhere in a call.
    while let Some(at) = rfind_byte(&line[..to], b'I') {
        to = at;
        let Some(rest) = line[at..].strip_prefix(b"Id\"") else {
            continue;
        };
        let key = &line[..at];
        if key.ends_with(b"\"user") {
            if let Some(id) = string_value(rest).filter(|id| !id.is_empty()) {
                return Some(id);
            }
        } else if anonymous.is_none() && key.ends_with(b"\"anonymous") {
            anonymous = string_value(rest).filter(|id| !id.is_empty());
        } else if group.is_none() && key.ends_with(b"\"group") {
            group = string_value(rest);
        }
    }
    anonymous.or(group)
}

/// The bytes of the string after a key (`rest` starts right after the key's closing
/// quote), escapes kept as written; `None` if a colon and a string do not follow.
fn string_value(rest: &[u8]) -> Option<&[u8]> {
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start()
        .strip_prefix(b"\"")?;
    let mut end = 0;
    while end < rest.len() && rest[end] != b'"' {
        end += if rest[end] == b'\\' { 2 } else { 1 };
    }
    rest.get(..end)
}

/// The engine (of `engines`) a line goes to: by its sender's id, else by the whole
/// line, so that identical copies still meet.
fn route(line: &[u8], engines: usize) -> usize {
    // FNV-1a, then a multiply to move the mixed bits up: the remainder by a small
    // number of engines would otherwise depend on little more than byte parities.
    let key = sender_id(line).unwrap_or(line);
    let hash = key.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    ((hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % engines as u64) as usize
}

/// Lines of one range on their way to the engine they were routed to: copied into one
/// buffer (the reader's block is reused), each with its position in its range.
#[derive(Default)]
struct Batch {
    bytes: Vec<u8>,
    /// (line index within its range, end of the line in `bytes`)
    lines: Vec<(u64, usize)>,
}

/// Bytes of lines gathered for another engine before they are sent.
const BATCH_BYTES: usize = 64 * 1024;

impl Batch {
    fn new() -> Batch {
        Batch {
            bytes: Vec::with_capacity(BATCH_BYTES + 4096),
            lines: Vec::with_capacity(512),
        }
    }

    fn push(&mut self, index: u64, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.lines.push((index, self.bytes.len()));
    }

    fn is_full(&self) -> bool {
        self.bytes.len() >= BATCH_BYTES
    }

    fn iter(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let starts = std::iter::once(0).chain(self.lines.iter().map(|&(_, end)| end));
        self.lines
            .iter()
            .zip(starts)
            .map(|(&(index, end), start)| (index, &self.bytes[start..end]))
    }
}

/// One worker's engine, with what it has seen.
struct Sink {
    engine: Engine,
    /// Accepted and duplicate calls: counts only, no line numbers needed.
    counts: IngestReport,
    /// Every other outcome (rejections, warnings), with its range and index there,
    /// recorded in line order once the ranges are counted.
    held: Vec<(usize, u64, Result<Outcome, Rejection>)>,
}

impl Sink {
    /// Ingests one line, as `Engine::ingest_ndjson_bytes` does for each line of a
    /// file (blank lines skipped, a line that is not UTF-8 rejected by the library),
    /// but holds the outcomes that need a line number.
    fn ingest(&mut self, range: usize, index: u64, line: &[u8]) {
        let outcome = match std::str::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => return,
            Ok(text) => self.engine.ingest_json(text),
            Err(_) => {
                // Let the library word the rejection.
                let mut one = IngestReport::default();
                self.engine.ingest_ndjson_bytes(line, index, &mut one);
                match one.rejections().first() {
                    Some((_, rejection)) if one.total() == 1 => Err(rejection.clone()),
                    _ => return self.counts.merge(one),
                }
            }
        };
        match outcome {
            Ok(Outcome::Accepted | Outcome::Duplicate) => self.counts.record(None, outcome),
            outcome => self.held.push((range, index, outcome)),
        }
    }
}

/// What a worker sends to another about one of its ranges.
enum Message {
    /// Lines for the receiver's engine.
    Lines(Batch),
    /// The range is complete.
    End,
}

/// How the input is cut: ranges of about this many bytes, dealt out to the workers
/// in turn. Each engine takes the ranges in order, so a worker keeps its own lines
/// of a range until its engine has taken the earlier ranges (from the others); with
/// small ranges, little is kept waiting, and it is still in the shared cache when
/// its turn comes.
const RANGE_BYTES: u64 = 4 << 20;

/// The byte range `range` of `ranges` of an input of `len` bytes: lines that start
/// inside it belong to it (the last range runs to the end, however long the input
/// turns out to be).
fn bounds(len: u64, ranges: usize, range: usize) -> (u64, u64) {
    let at = |r: usize| (u128::from(len) * r as u128 / ranges as u128) as u64;
    let end = if range + 1 == ranges {
        u64::MAX
    } else {
        at(range + 1)
    };
    (at(range), end)
}

/// What one worker hands back.
struct Worker {
    sink: Sink,
    /// Lines in each range it read.
    lines: Vec<(usize, u64)>,
    /// Time spent blocked, waiting for other workers' lines.
    waited: Duration,
}

/// Time spent in the phases of [`ingest_parallel`].
struct Phases {
    ingest: Duration,
    merge: Duration,
    /// For each worker, when it was done (since the start) and how long it waited.
    workers: Vec<(Duration, Duration)>,
}

/// Worker `me` of `workers`: reads, routes and ingests (see the module docs). It
/// reads ranges `me`, `me + workers`, … of `ranges`; lines for other engines go out
/// through `to[engine]` (`None` for its own), and the lines of range `r` for this
/// engine come in through `from[r % workers]`.
fn work(
    input: &Input,
    me: usize,
    workers: usize,
    ranges: usize,
    mut sink: Sink,
    mut to: Vec<Option<Sender<Message>>>,
    from: Vec<Option<Receiver<Message>>>,
) -> io::Result<Worker> {
    let len = input.len();
    let mut source = input.source()?;
    // The own range being read, its reader, and the index of its next line.
    let mut reading = None;
    let mut index = 0u64;
    // The next own range to read.
    let mut next_range = me;
    let mut buf = Vec::new();
    let mut outboxes: Vec<Batch> = (0..workers).map(|_| Batch::new()).collect();
    // Own lines kept until the engine's turn comes for their range, in order
    // (`outboxes[me]` is the batch being filled).
    let mut held: VecDeque<(usize, Batch)> = VecDeque::new();
    // The range being ingested: the engine takes the ranges in order.
    let mut current = 0;
    let mut lines = Vec::new();
    let mut waited = Duration::ZERO;
    if next_range >= ranges {
        to.clear();
    }
    loop {
        // Start on the next own range, unless the engine is still more than a round
        // behind it (its lines would have to be kept that long).
        if reading.is_none() && next_range < ranges && next_range <= current + workers {
            let (start, end) = bounds(len, ranges, next_range);
            source.seek(SeekFrom::Start(start.saturating_sub(1)))?;
            let reader = RangeLines::new(&mut source, start, end, std::mem::take(&mut buf))?;
            reading = Some((next_range, reader));
            index = 0;
        }
        if let Some((range, reader)) = &mut reading {
            // Read and route one block's worth. An own line is ingested at once if
            // it is this range's turn and no earlier own line is waiting (in `held`
            // or in the batch being filled).
            let range = *range;
            let mut read = 0;
            let mut done = false;
            while read < BLOCK_BYTES {
                let Some(line) = reader.next_line()? else {
                    done = true;
                    break;
                };
                read += line.len() + 1;
                let engine = if workers == 1 {
                    me
                } else {
                    route(line, workers)
                };
                if engine == me
                    && current == range
                    && held.is_empty()
                    && outboxes[me].lines.is_empty()
                {
                    sink.ingest(range, index, line);
                } else {
                    let batch = &mut outboxes[engine];
                    batch.push(index, line);
                    if batch.is_full() {
                        let batch = std::mem::replace(batch, Batch::new());
                        if engine == me {
                            held.push_back((range, batch));
                        } else {
                            send(&to[engine], Message::Lines(batch));
                        }
                    }
                }
                index += 1;
            }
            if done {
                for (engine, batch) in outboxes.iter_mut().enumerate() {
                    let batch = std::mem::take(batch);
                    if engine == me {
                        if !batch.lines.is_empty() {
                            held.push_back((range, batch));
                        }
                    } else {
                        if !batch.lines.is_empty() {
                            send(&to[engine], Message::Lines(batch));
                        }
                        send(&to[engine], Message::End);
                    }
                }
                lines.push((range, index));
                if let Some((_, reader)) = reading.take() {
                    buf = reader.buf;
                }
                next_range += workers;
                if next_range >= ranges {
                    // Nothing more to send.
                    to.clear();
                }
            }
        }
        // Ingest in range order. While there is reading to do, one batch per block
        // read: reading comes first, as it is what feeds the other workers. With
        // nothing to read, everything, waiting for other workers' lines as needed.
        while current < ranges {
            let may_read =
                reading.is_some() || (next_range < ranges && next_range <= current + workers);
            let owner = current % workers;
            if owner == me {
                if held.front().is_some_and(|&(range, _)| range == current) {
                    let (_, batch) = held.pop_front().expect("a batch was found");
                    for (index, line) in batch.iter() {
                        sink.ingest(current, index, line);
                    }
                    if may_read {
                        break;
                    }
                } else if reading.as_ref().is_some_and(|(range, _)| *range == current) {
                    if outboxes[me].lines.is_empty() {
                        // The rest of this range is ingested as it is read.
                        break;
                    }
                    held.push_back((current, std::mem::take(&mut outboxes[me])));
                } else if current < next_range {
                    // Read, and all of it ingested.
                    current += 1;
                } else {
                    // Not read yet.
                    break;
                }
                continue;
            }
            let channel = from[owner]
                .as_ref()
                .expect("a channel from every other worker");
            let message = if may_read {
                channel.try_recv()
            } else {
                let wait = Instant::now();
                let message = channel.recv().map_err(|_| TryRecvError::Disconnected);
                waited += wait.elapsed();
                message
            };
            match message {
                Ok(Message::Lines(batch)) => {
                    for (index, line) in batch.iter() {
                        sink.ingest(current, index, line);
                    }
                    if may_read {
                        break;
                    }
                }
                // A worker that failed hangs up; its error is the one reported.
                Ok(Message::End) | Err(TryRecvError::Disconnected) => current += 1,
                Err(TryRecvError::Empty) => break,
            }
        }
        if current == ranges && reading.is_none() && next_range >= ranges {
            return Ok(Worker {
                sink,
                lines,
                waited,
            });
        }
    }
}

/// Sends a message to another worker. Should that worker be gone (it failed), the
/// message is dropped: its failure is what gets reported.
fn send(to: &Option<Sender<Message>>, message: Message) {
    if let Some(to) = to {
        let _ = to.send(message);
    }
}

/// Every core: see the module docs for the pipeline.
fn ingest_parallel(
    template: &Engine,
    input: &Input,
    threads: usize,
) -> io::Result<(Engine, IngestReport, Phases)> {
    let started = Instant::now();
    let ranges = usize::try_from(input.len().div_ceil(RANGE_BYTES))
        .unwrap_or(usize::MAX)
        .max(1);
    // One channel for each pair of workers, so a worker can take another's ranges
    // one after the other, in order.
    let mut from: Vec<Vec<Option<Receiver<Message>>>> = (0..threads)
        .map(|_| (0..threads).map(|_| None).collect())
        .collect();
    let to: Vec<Vec<Option<Sender<Message>>>> = (0..threads)
        .map(|sender| {
            from.iter_mut()
                .enumerate()
                .map(|(receiver, inbox)| {
                    (sender != receiver).then(|| {
                        let (tx, rx) = mpsc::channel();
                        inbox[sender] = Some(rx);
                        tx
                    })
                })
                .collect()
        })
        .collect();
    let run = |me: usize, (to, from)| {
        let sink = Sink {
            engine: template.clone(),
            counts: IngestReport::default(),
            held: Vec::new(),
        };
        let worker = work(input, me, threads, ranges, sink, to, from)?;
        Ok((worker, started.elapsed()))
    };
    let run = &run;
    let results: Vec<io::Result<(Worker, Duration)>> = thread::scope(|s| {
        let mut channels = to.into_iter().zip(from);
        let first = channels.next().expect("at least one thread");
        let others: Vec<_> = channels
            .enumerate()
            .map(|(i, channels)| s.spawn(move || run(i + 1, channels)))
            .collect();
        // This thread is worker 0.
        let mut results = vec![run(0, first)];
        results.extend(others.into_iter().map(|h| h.join().expect("ingest thread")));
        results
    });
    let workers = results
        .into_iter()
        .collect::<io::Result<Vec<(Worker, Duration)>>>()?;
    let ingest = started.elapsed();

    // Line numbers: range r starts after the lines of the ranges before it.
    let mut range_lines = vec![0; ranges];
    for (worker, _) in &workers {
        for &(range, lines) in &worker.lines {
            range_lines[range] = lines;
        }
    }
    let first_lines: Vec<u64> = range_lines
        .iter()
        .scan(1, |next, &lines| {
            let first = *next;
            *next += lines;
            Some(first)
        })
        .collect();
    let mut held = Vec::new();
    let mut counts = Vec::new();
    let mut engines = Vec::new();
    let mut timings = Vec::new();
    for (worker, done) in workers {
        timings.push((done, worker.waited));
        let sink = worker.sink;
        held.extend(
            sink.held
                .into_iter()
                .map(|(range, index, outcome)| (first_lines[range] + index, outcome)),
        );
        counts.push(sink.counts);
        engines.push(sink.engine);
    }
    held.sort_by_key(|&(line, _)| line);
    let mut report = IngestReport::default();
    for (line, outcome) in held {
        report.record(Some(line), outcome);
    }
    for counts in counts {
        report.merge(counts);
    }

    let merge_started = Instant::now();
    let (engine, overlapping) = merge_all(engines);
    let phases = Phases {
        ingest,
        merge: merge_started.elapsed(),
        workers: timings,
    };
    if overlapping > 0 {
        eprintln!(
            "{overlapping} messages were split between threads; ingesting again on one thread"
        );
        return ingest_parallel(template, input, 1);
    }
    Ok((engine, report, phases))
}

/// Merges the engines pairwise, the pairs of each round in parallel; returns the
/// engine and how many messages two engines had both accepted.
fn merge_all(mut engines: Vec<Engine>) -> (Engine, u64) {
    let merge = |(mut left, right): (Engine, Engine)| {
        let stats = left
            .merge(right)
            .expect("engines cloned from one template share the configuration");
        (left, stats.overlapping_messages())
    };
    let mut overlapping = 0;
    while engines.len() > 1 {
        let odd = if engines.len() % 2 == 1 {
            engines.pop()
        } else {
            None
        };
        let mut pairs = Vec::new();
        let mut rest = engines.into_iter();
        while let (Some(left), Some(right)) = (rest.next(), rest.next()) {
            pairs.push((left, right));
        }
        let first = pairs.pop().expect("at least one pair");
        let merged: Vec<(Engine, u64)> = thread::scope(|s| {
            let others: Vec<_> = pairs
                .into_iter()
                .map(|pair| s.spawn(move || merge(pair)))
                .collect();
            // This thread merges a pair too: with two engines, no thread is started
            // (nor an idle core woken) at all.
            let mut merged = vec![merge(first)];
            merged.extend(others.into_iter().map(|h| h.join().expect("merge thread")));
            merged
        });
        engines = Vec::new();
        for (engine, n) in merged {
            overlapping += n;
            engines.push(engine);
        }
        engines.extend(odd);
    }
    (engines.pop().expect("at least one thread"), overlapping)
}
