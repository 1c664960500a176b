//! Splitting a snapshot's per-record work across threads.
//!
//! Once the day's aggregates are known, each record depends only on them (and, for a
//! user, on the finished account records), so the records can be built in any
//! order. They are split into contiguous ranges, one per thread, and the ranges'
//! results are put back in order: the snapshot is the same, byte for byte, for
//! any number of threads.

use std::ops::Range;
use std::thread;

/// Fewer records than this per thread are not worth a thread: spawning and joining
/// one costs about as much as building this many records.
const MIN_PER_THREAD: usize = 256;

/// Runs `work` over `0..n` split into at most `threads` contiguous ranges, each on
/// its own thread (the calling thread takes the first), and returns the results in
/// range order. One range, and no thread spawned, when `threads <= 1` or `n` is
/// small.
pub(crate) fn split<R: Send>(
    n: usize,
    threads: usize,
    work: impl Fn(Range<usize>) -> R + Sync,
) -> Vec<R> {
    let ranges = ranges(n, threads);
    if ranges.len() == 1 {
        return vec![work(0..n)];
    }
    let work = &work;
    thread::scope(|scope| {
        let handles: Vec<_> = ranges[1..]
            .iter()
            .map(|range| {
                let range = range.clone();
                scope.spawn(move || work(range))
            })
            .collect();
        let mut results = Vec::with_capacity(ranges.len());
        results.push(work(ranges[0].clone()));
        for handle in handles {
            // A panic in a worker is a bug in the snapshot code, not bad input:
            // surface it on the caller's thread as it would have surfaced there.
            results.push(
                handle
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
        results
    })
}

/// `0..n` cut into at most `threads` nearly equal ranges of at least
/// [`MIN_PER_THREAD`] items (one range, maybe empty, for a small `n`).
fn ranges(n: usize, threads: usize) -> Vec<Range<usize>> {
    let parts = threads.min(n / MIN_PER_THREAD).max(1);
    (0..parts)
        .map(|i| (n * i / parts)..(n * (i + 1) / parts))
        .collect()
}

/// Appends every part to the first, in order.
pub(crate) fn concat<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut parts = parts.into_iter();
    let mut all = parts.next().unwrap_or_default();
    for mut part in parts {
        all.append(&mut part);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_once_in_order() {
        for n in [0, 1, 255, 256, 511, 512, 1000, 10_007] {
            for threads in [0, 1, 2, 3, 8] {
                let r = ranges(n, threads);
                assert!(!r.is_empty() && r.len() <= threads.max(1));
                assert_eq!(r[0].start, 0);
                assert_eq!(r[r.len() - 1].end, n);
                assert!(r.windows(2).all(|w| w[0].end == w[1].start));
                if r.len() > 1 {
                    assert!(r.iter().all(|r| r.len() >= MIN_PER_THREAD), "{n} {threads}");
                }
            }
        }
    }

    #[test]
    fn results_come_back_in_order_for_any_thread_count() {
        for threads in 1..=4 {
            let parts = split(10_000, threads, |r| r.collect::<Vec<usize>>());
            assert_eq!(parts.len(), threads);
            assert_eq!(concat(parts), (0..10_000).collect::<Vec<_>>());
        }
    }
}
