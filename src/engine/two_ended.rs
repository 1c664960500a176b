//! A vector that grows cheaply at both ends: the per-day lists of an entity.

use std::ops::{Deref, DerefMut};

/// A vector whose items start after a gap of spare slots, so that an item goes in
/// at the front as cheaply as at the back.
///
/// The per-day lists of an entity are kept in day order and read as slices. A
/// stream in time order adds at the back; a warehouse export newest first adds
/// every new day at the front, which in a plain vector moves every item after it,
/// so a sender with many days cost the square of their number. Here an item
/// goes in on the side with fewer items to move, and a full front gap is
/// regrown to the list's length (so, as at the back, each item is moved O(1)
/// times on average).
///
/// An engine holds several of these per id, most of them short, so both the
/// handle and the spare room are kept small: the handle is 24 bytes (a boxed
/// slice and two `u32` positions, where a `Vec` and a position took 32), an
/// empty list takes only the slots its first items need, and a full back grows
/// by a quarter of its items (at least 2 slots) rather than doubling, which still
/// moves each item O(1) times. Every slot holds a value: those outside the items hold
/// `T::default()`.
///
/// It dereferences to the slice of its items; equality and clones see the items
/// only.
pub(crate) struct TwoEndedVec<T> {
    buf: Box<[T]>,
    /// The items are `buf[start..start + len]`.
    start: u32,
    len: u32,
}

/// A list position: a list of more than `u32::MAX` items would take tens of GB
/// for one id, long past any limit of the engine.
fn pos(n: usize) -> u32 {
    u32::try_from(n).expect("a per-id list holds fewer than 2^32 items")
}

/// How many slots a full list of `len` items that needs `needed` more grows by:
/// half its items, at least 4; an empty list gets only what it needs, as many
/// lists of an id hold a single item (a group link, an alias link).
pub(crate) fn grow_by(len: usize, needed: usize) -> usize {
    if len == 0 {
        needed
    } else {
        needed.max(len / 2).max(4)
    }
}

/// How many slots a full list of `len` items that needs `needed` more grows by:
/// a quarter of its items, at least 2; an empty list gets only what it needs
/// (see [`grow_by`]).
///
/// A list mostly grows by one item a day (a day's calls combine into its last
/// item), so it is regrown rarely next to the calls it takes, while its spare
/// room is held all along: a quarter rather than a half halves that room, for
/// about twice the (still O(1) per item) moves.
fn grow_list_by(len: usize, needed: usize) -> usize {
    if len == 0 {
        needed
    } else {
        needed.max(len / 4).max(2)
    }
}

impl<T> Default for TwoEndedVec<T> {
    fn default() -> Self {
        TwoEndedVec {
            buf: Box::default(),
            start: 0,
            len: 0,
        }
    }
}

impl<T: Default> TwoEndedVec<T> {
    /// Inserts `item` at `index` (of the items), moving the fewer items.
    pub fn insert(&mut self, index: usize, item: T) {
        let len = self.len();
        assert!(index <= len, "insert at {index} of {len} items");
        if index >= len / 2 {
            if self.end() == self.buf.len() {
                self.grow_back(1);
            }
            let at = self.start as usize + index;
            // The slot after the items moves to `index`, the items after it one step right.
            self.buf[at..=self.start as usize + len].rotate_right(1);
            self.buf[at] = item;
            self.len += 1;
            return;
        }
        if self.start == 0 {
            self.grow_front();
        }
        // The gap's last slot moves to `index`, the items before it one step left.
        self.start -= 1;
        let start = self.start as usize;
        self.buf[start..=start + index].rotate_left(1);
        self.buf[start + index] = item;
        self.len += 1;
    }

    pub fn push(&mut self, item: T) {
        if self.end() == self.buf.len() {
            self.grow_back(1);
        }
        let end = self.end();
        self.buf[end] = item;
        self.len += 1;
    }

    /// Makes room for `additional` more items at the back.
    pub fn reserve(&mut self, additional: usize) {
        if self.buf.len() - self.end() < additional {
            self.grow_back(additional);
        }
    }

    /// Adds room for `needed` more items at the back (see [`grow_list_by`]).
    fn grow_back(&mut self, needed: usize) {
        let extra = grow_list_by(self.len(), needed);
        let mut buf = std::mem::take(&mut self.buf).into_vec();
        buf.reserve_exact(extra);
        // Whatever the allocator gave is used, so the boxed slice is the allocation.
        buf.resize_with(buf.capacity(), T::default);
        pos(buf.len());
        self.buf = buf.into_boxed_slice();
    }

    /// Makes a front gap as large as the items (at least 4 slots).
    fn grow_front(&mut self) {
        debug_assert_eq!(self.start, 0);
        let gap = self.len().max(4);
        let mut buf = Vec::with_capacity(gap + self.buf.len());
        buf.resize_with(gap, T::default);
        buf.append(&mut std::mem::take(&mut self.buf).into_vec());
        buf.resize_with(buf.capacity(), T::default);
        pos(buf.len());
        self.buf = buf.into_boxed_slice();
        self.start = pos(gap);
    }

    /// Removes the items in `range` (of the items) and hands them out, keeping
    /// the room they took.
    pub fn drain(&mut self, range: std::ops::Range<usize>) -> std::vec::IntoIter<T> {
        self.check_range(&range);
        let start = self.start as usize;
        let taken: Vec<T> = self.buf[start + range.start..start + range.end]
            .iter_mut()
            .map(std::mem::take)
            .collect();
        self.close(range);
        taken.into_iter()
    }

    /// Removes the items in `range` (of the items) without handing them out, so
    /// nothing is allocated; the room they took is kept.
    pub fn remove_range(&mut self, range: std::ops::Range<usize>) {
        self.check_range(&range);
        let start = self.start as usize;
        self.buf[start + range.start..start + range.end].fill_with(T::default);
        self.close(range);
    }

    fn check_range(&self, range: &std::ops::Range<usize>) {
        let len = self.len();
        assert!(
            range.start <= range.end && range.end <= len,
            "remove {range:?} of {len} items"
        );
    }

    /// Closes the emptied (default) slots of `range` out of the items.
    fn close(&mut self, range: std::ops::Range<usize>) {
        let (start, len) = (self.start as usize, self.len());
        if range.start == 0 {
            // The emptied slots join the front gap.
            self.start = pos(start + range.end);
        } else {
            self.buf[start + range.start..start + len].rotate_left(range.len());
        }
        self.len = pos(len - range.len());
    }

    /// Keeps the items for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        let (start, end) = (self.start as usize, self.end());
        let mut kept = start;
        for i in start..end {
            if keep(&self.buf[i]) {
                self.buf.swap(kept, i);
                kept += 1;
            }
        }
        self.buf[kept..end].fill_with(T::default);
        self.len = pos(kept - start);
    }

    /// Gives back the gap and the spare room.
    pub fn shrink_to_fit(&mut self) {
        let items: Vec<T> = self.iter_mut().map(std::mem::take).collect();
        *self = TwoEndedVec::from(items);
    }
}

impl<T> TwoEndedVec<T> {
    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where the items end in `buf`.
    fn end(&self) -> usize {
        self.start as usize + self.len as usize
    }

    pub fn as_slice(&self) -> &[T] {
        self
    }

    /// Slots allocated (a measurement aid).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

impl<T> Deref for TwoEndedVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[self.start as usize..self.end()]
    }
}

impl<T> DerefMut for TwoEndedVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        let (start, end) = (self.start as usize, self.end());
        &mut self.buf[start..end]
    }
}

/// Takes the vector's items (its spare capacity is given back).
impl<T> From<Vec<T>> for TwoEndedVec<T> {
    fn from(items: Vec<T>) -> Self {
        let len = pos(items.len());
        TwoEndedVec {
            buf: items.into_boxed_slice(),
            start: 0,
            len,
        }
    }
}

impl<T> IntoIterator for TwoEndedVec<T> {
    type Item = T;
    type IntoIter = std::iter::Take<std::iter::Skip<std::vec::IntoIter<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        let (start, len) = (self.start as usize, self.len as usize);
        self.buf.into_vec().into_iter().skip(start).take(len)
    }
}

impl<'a, T> IntoIterator for &'a TwoEndedVec<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T> IntoIterator for &'a mut TwoEndedVec<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for TwoEndedVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// A clone holds the items only, in an allocation of exactly their number (what
/// [`Engine::shrink_to_fit`](crate::Engine::shrink_to_fit) relies on).
impl<T: Clone> Clone for TwoEndedVec<T> {
    fn clone(&self) -> Self {
        TwoEndedVec::from(self.to_vec())
    }
}

impl<T: PartialEq> PartialEq for TwoEndedVec<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for TwoEndedVec<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Inserting anywhere, pushing, draining, removing and retaining do what they do
        /// to a `Vec`.
        #[test]
        fn behaves_as_a_vec(ops in proptest::collection::vec((0u8..10, 0usize..1_000, proptest::prelude::any::<u32>()), 0..600)) {
            let mut list = TwoEndedVec::default();
            let mut model: Vec<u32> = Vec::new();
            for (op, at, value) in ops {
                match op {
                    0..=5 => {
                        let i = at % (model.len() + 1);
                        list.insert(i, value);
                        model.insert(i, value);
                    }
                    6 => {
                        // At the front, as a newest-first stream does.
                        list.insert(0, value);
                        model.insert(0, value);
                    }
                    7 => {
                        list.push(value);
                        model.push(value);
                    }
                    8 if value % 2 == 0 => {
                        let n = at % (model.len() + 1) / 2;
                        let drained: Vec<u32> = list.drain(0..n).collect();
                        proptest::prop_assert_eq!(drained, model.drain(..n).collect::<Vec<_>>());
                    }
                    8 => {
                        // A range anywhere, as an `mrr` list drops a day's superseded calls.
                        let from = at % (model.len() + 1);
                        let to = from + (value as usize % (model.len() - from + 1));
                        list.remove_range(from..to);
                        model.drain(from..to);
                    }
                    _ => {
                        list.retain(|v| v % 7 != at as u32 % 7);
                        model.retain(|v| v % 7 != at as u32 % 7);
                    }
                }
                proptest::prop_assert_eq!(&*list, &model[..]);
            }
            proptest::prop_assert_eq!(list.clone().into_iter().collect::<Vec<_>>(), model.clone());
            list.shrink_to_fit();
            proptest::prop_assert_eq!(&*list, &model[..]);
        }
    }

    #[test]
    fn a_newest_first_list_moves_each_item_o1_times() {
        let mut list = TwoEndedVec::default();
        for day in (0..100_000u32).rev() {
            list.insert(0, day);
        }
        assert!(list.iter().copied().eq(0..100_000));
        // The gap doubled as it filled: at most the items' number again.
        assert!(list.buf.len() <= 2 * 100_000 + 4);
    }
}
