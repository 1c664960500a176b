//! Giving back the spare capacity that growing vectors keep, and packing what is
//! left so snapshots read it in order.

use super::Engine;
use super::state::{AccountState, ActorState};

/// How many users' lists are copied before their old ones are freed. The copies of
/// a batch are allocated while its old lists still hold their places, so they are
/// laid out one after the other; batching bounds the extra memory this needs to
/// the lists of this many users (a few MB), instead of a second copy of the state.
const PACK_BATCH: usize = 1024;

impl Engine {
    /// Releases the spare capacity of the per-user lists, and packs each user's
    /// lists side by side in user order.
    ///
    /// Ingest grows each user's lists (daily activity, devices, usage, `messageId`
    /// keys, …) by a quarter to a half of their items at a time, so after a bulk
    /// load about an eighth of the engine's memory is spare room for calls that
    /// may never come (the scale example, 2 M events: 3 200 bytes per user after
    /// ingest, 2 832 after this call), and a user's lists lie wherever the allocator had
    /// room when they last grew. A host that loads a backlog and
    /// then mostly takes snapshots can call this once: the lists are copied into
    /// allocations of exactly their size, a batch of users at a time, and the old
    /// ones freed. It changes no answer, later calls simply grow the lists again,
    /// and snapshots then read memory in order: about 15 % faster (criterion, one
    /// thread: 0.40 s instead of 0.48 s for 100 000 sample users, 3.99 s instead
    /// of 4.66 s for a million).
    ///
    /// (Shrinking each list in place would give the same memory back, but it
    /// leaves a small hole after every list; the next snapshot's records are then
    /// allocated in those holes, scattered over the whole state, and that snapshot
    /// was slower than with no shrink at all.)
    ///
    /// ```
    /// use pulsecheck::{Engine, sample::{self, Sample}};
    ///
    /// let sample = Sample::new().accounts(2);
    /// let mut engine = Engine::new(sample::config()).unwrap();
    /// for call in sample.calls() {
    ///     engine.ingest(&call).unwrap();
    /// }
    /// let before = engine.snapshot(sample.end());
    /// engine.shrink_to_fit();
    /// assert_eq!(engine.snapshot(sample.end()), before);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        let state = &mut self.state;
        for batch in state.actors.chunks_mut(PACK_BATCH) {
            let packed: Vec<ActorState> = batch.iter().map(ActorState::packed).collect();
            for (actor, packed) in batch.iter_mut().zip(packed) {
                *actor = packed;
            }
        }
        state.actors.shrink_to_fit();
        state
            .accounts
            .iter_mut()
            .for_each(AccountState::shrink_to_fit);
        state.accounts.shrink_to_fit();
        for names in [
            &mut state.actor_ids,
            &mut state.account_ids,
            &mut state.devices,
            &mut state.trait_keys,
        ] {
            names.shrink_to_fit();
        }
    }
}

impl ActorState {
    /// A copy whose every list is exactly as long as it needs to be (`Vec::clone`
    /// allocates the length, not the capacity), with its `messageId` keys sorted.
    fn packed(&self) -> ActorState {
        let mut packed = self.clone();
        packed.messages.shrink_to_fit();
        packed
    }
}

impl AccountState {
    fn shrink_to_fit(&mut self) {
        self.traits.shrink_to_fit();
        self.messages.shrink_to_fit();
        self.mrr.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use std::mem::size_of;

    use crate::Engine;
    use crate::engine::history::Folded;
    use crate::engine::state::{
        Cell, Contact, DayLink, DeviceCell, MilestoneTimes, NpsResponse, TraitVersion, UsageCell,
    };
    use crate::sample::{self, Sample};

    /// Where an engine's memory goes, list by list: items, bytes the items
    /// take, and bytes allocated for them (headers and the allocator's own
    /// rounding not included). A measurement, not a check:
    /// `PULSECHECK_ACCOUNTS=2666 cargo test --release --lib where_the_memory_goes
    /// -- --ignored --nocapture` (2 666 sample accounts are the `scale` example's
    /// 2 M events).
    #[test]
    #[ignore = "a measurement; run by hand"]
    fn where_the_memory_goes() {
        let accounts = std::env::var("PULSECHECK_ACCOUNTS")
            .ok()
            .and_then(|a| a.parse().ok())
            .unwrap_or(200);
        let sample = Sample::new().accounts(accounts);
        let mut engine = Engine::new(sample::config()).expect("the sample config is valid");
        for call in sample.calls() {
            let _ = engine.ingest(&call);
        }
        let state = &engine.state;
        let users = sample.user_count() as f64;
        let mut rows: Vec<(&str, usize, usize, usize)> = Vec::new();
        let mut add = |name, items: usize, held: usize, allocated: usize| match rows
            .iter_mut()
            .find(|r| r.0 == name)
        {
            Some(r) => {
                r.1 += items;
                r.2 += held;
                r.3 += allocated;
            }
            None => rows.push((name, items, held, allocated)),
        };
        macro_rules! list {
            ($name:expr, $list:expr, $t:ty) => {
                add(
                    $name,
                    $list.len(),
                    $list.len() * size_of::<$t>(),
                    $list.capacity() * size_of::<$t>(),
                )
            };
        }
        for a in &state.actors {
            add("id records", 1, size_of_val(a), size_of_val(a));
            list!("activity cells", a.cells, Cell);
            list!("devices", a.devices, DeviceCell);
            list!("usage sums", a.usage, UsageCell);
            list!("group and parent links", a.links, DayLink);
            list!("trait versions", a.traits, TraitVersion);
            let (held, allocated) = a.messages.bytes_held_and_allocated();
            add("messageId keys", a.messages.len(), held, allocated);
            if let Some(rare) = a.rare.get() {
                let box_size = size_of_val(rare);
                add(
                    "milestones (box and lists)",
                    rare.milestones.len(),
                    box_size,
                    box_size,
                );
                list!(
                    "milestones (box and lists)",
                    rare.milestones,
                    MilestoneTimes
                );
                for m in &rare.milestones {
                    list!("milestones (box and lists)", m.times, i64);
                }
                if let Some(rarer) = rare.rarer() {
                    let box_size = size_of_val(rarer);
                    add("contacts, NPS, folded", 0, box_size, box_size);
                    list!("contacts, NPS, folded", rarer.contacts, Contact);
                    list!("contacts, NPS, folded", rarer.nps, NpsResponse);
                    list!("contacts, NPS, folded", rarer.folded, Folded);
                }
            }
        }
        let spare_records =
            (state.actors.capacity() - state.actors.len()) * size_of_val(&state.actors[0]);
        add("id records", 0, 0, spare_records);
        println!(
            "{accounts} accounts, {} users, {} ids ({:.2} per user)",
            users,
            state.actors.len(),
            state.actors.len() as f64 / users
        );
        println!("| list | items per user | bytes held per user | bytes allocated per user |");
        println!("| --- | --- | --- | --- |");
        let (mut held, mut allocated) = (0, 0);
        for (name, items, h, a) in &rows {
            held += h;
            allocated += a;
            println!(
                "| {name} | {:.1} | {:.0} | {:.0} |",
                *items as f64 / users,
                *h as f64 / users,
                *a as f64 / users
            );
        }
        println!(
            "| all of the above | | {:.0} | {:.0} |",
            held as f64 / users,
            allocated as f64 / users
        );
    }
}
