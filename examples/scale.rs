//! Streams millions of generated events through one engine, then snapshots, and
//! prints the figures that matter for running pulsecheck next to a real backend:
//! events per second, snapshot time, and the engine's memory per user (measured by
//! a counting global allocator), as ingest left it and after `Engine::shrink_to_fit`.
//!
//! ```text
//! cargo run --release --example scale -- [MILLIONS_OF_EVENTS]   # default 10
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use pulsecheck::Engine;
use pulsecheck::sample::{self, Sample};

/// Counts the bytes currently allocated, so the engine's footprint is measured, not guessed.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    let millions: f64 = match std::env::args().nth(1).map(|a| a.parse::<f64>()) {
        None => 10.0,
        Some(Ok(m)) if m > 0.0 => m,
        Some(_) => {
            eprintln!("usage: scale [MILLIONS_OF_EVENTS]   (a positive number, default 10)");
            std::process::exit(2);
        }
    };
    let target = (millions * 1e6) as u64;
    // The sample averages about 75 calls per user over 90 days.
    let accounts = ((target / 750).max(1)) as usize;
    let sample = Sample::new().accounts(accounts);
    let before = ALLOCATED.load(Ordering::Relaxed);
    let mut engine = Engine::new(sample::config()).expect("the sample config is valid");

    let started = Instant::now();
    let mut generating = std::time::Duration::ZERO;
    let mut ingesting = std::time::Duration::ZERO;
    let mut events = 0u64;
    let mut calls = sample.calls();
    loop {
        let t = Instant::now();
        let batch: Vec<_> = calls.by_ref().take(100_000).collect();
        generating += t.elapsed();
        if batch.is_empty() {
            break;
        }
        let t = Instant::now();
        for call in &batch {
            let _ = engine.ingest(call);
        }
        ingesting += t.elapsed();
        events += batch.len() as u64;
        eprint!(
            "\r{:>6.2} M events, {:>5.1} s",
            events as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
        let _ = std::io::stderr().flush();
    }
    eprintln!();
    let state_bytes = ALLOCATED.load(Ordering::Relaxed).saturating_sub(before);
    let users = sample.user_count();
    let t = Instant::now();
    engine.shrink_to_fit();
    let shrink_time = t.elapsed();
    let shrunk_bytes = ALLOCATED.load(Ordering::Relaxed).saturating_sub(before);

    let t = Instant::now();
    let snapshot = engine.snapshot(sample.end());
    let snapshot_time = t.elapsed();

    println!("events ingested     {events} ({users} users, {accounts} accounts)");
    println!(
        "ingest              {:.2} M events/s (generation excluded: {:.1} s)",
        events as f64 / ingesting.as_secs_f64() / 1e6,
        generating.as_secs_f64()
    );
    println!(
        "snapshot            {:.3} s for {} users and {} accounts",
        snapshot_time.as_secs_f64(),
        snapshot.users().len(),
        snapshot.accounts().len()
    );
    println!(
        "engine state        {:.1} MB, {} bytes per user",
        state_bytes as f64 / 1e6,
        state_bytes / users.max(1)
    );
    println!(
        "after shrink_to_fit {:.1} MB, {} bytes per user ({:.3} s)",
        shrunk_bytes as f64 / 1e6,
        shrunk_bytes / users.max(1),
        shrink_time.as_secs_f64()
    );
}
