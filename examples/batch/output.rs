//! Rendering the records (or the CRM requests) on every thread, written in order.

use std::io::{self, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use super::{Args, Format, read_sync_state};
use pulsecheck::crm::{
    DiffOptions, HubSpot, HubSpotOptions, PropertyMap, Salesforce, SalesforceOptions, SyncState,
    diff,
};
use pulsecheck::{Engine, RecordKind, Snapshot};

/// The property map of a format: what the CRM set up by the matching `-schema` format
/// accepts.
fn property_map(format: Format) -> PropertyMap {
    match format {
        Format::HubSpot | Format::HubSpotSchema => PropertyMap::hubspot(),
        Format::Salesforce | Format::SalesforceSchema => PropertyMap::salesforce(),
        Format::Ndjson | Format::Portfolio | Format::Html => PropertyMap::all(),
    }
}

/// Writes the set-up requests of `--format hubspot-schema` / `salesforce-schema`, one a
/// line: contacts' first, then companies'.
pub(crate) fn write_schema(args: &Args, engine: &Engine) -> Result<(), String> {
    let map = property_map(args.format);
    let mut text = String::new();
    for kind in [RecordKind::User, RecordKind::Account] {
        let schema = engine.schema(kind);
        let requests = if args.format == Format::HubSpotSchema {
            HubSpot::new(HubSpotOptions::new()).schema_requests(schema, &map)
        } else {
            Salesforce::new(SalesforceOptions::new()).schema_requests(schema, &map)
        }
        .map_err(|e| e.to_string())?;
        for request in requests {
            text.push_str(&request.to_json().map_err(|e| e.to_string())?);
            text.push('\n');
        }
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| format!("cannot write --out {path}: {e}"))
        }
        None => io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string()),
    }
}

/// Writes the records (or the changes and requests) and updates the sync state;
/// `sync_state` is the sync state if it has been read already.
pub(crate) fn write_output(
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
    let options = DiffOptions::new().with_properties(property_map(args.format));
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
            Format::HubSpot
            | Format::Salesforce
            | Format::HubSpotSchema
            | Format::SalesforceSchema
            | Format::Portfolio
            | Format::Html => {
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
pub(crate) fn write_rendered<T: Sync>(
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
