//! Deep rules on small stacks.
//!
//! Parsing, checking, compiling, printing and evaluating a rule recurse a few
//! frames per level of nesting. A rule at the depth limit needs more stack than a
//! small thread has (musl gives threads 128 KiB), so each of those entry points
//! first makes sure the stack has room for the rule's depth, and moves onto a
//! fresh segment on the heap when it has not (the `stacker` crate, which rustc
//! uses for the same problem). With room to spare, as on a main thread, this is
//! one comparison of the stack pointer.

/// Stack a level of nesting may take while a rule is parsed, checked, compiled
/// or printed (several frames each; debug builds' frames are many times larger).
/// `tests/it/stack.rs` runs rules at the depth limit on a 64 KiB stack, in debug and
/// release builds (with 1 KiB and 256 bytes a level it crashes).
pub(crate) const BUILD_PER_LEVEL: usize = if cfg!(debug_assertions) {
    40 * 1024
} else {
    8 * 1024
};

/// Stack a level of nesting may take while a compiled rule is evaluated.
pub(crate) const EVAL_PER_LEVEL: usize = if cfg!(debug_assertions) {
    4 * 1024
} else {
    1024
};

/// Rules no deeper than this are evaluated without a look at the stack: any
/// thread has room for them, and evaluation is the hot path.
pub(crate) const SHALLOW: u32 = 8;

/// Runs `f`, which recurses at most `depth` levels of `per_level` bytes each, on
/// a stack with room for it.
#[inline]
pub(crate) fn with_room<R>(depth: u32, per_level: usize, f: impl FnOnce() -> R) -> R {
    let need = (depth as usize).saturating_add(4).saturating_mul(per_level);
    stacker::maybe_grow(need, need.saturating_add(64 * 1024), f)
}
