//! Format 2, written by earlier versions and still read: the engine's in-memory
//! structs serialized as they were (`messageId` keys already carry their day,
//! evicted history is already kept as lifetime facts).
//!
//! These types reproduce that derived shape exactly and are only ever read; they
//! must not change with the in-memory state, nor with format 3. Each field means
//! what the format-3 field of the same name means (see [`super::v3`]); a
//! format-2 state becomes a format-3 one field by field, and is then checked
//! and loaded as one.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::v3;
use crate::value::Value;

#[derive(Debug, Deserialize)]
pub(crate) struct State {
    pub actor_ids: Vec<String>,
    pub actors: Vec<ActorState>,
    pub account_ids: Vec<String>,
    pub accounts: Vec<AccountState>,
    pub devices: Vec<String>,
    pub trait_keys: Vec<String>,
    #[serde(default)]
    pub retained_from: Option<i32>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActorState {
    pub user_since: Option<i64>,
    pub first_call: i64,
    pub cells: Vec<Cell>,
    #[serde(default)]
    pub devices: Vec<DeviceCell>,
    #[serde(default)]
    pub usage: Vec<UsageCell>,
    #[serde(default)]
    pub milestones: Vec<MilestoneTimes>,
    #[serde(default)]
    pub groups: Vec<DayLink>,
    #[serde(default)]
    pub parents: Vec<DayLink>,
    #[serde(default)]
    pub traits: Vec<TraitVersion>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub nps: Vec<NpsResponse>,
    #[serde(default)]
    pub messages: Vec<u64>,
    #[serde(default)]
    pub folded: Vec<Folded>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Cell {
    pub day: i32,
    pub account: u32,
    pub weight: u32,
    pub count: u32,
    pub features: u64,
    pub first_ms: u32,
    pub last_ms: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DeviceCell {
    pub day: i32,
    pub device: u32,
    pub count: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UsageCell {
    pub day: i32,
    pub account: u32,
    pub metric: u8,
    pub sum: Decimal,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MilestoneTimes {
    pub tracked: u16,
    pub account: u32,
    pub times: Vec<i64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Stamp {
    pub ms: i64,
    pub tiebreak: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct DayLink {
    pub day: i32,
    pub stamp: Stamp,
    pub target: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TraitVersion {
    pub key: u32,
    pub day: i32,
    pub stamp: Stamp,
    #[serde(with = "crate::value::exact")]
    pub value: Value,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NpsResponse {
    pub day: i32,
    pub ms: i64,
    pub score: u8,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Contact {
    pub ms: i64,
    pub purpose: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Folded {
    pub account: u32,
    pub first_ms: i64,
    pub last_ms: i64,
    pub features: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AccountState {
    pub first_call: i64,
    #[serde(default)]
    pub traits: Vec<TraitVersion>,
    #[serde(default)]
    pub messages: Vec<u64>,
    #[serde(default)]
    pub mrr: Vec<MrrCall>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct MrrCall {
    pub day: i32,
    pub stamp: Stamp,
    pub positive: bool,
}

/// Format 2's account slots: format 3 kept their values.
const IMPLICIT: u32 = u32::MAX;
const ANY_ACCOUNT: u32 = u32::MAX - 1;

fn slot(account: u32) -> u32 {
    match account {
        IMPLICIT => v3::IMPLICIT,
        ANY_ACCOUNT => v3::ANY_ACCOUNT,
        id => id,
    }
}

fn stamp(s: Stamp) -> v3::Stamp {
    v3::Stamp {
        ms: s.ms,
        tiebreak: s.tiebreak,
    }
}

fn link(l: DayLink) -> v3::Link {
    v3::Link {
        day: l.day,
        stamp: stamp(l.stamp),
        target: l.target,
    }
}

fn trait_version(t: TraitVersion) -> v3::Trait {
    v3::Trait {
        key: t.key,
        day: t.day,
        stamp: stamp(t.stamp),
        value: t.value,
    }
}

fn actor(a: ActorState) -> v3::Actor {
    v3::Actor {
        user_since: a.user_since,
        first_call: a.first_call,
        cells: a
            .cells
            .into_iter()
            .map(|c| v3::Cell {
                day: c.day,
                account: slot(c.account),
                weight: c.weight,
                count: c.count,
                features: c.features,
                first_ms: c.first_ms,
                last_ms: c.last_ms,
            })
            .collect(),
        devices: a
            .devices
            .into_iter()
            .map(|d| v3::Device {
                day: d.day,
                device: d.device,
                count: d.count,
            })
            .collect(),
        usage: a
            .usage
            .into_iter()
            .map(|u| v3::Usage {
                day: u.day,
                account: slot(u.account),
                metric: u.metric,
                sum: u.sum,
            })
            .collect(),
        milestones: a
            .milestones
            .into_iter()
            .map(|m| v3::Milestone {
                tracked: m.tracked,
                account: slot(m.account),
                times: m.times,
            })
            .collect(),
        groups: a.groups.into_iter().map(link).collect(),
        parents: a.parents.into_iter().map(link).collect(),
        traits: a.traits.into_iter().map(trait_version).collect(),
        contacts: a
            .contacts
            .into_iter()
            .map(|c| v3::Contact {
                ms: c.ms,
                purpose: c.purpose,
            })
            .collect(),
        nps: a
            .nps
            .into_iter()
            .map(|n| v3::Nps {
                day: n.day,
                ms: n.ms,
                score: n.score,
            })
            .collect(),
        messages: a.messages,
        folded: a
            .folded
            .into_iter()
            .map(|f| v3::Folded {
                account: slot(f.account),
                first_ms: f.first_ms,
                last_ms: f.last_ms,
                features: f.features,
            })
            .collect(),
    }
}

fn account(a: AccountState) -> v3::Account {
    v3::Account {
        first_call: a.first_call,
        traits: a.traits.into_iter().map(trait_version).collect(),
        messages: a.messages,
        mrr: a
            .mrr
            .into_iter()
            .map(|c| v3::MrrCall {
                day: c.day,
                stamp: stamp(c.stamp),
                positive: c.positive,
            })
            .collect(),
    }
}

impl From<State> for v3::Loaded {
    fn from(s: State) -> v3::Loaded {
        v3::State {
            order: None,
            actor_ids: s.actor_ids,
            actors: s.actors.into_iter().map(actor).collect(),
            account_ids: s.account_ids,
            accounts: s.accounts.into_iter().map(account).collect(),
            devices: s.devices,
            trait_keys: s.trait_keys,
            retained_from: s.retained_from,
        }
    }
}
