//! Format 3, the format this version writes.
//!
//! A saved engine is one object: `{"format": 3, "config": …, "state": …}`, the
//! format number first (a loader picks the state's types by it), then the
//! [`Config`](crate::Config) in its own serde form, then a [`State`]. The JSON
//! shape of the state is that of format 2 plus [`State::order`], written since
//! the state stopped being the engine's in-memory structs and became these
//! types.
//!
//! The state refers to some configured things by position (a key feature is a
//! bit of [`Cell::features`], a usage metric is [`Usage::metric`], a milestone
//! is [`Milestone::tracked`]), and those positions follow the order the
//! configuration lists them in. A saved engine may pass through a JSON store
//! that reorders object keys (PostgreSQL `jsonb`, `serde_json::Value` without
//! `preserve_order`), and key features and usage metrics are object keys of the
//! configuration; so [`State::order`] keeps the names in the order the state's
//! positions use, and a loader puts the configuration back in that order. A
//! format-2 state has no such record: its positions are taken to follow the
//! configuration as it reads.
//!
//! Units, everywhere below:
//! - an *instant* is milliseconds since 1970-01-01T00:00:00 UTC (`i64`), within
//!   the range a call's timestamp can have;
//! - a *day* is a day number, days since 1970-01-01 (`i32`), of the local day
//!   (UTC shifted by the configuration's `utc_offset_minutes`);
//! - ids (`account`, `target`, `device`, `key`) are positions in the state's name
//!   lists, given in order of first sight.
//!
//! Every list is sorted by its key, keys are distinct, and every id is in range:
//! a loader refuses a state that breaks any of this (see `super::check`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::value::Value;

/// The account slot of activity kept for "the person's account as of the
/// snapshot day" rather than for a named account.
pub(crate) const IMPLICIT: u32 = u32::MAX;

/// The account slot of a milestone list kept for any account (user milestones).
pub(crate) const ANY_ACCOUNT: u32 = u32::MAX - 1;

/// The engine's state. The lists are type parameters so that saving streams
/// them out of the engine instead of copying it whole; a loaded state holds
/// plain vectors ([`Loaded`]).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct State<Names, Actors, Accounts> {
    /// The names behind the positions the state uses. Always written; absent
    /// only in a state read from format 2.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    /// Actor ids (a `userId` or an `anonymousId`; the two share one name
    /// space): the actor `i` of `actors` is named `actor_ids[i]`. Distinct.
    pub actor_ids: Names,
    /// What is known about each actor, in the order of `actor_ids`.
    pub actors: Actors,
    /// Account ids (`groupId`): account `i` is named `account_ids[i]`. Distinct.
    pub account_ids: Names,
    /// What is known about each account, in the order of `account_ids`.
    pub accounts: Accounts,
    /// Device types (`context.device.type`), named by [`Device::device`]. Distinct.
    pub devices: Names,
    /// Trait names, named by [`Trait::key`]. Distinct.
    pub trait_keys: Names,
    /// The first day whose daily detail is kept (days before it were folded by
    /// `Engine::evict_before`); absent when nothing was ever evicted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained_from: Option<i32>,
}

/// A format-3 state always records its order, so a missing one is an error
/// rather than a silent fall back to the configuration's order.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Order>, D::Error> {
    Order::deserialize(d).map(Some)
}

/// The configured names the state refers to by position, each list in position
/// order (and the segments, whose order the snapshots follow). Loading compares
/// them with the saved configuration: the same names in another order put the
/// configuration back in this order (its object keys were reordered on the
/// way), other names are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Order {
    /// Key features (the scored events when no features are configured): bit
    /// `i` of [`Cell::features`] and [`Folded::features`] is `features[i]`.
    pub features: Vec<String>,
    /// Usage metrics: [`Usage::metric`] `i` is `usage[i]`.
    pub usage: Vec<String>,
    /// User milestones, all of them as configured; the event milestones among
    /// them, in this order, are the first [`Milestone::tracked`] positions.
    pub user_milestones: Vec<String>,
    /// Account milestones, as `user_milestones`; their event milestones follow
    /// the user ones in [`Milestone::tracked`].
    pub account_milestones: Vec<String>,
    /// User segments. No position in the state refers to them, but a
    /// snapshot's `segments` lists and transitions follow their order.
    pub user_segments: Vec<String>,
    /// Account segments, as `user_segments`.
    pub account_segments: Vec<String>,
}

/// A state as read from a file.
pub(crate) type Loaded = State<Vec<String>, Vec<Actor>, Vec<Account>>;

/// Everything known about one actor.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Actor {
    /// The instant of the earliest call that carried this id as `userId`;
    /// `null` when it only ever came as an `anonymousId`.
    pub user_since: Option<i64>,
    /// The instant of the earliest call of any kind carrying this id.
    pub first_call: i64,
    /// Daily activity, sorted by `(day, account)`.
    pub cells: Vec<Cell>,
    /// Calls per device type and day, sorted by `(day, device)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    /// Usage sums per day, account slot and metric, sorted by `(day, account, metric)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<Usage>,
    /// The earliest times of milestone events, sorted by `(tracked, account)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
    /// `group` links to accounts, the latest per day, sorted by day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Link>,
    /// `alias` / `identify` links to other actors, the latest per day, sorted by day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<Link>,
    /// Trait values, the latest per `(key, day)`, sorted by `(key, day)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<Trait>,
    /// Contacts recorded with `Engine::record_contact`, sorted by `(ms, purpose)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// NPS responses, the one that counts per day, sorted by day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nps: Vec<Nps>,
    /// The `messageId` keys accepted from this sender, ascending and distinct:
    /// the call's day (clamped to `0..=65535`) in the top 16 bits, the
    /// `messageId`'s fingerprint below. The engine matches calls on the low 40
    /// bits of the fingerprint and writes the 8 bits above them as 0; files
    /// written before it kept 40 bits hold 48, and load with those 8 bits
    /// dropped, so their messages still match new copies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<u64>,
    /// Lifetime facts of evicted days, per account slot, sorted by account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folded: Vec<Folded>,
}

/// An actor's activity on one day for one account slot.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Cell {
    /// The day.
    pub day: i32,
    /// An account id, or [`IMPLICIT`].
    pub account: u32,
    /// The sum of the scoring weights of the day's events.
    pub weight: u32,
    /// How many events.
    pub count: u32,
    /// The configured features used: bit `i` is [`Order::features`]`[i]`.
    pub features: u64,
    /// Milliseconds into the local day of the first activity (below 86 400 000).
    pub first_ms: u32,
    /// Milliseconds into the local day of the last activity (below 86 400 000).
    pub last_ms: u32,
}

/// Calls from one device type on one day.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Device {
    /// The day.
    pub day: i32,
    /// A device type id (a position in [`State::devices`]).
    pub device: u32,
    /// How many calls.
    pub count: u32,
}

/// A usage metric's sum on one day for one account slot.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Usage {
    /// The day.
    pub day: i32,
    /// An account id, or [`IMPLICIT`].
    pub account: u32,
    /// The metric, its position in [`Order::usage`].
    pub metric: u8,
    /// The sum, an exact decimal written as a string.
    pub sum: Decimal,
}

/// The earliest times of one milestone's event.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Milestone {
    /// The milestone, its position among the event milestones of
    /// [`Order::user_milestones`] then [`Order::account_milestones`].
    pub tracked: u16,
    /// An account id, or [`ANY_ACCOUNT`] for a list kept across accounts.
    pub account: u32,
    /// Instants, ascending; at most the milestone's `min_count` of them.
    pub times: Vec<i64>,
}

/// What decides which of two same-day facts is the latest.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Stamp {
    /// The call's instant.
    pub ms: i64,
    /// A fingerprint of the call, comparing facts of the same instant.
    pub tiebreak: u64,
}

/// A dated link from an actor to an account (`group`) or to another actor
/// (`alias` / `identify`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Link {
    /// The day.
    pub day: i32,
    /// The call that made the link.
    pub stamp: Stamp,
    /// An account id (a group link) or an actor id (a parent link).
    pub target: u32,
}

/// A trait's value as set on one day.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Trait {
    /// A trait name id (a position in [`State::trait_keys`]).
    pub key: u32,
    /// The day.
    pub day: i32,
    /// The call that set it.
    pub stamp: Stamp,
    /// The value, tagged with its variant (`{"t": "date", "v": "2026-10-31"}`)
    /// so that it loads as the same variant.
    #[serde(with = "crate::value::exact")]
    pub value: Value,
}

/// The NPS response that counts for one day.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Nps {
    /// The day.
    pub day: i32,
    /// The response's instant.
    pub ms: i64,
    /// The score, 0 to 10.
    pub score: u8,
}

/// A contact recorded with `Engine::record_contact`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Contact {
    /// When.
    pub ms: i64,
    /// Why, as given.
    pub purpose: String,
}

/// The lifetime facts of an actor's evicted activity for one account slot.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Folded {
    /// An account id, or [`IMPLICIT`].
    pub account: u32,
    /// The instant of the earliest activity.
    pub first_ms: i64,
    /// The instant of the latest activity.
    pub last_ms: i64,
    /// The features ever used (bits as in [`Cell::features`]).
    pub features: u64,
}

/// Account-level facts.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Account {
    /// The instant of the earliest call naming the account.
    pub first_call: i64,
    /// Trait values from `group` calls, as for actors, sorted by `(key, day)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traits: Vec<Trait>,
    /// The `messageId` keys of `group` calls sent without a user (as
    /// [`Actor::messages`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<u64>,
    /// The `group` calls that set `mrr`, sorted by `(day, stamp, positive)`;
    /// per day only the latest positive one and the calls after it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mrr: Vec<MrrCall>,
}

/// A `group` call that set the account's `mrr`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MrrCall {
    /// The day.
    pub day: i32,
    /// The call.
    pub stamp: Stamp,
    /// Whether it set `mrr` above 0 (`false`: 0, negative, null or not a number).
    pub positive: bool,
}
