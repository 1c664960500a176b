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
/// times on average). The gap's slots hold `T::default()`.
///
/// It dereferences to the slice of its items; equality and clones see the items
/// only.
#[derive(Debug)]
pub(crate) struct TwoEndedVec<T> {
    buf: Vec<T>,
    /// The items are `buf[start..]`.
    start: usize,
}

impl<T> Default for TwoEndedVec<T> {
    fn default() -> Self {
        TwoEndedVec {
            buf: Vec::new(),
            start: 0,
        }
    }
}

impl<T: Default> TwoEndedVec<T> {
    /// Inserts `item` at `index` (of the items), moving the fewer items.
    pub fn insert(&mut self, index: usize, item: T) {
        let len = self.len();
        assert!(index <= len, "insert at {index} of {len} items");
        if index >= len / 2 {
            self.buf.insert(self.start + index, item);
            return;
        }
        if self.start == 0 {
            self.grow_front();
        }
        // The gap's last slot moves to `index`, the items before it one step left.
        self.start -= 1;
        self.buf[self.start..=self.start + index].rotate_left(1);
        self.buf[self.start + index] = item;
    }

    /// Makes a front gap as large as the items (at least 4 slots).
    fn grow_front(&mut self) {
        let gap = self.len().max(4);
        let mut buf = Vec::with_capacity(gap + self.buf.capacity());
        buf.resize_with(gap, T::default);
        buf.append(&mut self.buf);
        self.buf = buf;
        self.start = gap;
    }
}

impl<T> TwoEndedVec<T> {
    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.buf.len() == self.start
    }

    /// Makes room for `additional` more items at the back.
    pub fn reserve(&mut self, additional: usize) {
        self.buf.reserve(additional);
    }

    pub fn push(&mut self, item: T) {
        self.buf.push(item);
    }

    /// Removes the items in `range` (of the items), keeping the room they took.
    pub fn drain(&mut self, range: std::ops::Range<usize>) -> std::vec::Drain<'_, T> {
        self.buf
            .drain(self.start + range.start..self.start + range.end)
    }

    pub fn as_slice(&self) -> &[T] {
        self
    }

    /// Keeps the items for which `keep` holds.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.retain(keep);
    }

    /// Gives back the gap and the spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.shrink_to_fit();
    }
}

impl<T> Deref for TwoEndedVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[self.start..]
    }
}

impl<T> DerefMut for TwoEndedVec<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.start..]
    }
}

impl<T> From<Vec<T>> for TwoEndedVec<T> {
    fn from(buf: Vec<T>) -> Self {
        TwoEndedVec { buf, start: 0 }
    }
}

impl<T> IntoIterator for TwoEndedVec<T> {
    type Item = T;
    type IntoIter = std::iter::Skip<std::vec::IntoIter<T>>;
    fn into_iter(self) -> Self::IntoIter {
        self.buf.into_iter().skip(self.start)
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
        /// Inserting anywhere, pushing, draining and retaining do what they do
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
                    8 => {
                        let n = at % (model.len() + 1) / 2;
                        let drained: Vec<u32> = list.drain(0..n).collect();
                        proptest::prop_assert_eq!(drained, model.drain(..n).collect::<Vec<_>>());
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
