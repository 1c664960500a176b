//! The workers: read, route and ingest in input order, then merge pairwise.

use std::collections::VecDeque;
use std::io::{self, Seek, SeekFrom};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use super::input::{BLOCK_BYTES, Input, RangeLines};
use super::route::route;
use pulsecheck::{Engine, IngestReport, JsonScratch, Outcome, Rejection};

/// Lines of one range on their way to the engine they were routed to: copied into one
/// buffer (the reader's block is reused), each with its position in its range.
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) bytes: Vec<u8>,
    /// (line index within its range, end of the line in `bytes`)
    pub(crate) lines: Vec<(u64, usize)>,
}

/// Bytes of lines gathered for another engine before they are sent.
pub(crate) const BATCH_BYTES: usize = 64 * 1024;

impl Batch {
    pub(crate) fn new() -> Batch {
        Batch {
            bytes: Vec::with_capacity(BATCH_BYTES + 4096),
            lines: Vec::with_capacity(512),
        }
    }

    pub(crate) fn push(&mut self, index: u64, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.lines.push((index, self.bytes.len()));
    }

    pub(crate) fn is_full(&self) -> bool {
        self.bytes.len() >= BATCH_BYTES
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let starts = std::iter::once(0).chain(self.lines.iter().map(|&(_, end)| end));
        self.lines
            .iter()
            .zip(starts)
            .map(|(&(index, end), start)| (index, &self.bytes[start..end]))
    }
}

/// One worker's engine, with what it has seen.
pub(crate) struct Sink {
    pub(crate) engine: Engine,
    /// Accepted and duplicate calls: counts only, no line numbers needed.
    pub(crate) counts: IngestReport,
    /// Every other outcome (rejections, warnings), with its range and index there,
    /// recorded in line order once the ranges are counted.
    pub(crate) held: Vec<(usize, u64, Result<Outcome, Rejection>)>,
    /// Kept across the worker's lines so reading one allocates nothing.
    pub(crate) scratch: JsonScratch,
}

impl Sink {
    /// Ingests one line, as `Engine::ingest_ndjson_bytes` does for each line of a
    /// file (blank lines skipped, a line that is not UTF-8 rejected by the library),
    /// but holds the outcomes that need a line number.
    pub(crate) fn ingest(&mut self, range: usize, index: u64, line: &[u8]) {
        let outcome = match std::str::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => return,
            Ok(text) => self.engine.ingest_json_with(text, &mut self.scratch),
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
pub(crate) enum Message {
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
pub(crate) const RANGE_BYTES: u64 = 4 << 20;

/// The byte range `range` of `ranges` of an input of `len` bytes: lines that start
/// inside it belong to it (the last range runs to the end, however long the input
/// turns out to be).
pub(crate) fn bounds(len: u64, ranges: usize, range: usize) -> (u64, u64) {
    let at = |r: usize| (u128::from(len) * r as u128 / ranges as u128) as u64;
    let end = if range + 1 == ranges {
        u64::MAX
    } else {
        at(range + 1)
    };
    (at(range), end)
}

/// What one worker hands back.
pub(crate) struct Worker {
    pub(crate) sink: Sink,
    /// Lines in each range it read.
    pub(crate) lines: Vec<(usize, u64)>,
    /// Time spent blocked, waiting for other workers' lines.
    pub(crate) waited: Duration,
}

/// Time spent in the phases of [`ingest_parallel`].
pub(crate) struct Phases {
    pub(crate) ingest: Duration,
    pub(crate) merge: Duration,
    /// For each worker, when it was done (since the start) and how long it waited.
    pub(crate) workers: Vec<(Duration, Duration)>,
}

/// Worker `me` of `workers`: reads, routes and ingests (see the module docs). It
/// reads ranges `me`, `me + workers`, … of `ranges`; lines for other engines go out
/// through `to[engine]` (`None` for its own), and the lines of range `r` for this
/// engine come in through `from[r % workers]`.
pub(crate) fn work(
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
pub(crate) fn send(to: &Option<Sender<Message>>, message: Message) {
    if let Some(to) = to {
        let _ = to.send(message);
    }
}

/// Every core: see the module docs for the pipeline.
pub(crate) fn ingest_parallel(
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
            scratch: JsonScratch::new(),
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
pub(crate) fn merge_all(mut engines: Vec<Engine>) -> (Engine, u64) {
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
