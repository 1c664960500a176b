//! Giving back the spare capacity that growing vectors keep.

use super::Engine;
use super::state::{AccountState, ActorState};

impl Engine {
    /// Releases the spare capacity of the per-user lists.
    ///
    /// Ingest grows each user's lists (daily activity, devices, usage, `messageId`
    /// keys, …) by doubling, so after a bulk load about a third of their memory is
    /// spare room for calls that may never come. A host that loads a backlog and
    /// then mostly takes snapshots can call this once to give that memory back; it
    /// changes no answer, and later calls simply grow the lists again. It costs
    /// one copy of the state.
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
        state.actors.iter_mut().for_each(ActorState::shrink_to_fit);
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
    fn shrink_to_fit(&mut self) {
        self.cells.shrink_to_fit();
        self.devices.shrink_to_fit();
        self.usage.shrink_to_fit();
        for m in &mut self.milestones {
            m.times.shrink_to_fit();
        }
        self.milestones.shrink_to_fit();
        self.groups.shrink_to_fit();
        self.parents.shrink_to_fit();
        self.traits.shrink_to_fit();
        self.contacts.shrink_to_fit();
        self.messages.shrink_to_fit();
        self.folded.shrink_to_fit();
    }
}

impl AccountState {
    fn shrink_to_fit(&mut self) {
        self.traits.shrink_to_fit();
        self.messages.shrink_to_fit();
    }
}
