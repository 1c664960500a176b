//! Saved state ↔ in-memory state: the only code that knows both layouts.
//!
//! Loading builds the in-memory state through the same `add_*` / `upsert_*` /
//! `fold` functions ingest uses; on a checked state (sorted, distinct keys) each
//! of them appends, so the result is the state that was saved. Saving reads the
//! in-memory lists as slices.

use serde::{Serialize, Serializer};

use super::v3;
use crate::engine::State;
use crate::engine::history::{self, Folded};
use crate::engine::messages::MessageSet;
use crate::engine::state::{
    self, AccountState, ActorState, Cell, Contact, DayLink, DeviceCell, LinkKind, MrrCall,
    NpsResponse, Stamp, TraitVersion, UsageCell,
};
use crate::intern::Interner;

/// The state as saved, borrowing the engine's.
pub(super) fn saved(
    s: &State,
    order: v3::Order,
) -> v3::State<Names<'_>, Each<'_, ActorState, v3::Actor>, Each<'_, AccountState, v3::Account>> {
    v3::State {
        order: Some(order),
        actor_ids: Names(&s.actor_ids),
        actors: Each(&s.actors, actor_out),
        account_ids: Names(&s.account_ids),
        accounts: Each(&s.accounts, account_out),
        devices: Names(&s.devices),
        trait_keys: Names(&s.trait_keys),
        retained_from: s.retained_from,
    }
}

/// An interner's names in id order.
pub(super) struct Names<'a>(&'a Interner);

impl Serialize for Names<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.names())
    }
}

/// The saved form of each item, made one at a time as it is written.
pub(super) struct Each<'a, T, U>(&'a [T], fn(&T) -> U);

impl<T, U: Serialize> Serialize for Each<'_, T, U> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(self.1))
    }
}

/// The in-memory state of a checked saved state (`milestone_k`: the times each
/// milestone keeps). Names that appear twice are refused here.
pub(super) fn in_memory(saved: v3::Loaded, milestone_k: &[u32]) -> Result<State, String> {
    let mut s = State::default();
    intern(&mut s.actor_ids, saved.actor_ids)?;
    intern(&mut s.account_ids, saved.account_ids)?;
    intern(&mut s.devices, saved.devices)?;
    intern(&mut s.trait_keys, saved.trait_keys)?;
    s.actors = saved
        .actors
        .into_iter()
        .map(|a| actor_in(a, milestone_k))
        .collect();
    s.accounts = saved.accounts.into_iter().map(account_in).collect();
    s.retained_from = saved.retained_from;
    Ok(s)
}

fn intern(table: &mut Interner, names: Vec<String>) -> Result<(), String> {
    for name in names {
        if !table.intern(&name).1 {
            return Err(format!("interned name {name:?} appears twice"));
        }
    }
    Ok(())
}

fn slot_in(account: u32) -> u32 {
    match account {
        v3::IMPLICIT => state::IMPLICIT,
        v3::ANY_ACCOUNT => state::ANY_ACCOUNT,
        id => id,
    }
}

fn slot_out(account: u32) -> u32 {
    match account {
        state::IMPLICIT => v3::IMPLICIT,
        state::ANY_ACCOUNT => v3::ANY_ACCOUNT,
        id => id,
    }
}

fn stamp_in(s: v3::Stamp) -> Stamp {
    Stamp {
        ms: s.ms,
        tiebreak: s.tiebreak,
    }
}

fn stamp_out(s: &Stamp) -> v3::Stamp {
    v3::Stamp {
        ms: s.ms,
        tiebreak: s.tiebreak,
    }
}

fn link_in(kind: LinkKind, l: v3::Link) -> DayLink {
    DayLink {
        kind,
        day: l.day,
        stamp: stamp_in(l.stamp),
        target: l.target,
    }
}

fn link_out(l: &DayLink) -> v3::Link {
    v3::Link {
        day: l.day,
        stamp: stamp_out(&l.stamp),
        target: l.target,
    }
}

fn trait_in(t: v3::Trait) -> TraitVersion {
    TraitVersion {
        key: t.key,
        day: t.day,
        stamp: stamp_in(t.stamp),
        value: t.value,
    }
}

fn trait_out(t: &TraitVersion) -> v3::Trait {
    v3::Trait {
        key: t.key,
        day: t.day,
        stamp: stamp_out(&t.stamp),
        value: t.value.clone(),
    }
}

fn messages_in(keys: Vec<u64>) -> MessageSet {
    MessageSet::from_saved(keys)
}

fn actor_in(a: v3::Actor, milestone_k: &[u32]) -> ActorState {
    let mut m = ActorState::new(a.first_call);
    m.set_user_since(a.user_since);
    for c in a.cells {
        m.add_cell(Cell {
            day: c.day,
            account: slot_in(c.account),
            weight: c.weight,
            count: c.count,
            features: c.features,
            first_ms: c.first_ms,
            last_ms: c.last_ms,
        });
    }
    for d in a.devices {
        m.add_device(DeviceCell {
            day: d.day,
            device: d.device,
            count: d.count,
        });
    }
    for u in a.usage {
        m.add_usage(UsageCell::new(u.day, slot_in(u.account), u.metric, u.sum));
    }
    for t in a.milestones {
        let k = milestone_k[usize::from(t.tracked)];
        m.add_milestone_times(t.tracked, slot_in(t.account), &t.times, k);
    }
    for g in a.groups {
        m.add_link(link_in(LinkKind::Group, g));
    }
    for p in a.parents {
        m.add_link(link_in(LinkKind::Parent, p));
    }
    for t in a.traits {
        state::upsert_trait(&mut m.traits, trait_in(t));
    }
    for c in a.contacts {
        m.add_contact(Contact {
            ms: c.ms,
            purpose: c.purpose,
        });
    }
    for n in a.nps {
        m.add_nps(NpsResponse {
            day: n.day,
            ms: n.ms,
            score: n.score,
        });
    }
    m.messages = messages_in(a.messages);
    for f in a.folded {
        history::fold(
            &mut m.rare.rarer_mut().folded,
            Folded {
                account: slot_in(f.account),
                first_ms: f.first_ms,
                last_ms: f.last_ms,
                features: f.features,
            },
        );
    }
    m
}

fn actor_out(a: &ActorState) -> v3::Actor {
    v3::Actor {
        user_since: a.user_since(),
        first_call: a.first_call,
        cells: a
            .cells
            .iter()
            .map(|c| v3::Cell {
                day: c.day,
                account: slot_out(c.account),
                weight: c.weight,
                count: c.count,
                features: c.features,
                first_ms: c.first_ms,
                last_ms: c.last_ms,
            })
            .collect(),
        devices: a
            .devices
            .iter()
            .map(|d| v3::Device {
                day: d.day,
                device: d.device,
                count: d.count,
            })
            .collect(),
        usage: a
            .usage
            .iter()
            .map(|u| v3::Usage {
                day: u.day,
                account: slot_out(u.account),
                metric: u.metric(),
                sum: u.sum(),
            })
            .collect(),
        milestones: a
            .milestones()
            .iter()
            .map(|t| v3::Milestone {
                tracked: t.tracked,
                account: slot_out(t.account),
                times: t.times.clone(),
            })
            .collect(),
        groups: a.groups().iter().map(link_out).collect(),
        parents: a.parents().iter().map(link_out).collect(),
        traits: a.traits.iter().map(trait_out).collect(),
        contacts: a
            .contacts()
            .iter()
            .map(|c| v3::Contact {
                ms: c.ms,
                purpose: c.purpose.clone(),
            })
            .collect(),
        nps: a
            .nps()
            .iter()
            .map(|n| v3::Nps {
                day: n.day,
                ms: n.ms,
                score: n.score,
            })
            .collect(),
        messages: a.messages.to_saved(),
        folded: a
            .folded()
            .iter()
            .map(|f| v3::Folded {
                account: slot_out(f.account),
                first_ms: f.first_ms,
                last_ms: f.last_ms,
                features: f.features,
            })
            .collect(),
    }
}

fn account_in(a: v3::Account) -> AccountState {
    let mut m = AccountState {
        first_call: a.first_call,
        traits: Default::default(),
        messages: messages_in(a.messages),
        mrr: Default::default(),
    };
    for t in a.traits {
        state::upsert_trait(&mut m.traits, trait_in(t));
    }
    for c in a.mrr {
        state::add_mrr_call(
            &mut m.mrr,
            MrrCall {
                day: c.day,
                stamp: stamp_in(c.stamp),
                positive: c.positive,
            },
        );
    }
    m
}

fn account_out(a: &AccountState) -> v3::Account {
    v3::Account {
        first_call: a.first_call,
        traits: a.traits.iter().map(trait_out).collect(),
        messages: a.messages.to_saved(),
        mrr: a
            .mrr
            .iter()
            .map(|c| v3::MrrCall {
                day: c.day,
                stamp: stamp_out(&c.stamp),
                positive: c.positive,
            })
            .collect(),
    }
}
