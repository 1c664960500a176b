//! The engine: ingest calls, keep compact state, answer snapshots, merge.
//!
//! # The merge contract
//!
//! [`Engine::merge`] folds another engine into this one. When both were built from
//! the same [`Config`] and ingested disjoint sets of calls, the result is exactly the
//! engine that ingested all of them, in any order: every piece of state is combined
//! with an associative, commutative operation (sums, set unions, minimum/maximum,
//! keep-the-k-earliest, keep-the-latest under a total order). "Disjoint" is about
//! calls, not users: split a stream any way you like (by line, by partition, by
//! time). A call with a `messageId` that both engines accepted would be counted
//! twice, so route duplicates of one `messageId` to the same engine (hash the
//! `messageId` to pick the engine, as the `batch` example does); merge reports how
//! many such overlaps it saw. Engines with different configurations refuse to merge.
//!
//! # Where `Engine`'s methods live
//!
//! The type is defined here; its methods sit with the part of the data path they
//! serve (call → state → snapshot), so each file reads on its own:
//!
//! | methods | file |
//! | --- | --- |
//! | construction, settings, counts, `record_contact`, `merge`, serde | `engine/mod.rs` |
//! | `ingest`, and the state updates of each call kind | `engine/ingest.rs` |
//! | the limits a call must meet before it touches the state | `engine/admission.rs` |
//! | `evict_before`, `retained_from` (bounded history) | `engine/history.rs` |
//! | `shrink_to_fit` | `engine/memory.rs` |
//! | `ingest_json`, `ingest_ndjson`, `ingest_ndjson_bytes` | `json/mod.rs` |
//! | `snapshot`, `snapshot_tracked` | `snapshot/mod.rs` |
//! | `portfolio` | `snapshot/portfolio.rs` |

mod admission;
mod history;
mod ingest;
mod memory;
mod messages;
mod saved;
pub(crate) mod state;
mod two_ended;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::compiled::Compiled;
use crate::config::{Config, ConfigErrors};
use crate::id::UserId;
use crate::intern::Interner;
use crate::schema::{RecordKind, Schema};
pub use history::Eviction;
use state::{AccountState, ActorState, Contact};

#[cfg(feature = "json")]
pub(crate) use ingest::Kind as CallKind;
#[cfg(feature = "json")]
pub(crate) use ingest::value_is_finite;

/// The translation engine: feed it calls, ask it for a [`Snapshot`](crate::Snapshot)
/// as of any day.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use pulsecheck::{Config, Engine, Track, UserId};
///
/// let mut engine = Engine::new(Config::default()).unwrap();
/// let at = Utc.with_ymd_and_hms(2026, 10, 30, 12, 0, 0).unwrap();
/// engine.ingest(&Track::new(UserId::from("u1"), "Report Run", at).into()).unwrap();
///
/// let snapshot = engine.snapshot(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
/// let user = snapshot.user("u1").unwrap();
/// assert_eq!(user.get("event_count").and_then(|v| v.as_i64()), Some(1));
/// assert_eq!(user.get("engagement_score").and_then(|v| v.as_i64()), Some(100));
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    compiled: Arc<Compiled>,
    clock_ms: Option<i64>,
    snapshot_threads: usize,
    state: State,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct State {
    pub actor_ids: Interner,
    pub actors: Vec<ActorState>,
    pub account_ids: Interner,
    pub accounts: Vec<AccountState>,
    pub devices: Interner,
    pub trait_keys: Interner,
    /// The first day whose daily detail is kept (see `Engine::evict_before`).
    pub retained_from: Option<crate::time::DayNumber>,
}

/// Why two engines cannot merge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// The engines were built from different configurations.
    #[error(
        "the engines have different configurations; only engines built from the same Config can merge"
    )]
    ConfigMismatch,
}

/// What a merge saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MergeStats {
    overlapping_messages: u64,
}

impl MergeStats {
    /// `messageId`s that both engines had accepted (their calls are now counted
    /// twice: see the merge contract in [`Engine`]'s module docs).
    pub fn overlapping_messages(&self) -> u64 {
        self.overlapping_messages
    }
}

impl Engine {
    /// An empty engine; the configuration is validated first.
    pub fn new(config: Config) -> Result<Engine, ConfigErrors> {
        config.validate()?;
        Ok(Engine {
            compiled: Arc::new(Compiled::new(&config)?),
            clock_ms: None,
            snapshot_threads: 1,
            state: State::default(),
        })
    }

    /// An empty engine whose id tables hash with a fixed `seed`.
    ///
    /// The tables behind user, anonymous and account ids, device types and trait
    /// keys are keyed by text the senders choose. [`Engine::new`] seeds their hash
    /// at random, so ids crafted offline to collide cannot slow lookups down; the
    /// results never depend on the seed. A fixed seed makes the tables' layout
    /// reproducible, for benchmarks and for tracking down a performance problem.
    /// Do not use one an attacker could learn.
    ///
    /// ```
    /// use pulsecheck::{Config, Engine};
    ///
    /// let engine = Engine::with_hash_seed(Config::default(), 42).unwrap();
    /// assert_eq!(engine.user_count(), 0);
    /// ```
    pub fn with_hash_seed(config: Config, seed: u64) -> Result<Engine, ConfigErrors> {
        let mut engine = Engine::new(config)?;
        let s = &mut engine.state;
        s.actor_ids = Interner::with_seed(seed);
        s.account_ids = Interner::with_seed(seed.rotate_left(16));
        s.devices = Interner::with_seed(seed.rotate_left(32));
        s.trait_keys = Interner::with_seed(seed.rotate_left(48));
        Ok(engine)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.compiled.config
    }

    /// The schema of a record kind under this configuration: every property a
    /// snapshot's records of that kind have, in order, with its type (traits passed
    /// through come after it). CRM property definitions are made from it, with or
    /// without records
    /// ([`HubSpot::schema_requests`](crate::crm::HubSpot::schema_requests)).
    ///
    /// ```
    /// use pulsecheck::{Engine, PropertyType, RecordKind};
    /// use pulsecheck::sample;
    ///
    /// let engine = Engine::new(sample::config()).expect("valid config");
    /// let users = engine.schema(RecordKind::User);
    /// assert_eq!(users.property_type("engagement_score"), Some(&PropertyType::Int));
    /// ```
    pub fn schema(&self, kind: RecordKind) -> &Arc<Schema> {
        match kind {
            RecordKind::User => &self.compiled.user_schema,
            RecordKind::Account => &self.compiled.account_schema,
        }
    }

    /// Sets the host's clock: calls stamped later than it plus
    /// [`Config::clock_skew_seconds`] are rejected. Without a clock, none are.
    pub fn set_clock(&mut self, now: DateTime<Utc>) {
        self.clock_ms = Some(now.timestamp_millis());
    }

    /// Lets [`snapshot`](Self::snapshot) and [`snapshot_tracked`](Self::snapshot_tracked)
    /// build records on up to `threads` threads (the calling thread among them; `0`
    /// counts as `1`, the default). The snapshot is the same for any number of
    /// threads; only the time it takes changes. Threads are scoped to each call and
    /// not spawned for small snapshots (fewer than a few hundred records a thread).
    ///
    /// The threads share summing the day's activity and building and classifying
    /// the records, nearly all of a snapshot's work; only working out who is who
    /// (identity stitching as of the day) stays on the calling thread.
    ///
    /// At 100 000 sample users, building a snapshot took 0.30 s on one thread and
    /// 0.19 s on two. The records are allocated by the thread that builds them,
    /// and glibc grows the heap of a thread other than the main one a page at a
    /// time (about 22 000 `mprotect` calls for that snapshot on two threads);
    /// `GLIBC_TUNABLES=glibc.malloc.top_pad=67108864`, set before the process
    /// starts, makes it grow in large steps, though since records allocate little
    /// it no longer changed that time measurably.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use pulsecheck::Engine;
    /// use pulsecheck::sample::{self, Sample};
    ///
    /// let sample = Sample::new().accounts(60);
    /// let mut engine = Engine::new(sample::config()).unwrap();
    /// for call in sample.calls() {
    ///     engine.ingest(&call).unwrap();
    /// }
    /// let one_thread = engine.snapshot(sample.end());
    /// engine.set_snapshot_threads(4);
    /// assert_eq!(engine.snapshot_threads(), 4);
    /// assert_eq!(engine.snapshot(sample.end()), one_thread);
    /// engine.set_snapshot_threads(0);
    /// assert_eq!(engine.snapshot_threads(), 1);
    /// ```
    pub fn set_snapshot_threads(&mut self, threads: usize) {
        self.snapshot_threads = threads.max(1);
    }

    /// The most threads a snapshot uses (see
    /// [`set_snapshot_threads`](Self::set_snapshot_threads)).
    pub fn snapshot_threads(&self) -> usize {
        self.snapshot_threads
    }

    /// Known users (ids that appeared as `userId`), before identity merging.
    pub fn user_count(&self) -> usize {
        self.state
            .actors
            .iter()
            .filter(|a| a.user_since().is_some())
            .count()
    }

    /// Known accounts.
    pub fn account_count(&self) -> usize {
        self.state.accounts.len()
    }

    /// `messageId`s remembered for de-duplication.
    pub fn message_count(&self) -> usize {
        let actors: usize = self.state.actors.iter().map(|a| a.messages.len()).sum();
        actors
            + self
                .state
                .accounts
                .iter()
                .map(|a| a.messages.len())
                .sum::<usize>()
    }

    /// Records that the team contacted a user: when and why. Feeds
    /// `last_contacted_at`, `last_contact_purpose`, `days_since_last_contact` and
    /// `contact_effective`. Recording the same contact twice changes nothing.
    pub fn record_contact(&mut self, user: &UserId, at: DateTime<Utc>, purpose: impl Into<String>) {
        let ms = at.timestamp_millis();
        let id = self.actor(user.as_str(), ms, true);
        self.state.actors[id as usize].add_contact(Contact {
            ms,
            purpose: purpose.into(),
        });
    }

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    /// The id of an actor, created on first sight (with its first call at `ms`).
    fn actor_slot(&mut self, name: &str, ms: i64) -> u32 {
        let (id, new) = self.state.actor_ids.intern(name);
        if new {
            let actors = &mut self.state.actors;
            if actors.len() == actors.capacity() {
                // By a quarter of the ids rather than doubling: the ids' fixed
                // part is a large share of the state, and doubling left a third
                // of it spare. The records move about four times each over a
                // load, which next to the calls that made them is little.
                actors.reserve_exact((actors.len() / 4).max(16));
            }
            actors.push(ActorState::new(ms));
        }
        id
    }

    /// The id of an actor, which also records that it was seen at `ms`.
    fn actor(&mut self, name: &str, ms: i64, as_user: bool) -> u32 {
        let id = self.actor_slot(name, ms);
        self.state.actors[id as usize].seen_at(ms, as_user);
        id
    }

    /// The id of an account, created on first sight (with its first call at `ms`).
    fn account_slot(&mut self, name: &str, ms: i64) -> u32 {
        let (id, new) = self.state.account_ids.intern(name);
        if new {
            self.state.accounts.push(AccountState {
                first_call: ms,
                traits: Default::default(),
                messages: Default::default(),
                mrr: Default::default(),
            });
        }
        id
    }

    /// The id of an account, which also records that it was seen at `ms`.
    fn account(&mut self, name: &str, ms: i64) -> u32 {
        let id = self.account_slot(name, ms);
        let a = &mut self.state.accounts[id as usize];
        a.first_call = a.first_call.min(ms);
        id
    }

    /// Folds `other` into this engine (see the merge contract in the module docs).
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use pulsecheck::{Config, Engine, Track, UserId};
    ///
    /// let at = Utc.with_ymd_and_hms(2026, 10, 30, 12, 0, 0).unwrap();
    /// let mut left = Engine::new(Config::default()).unwrap();
    /// let mut right = left.clone();
    /// left.ingest(&Track::new(UserId::from("u1"), "A", at).with_message_id("m1").into()).unwrap();
    /// right.ingest(&Track::new(UserId::from("u1"), "B", at).with_message_id("m2").into()).unwrap();
    /// left.merge(right).unwrap();
    ///
    /// let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    /// assert_eq!(left.snapshot(day).user("u1").unwrap().get("event_count").unwrap().as_i64(), Some(2));
    /// ```
    pub fn merge(&mut self, other: Engine) -> Result<MergeStats, MergeError> {
        if self.compiled.config != other.compiled.config {
            return Err(MergeError::ConfigMismatch);
        }
        let mut stats = MergeStats::default();
        let o = other.state;
        let accounts: Vec<u32> = o
            .account_ids
            .names()
            .zip(&o.accounts)
            .map(|(name, a)| self.account(name, a.first_call))
            .collect();
        let devices: Vec<u32> = o
            .devices
            .names()
            .map(|d| self.state.devices.intern(d).0)
            .collect();
        let keys: Vec<u32> = o
            .trait_keys
            .names()
            .map(|k| self.state.trait_keys.intern(k).0)
            .collect();
        let actors: Vec<u32> = o
            .actor_ids
            .names()
            .zip(&o.actors)
            .map(|(name, a)| {
                let id = self.actor(name, a.first_call, false);
                if let Some(since) = a.user_since() {
                    self.state.actors[id as usize].seen_at(since, true);
                }
                id
            })
            .collect();
        for (account, a) in accounts.iter().zip(o.accounts) {
            let target = &mut self.state.accounts[*account as usize];
            for mut v in a.traits {
                v.key = keys[v.key as usize];
                state::upsert_trait(&mut target.traits, v);
            }
            for call in a.mrr {
                state::add_mrr_call(&mut target.mrr, call);
            }
            stats.overlapping_messages += target.messages.merge(&a.messages);
        }
        let tracked_k: Vec<u32> = self.compiled.tracked.iter().map(|t| t.k).collect();
        let ids = state::Remap {
            accounts: &accounts,
            actors: &actors,
            devices: &devices,
            trait_keys: &keys,
        };
        for (actor, mut a) in actors.iter().zip(o.actors) {
            a.remap(&ids);
            let target = &mut self.state.actors[*actor as usize];
            if target.is_blank() {
                // An actor only the other engine knew: its lists move over whole
                // (sorting in `remap` restored their key order).
                target.adopt(a);
                continue;
            }
            for c in a.cells {
                target.add_cell(c);
            }
            for d in a.devices {
                target.add_device(d);
            }
            for u in a.usage {
                target.add_usage(u);
            }
            let mut rare = a.rare.take();
            let rarer = rare.take_rarer();
            for m in rare.milestones {
                let k = tracked_k.get(usize::from(m.tracked)).copied().unwrap_or(1);
                target.add_milestone_times(m.tracked, m.account, &m.times, k);
            }
            for l in a.links {
                target.add_link(l);
            }
            for v in a.traits {
                state::upsert_trait(&mut target.traits, v);
            }
            for c in rarer.contacts {
                target.add_contact(c);
            }
            for n in rarer.nps {
                target.add_nps(n);
            }
            for f in rarer.folded {
                history::fold(&mut target.rare.rarer_mut().folded, f);
            }
            stats.overlapping_messages += target.messages.merge(&a.messages);
        }
        // The merged engine keeps the shorter history of the two.
        // (Folding is idempotent, so re-applying this engine's own day is harmless.)
        if let Some(day) = o.retained_from.max(self.state.retained_from) {
            self.state.retained_from = None;
            self.evict_before_day(day);
        }
        Ok(stats)
    }
}

impl Serialize for Engine {
    /// Saves the configuration and the full state in state format 3 (not the
    /// clock or the snapshot threads, which are the host's settings). The format
    /// is documented with its types, in `src/engine/saved/v3.rs`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        saved::save(self, s)
    }
}

impl<'de> Deserialize<'de> for Engine {
    /// Loads a saved engine of state format 3 (what this version writes) or 2
    /// (what earlier versions wrote). Format 1 or a newer format, an invalid
    /// configuration, or state that is out of order or refers to ids it does not
    /// hold is an error that says so, never a silent reset.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Engine, D::Error> {
        saved::load(d)
    }
}

/// Trait names sent in camelCase that the engine reads as snake_case.
pub(crate) fn normalize_trait_key(key: &str) -> &str {
    match key {
        "firstName" => "first_name",
        "lastName" => "last_name",
        "preferredName" => "preferred_name",
        "createdAt" => "created_at",
        other => other,
    }
}
