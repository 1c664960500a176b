//! A validated configuration turned into lookup tables for the hot paths.

use std::sync::Arc;

use hashbrown::HashTable;

use super::rules::CompiledRules;
use super::{Config, ConfigErrors, Curve};
use crate::properties::{self, Columns};
use crate::schema::{RecordKind, Schema};
use crate::time::MS_PER_DAY;

/// What one event name does, looked up once per event.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventInfo {
    pub weight: u32,
    pub features: u64,
    /// Indices into [`Compiled::tracked`].
    pub tracked: Vec<u16>,
    /// Indices into [`Compiled::usage`].
    pub usage: Vec<u8>,
}

/// An event milestone whose earliest `k` timestamps are kept.
#[derive(Debug, Clone)]
pub(crate) struct Tracked {
    pub k: u32,
    /// Kept per account (account milestones) rather than per user.
    pub per_account: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum MilestoneSpec {
    Event {
        name: String,
        tracked: usize,
        k: u32,
        within_ms: Option<i64>,
    },
    Rule {
        name: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct UsageSpec {
    pub name: String,
    pub property: Option<String>,
}

/// The NPS survey, as ingest reads it.
#[derive(Debug, Clone)]
pub(crate) struct NpsSpec {
    pub event: String,
    pub property: String,
    /// Where the property's value is in [`Compiled::picks`].
    pub pick: usize,
    /// NL, in days.
    pub lookback: i32,
}

/// The `health` section, as snapshots read it.
#[derive(Debug, Clone)]
pub(crate) struct HealthSpec {
    pub nps: Option<NpsSpec>,
    /// R, in days.
    pub revenue_days: i32,
    /// Per component, in [`HealthComponent::ALL`](super::HealthComponent::ALL) order.
    pub weights: [u32; 7],
    pub red_below: i64,
    pub green_from: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub config: Config,
    pub window: i32,
    pub lookback: i32,
    pub offset: i32,
    pub threshold: i64,
    pub contact_effect_days: i64,
    pub skew_ms: i64,
    pub percentile: f64,
    pub curve: Curve,
    default_event: EventInfo,
    /// The events the config names, and what each one means.
    events: EventTable,
    /// Where `Page Viewed` and `Screen Viewed` are in `events`, found once: a
    /// third of a usual stream is pages and screens.
    page_event: Option<u32>,
    screen_event: Option<u32>,
    pub features: Vec<String>,
    pub user_milestones: Vec<MilestoneSpec>,
    pub account_milestones: Vec<MilestoneSpec>,
    pub tracked: Vec<Tracked>,
    pub usage: Vec<UsageSpec>,
    /// The activity properties ingest reads: the usage metrics' (at their metric
    /// index), then the NPS score's. Read by the JSON reader only.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub picks: Vec<UsageSpec>,
    pub health: Option<HealthSpec>,
    pub user_schema: Arc<Schema>,
    pub account_schema: Arc<Schema>,
    pub user_columns: Columns,
    pub account_columns: Columns,
    pub rules: CompiledRules,
}

impl Compiled {
    /// Builds the tables; the configuration must already be valid (its rules are
    /// compiled here, so rule errors still surface as errors, never panics).
    pub fn new(config: &Config) -> Result<Compiled, ConfigErrors> {
        let user_schema = properties::schema(config, RecordKind::User);
        let account_schema = properties::schema(config, RecordKind::Account);
        let rules = super::rules::compile_with(config, user_schema.clone(), account_schema.clone())
            .map_err(ConfigErrors::new)?;
        let all_events = config.scoring.events.is_none();
        let mut events: indexmap::IndexMap<Box<str>, EventInfo> = indexmap::IndexMap::new();
        if let Some(scored) = &config.scoring.events {
            for (name, weight) in scored.iter() {
                events.entry(name.into()).or_default().weight = (*weight).clamp(1, 10) as u32;
            }
        }
        let features = config.effective_features();
        for (i, (_, names)) in features.iter().enumerate() {
            for name in names {
                let info = events
                    .entry(name.as_str().into())
                    .or_insert_with(|| EventInfo {
                        weight: u32::from(all_events),
                        ..EventInfo::default()
                    });
                info.features |= 1 << i;
            }
        }
        let mut tracked = Vec::new();
        let mut milestone_specs =
            |list: &[super::Milestone],
             per_account: bool,
             events: &mut indexmap::IndexMap<Box<str>, EventInfo>| {
                list.iter()
                    .map(|m| match m.event_name() {
                        Some(event) => {
                            let index = tracked.len();
                            tracked.push(Tracked {
                                k: m.min_count(),
                                per_account,
                            });
                            events
                                .entry(event.into())
                                .or_insert_with(|| EventInfo {
                                    weight: u32::from(all_events),
                                    ..EventInfo::default()
                                })
                                .tracked
                                .push(index as u16);
                            MilestoneSpec::Event {
                                name: m.name().to_owned(),
                                tracked: index,
                                k: m.min_count(),
                                within_ms: m.within_days().map(|d| i64::from(d) * MS_PER_DAY),
                            }
                        }
                        None => MilestoneSpec::Rule {
                            name: m.name().to_owned(),
                        },
                    })
                    .collect::<Vec<_>>()
            };
        let user_milestones = milestone_specs(config.activation.user(), false, &mut events);
        let account_milestones = milestone_specs(config.activation.account(), true, &mut events);
        let usage: Vec<UsageSpec> = config
            .usage
            .iter()
            .enumerate()
            .map(|(i, (name, u))| {
                events
                    .entry(u.event().into())
                    .or_insert_with(|| EventInfo {
                        weight: u32::from(all_events),
                        ..EventInfo::default()
                    })
                    .usage
                    .push(i as u8);
                UsageSpec {
                    name: name.to_owned(),
                    property: u.property().map(str::to_owned),
                }
            })
            .collect();
        let mut picks = usage.clone();
        let health = config.health().map(|h| HealthSpec {
            nps: h.nps().map(|n| {
                picks.push(UsageSpec {
                    name: "nps".to_owned(),
                    property: Some(n.property().to_owned()),
                });
                NpsSpec {
                    event: n.event().to_owned(),
                    property: n.property().to_owned(),
                    pick: picks.len() - 1,
                    lookback: n.lookback_days().min(super::MAX_HEALTH_DAYS) as i32,
                }
            }),
            revenue_days: h.revenue_days().min(super::MAX_HEALTH_DAYS) as i32,
            weights: super::HealthComponent::ALL
                .map(|c| h.weight_of(c).clamp(0, super::MAX_HEALTH_WEIGHT) as u32),
            red_below: h.red_below(),
            green_from: h.green_from(),
        });
        let user_columns = Columns::new(&user_schema, &usage);
        let account_columns = Columns::new(&account_schema, &usage);
        let events = EventTable::new(events.into_iter().collect());
        let page_event = events.find(crate::event::PAGE_VIEWED);
        let screen_event = events.find(crate::event::SCREEN_VIEWED);
        Ok(Compiled {
            rules,
            window: config.window_days as i32,
            lookback: config.lookback_days as i32,
            offset: config.utc_offset_minutes,
            threshold: i64::from(config.trend_threshold),
            contact_effect_days: i64::from(config.contact_effect_days),
            skew_ms: i64::try_from(config.clock_skew_seconds.saturating_mul(1000))
                .unwrap_or(i64::MAX),
            percentile: config.scoring.percentile,
            curve: config.scoring.curve,
            default_event: EventInfo {
                weight: u32::from(all_events),
                ..EventInfo::default()
            },
            events,
            page_event,
            screen_event,
            features: features.into_iter().map(|(n, _)| n).collect(),
            user_milestones,
            account_milestones,
            tracked,
            usage,
            picks,
            health,
            user_columns,
            account_columns,
            user_schema,
            account_schema,
            config: config.clone(),
        })
    }

    #[inline]
    pub fn event(&self, name: &str) -> &EventInfo {
        self.info_of(self.events.find(name))
    }

    /// What a `page` call's `Page Viewed` means.
    #[inline]
    pub fn page_event(&self) -> &EventInfo {
        self.info_of(self.page_event)
    }

    /// What a `screen` call's `Screen Viewed` means.
    #[inline]
    pub fn screen_event(&self) -> &EventInfo {
        self.info_of(self.screen_event)
    }

    #[inline]
    fn info_of(&self, found: Option<u32>) -> &EventInfo {
        match found.and_then(|i| self.events.info.get(i as usize)) {
            Some(info) => info,
            None => &self.default_event,
        }
    }
}

/// The configured event names, looked up once per activity call.
///
/// A general map hashes the whole name with a keyed hash, then compares the
/// text. These names are fixed when the configuration is compiled, so the index
/// needs no seed against names crafted to collide (a lookup only meets the
/// configured names in its probe sequence, never a name a client added), and a
/// name of up to 16 bytes (nearly every event name) is both hashed and compared
/// as its length and two words.
#[derive(Debug, Clone)]
struct EventTable {
    /// Indexes into `keys`, hashed by [`Words::hash`].
    index: HashTable<u32>,
    keys: Vec<EventKey>,
    info: Vec<EventInfo>,
}

#[derive(Debug, Clone)]
struct EventKey {
    words: Words,
    name: Box<str>,
}

/// A name's length and two words of its bytes, which hold every byte of a
/// name of up to 16 bytes: equal words then mean equal names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Words {
    len: usize,
    a: u64,
    b: u64,
}

/// The words cover every byte up to this length.
const WORDS_COVER: usize = 16;

impl Words {
    #[inline]
    fn of(name: &str) -> Words {
        let bytes = name.as_bytes();
        let len = bytes.len();
        let (a, b) = if len >= 8 {
            (le64(&bytes[..8]), le64(&bytes[len - 8..]))
        } else if len >= 4 {
            (le32(&bytes[..4]), le32(&bytes[len - 4..]))
        } else if len > 0 {
            let small = u64::from(bytes[0])
                | u64::from(bytes[len / 2]) << 8
                | u64::from(bytes[len - 1]) << 16;
            (small, 0)
        } else {
            (0, 0)
        };
        Words { len, a, b }
    }

    #[inline]
    fn hash(&self) -> u64 {
        (self.a ^ self.b.rotate_left(29) ^ self.len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

#[inline]
fn le64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    u64::from_le_bytes(word)
}

#[inline]
fn le32(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 4];
    word.copy_from_slice(bytes);
    u64::from(u32::from_le_bytes(word))
}

impl EventTable {
    fn new(events: Vec<(Box<str>, EventInfo)>) -> EventTable {
        let mut table = EventTable {
            index: HashTable::with_capacity(events.len()),
            keys: Vec::with_capacity(events.len()),
            info: Vec::with_capacity(events.len()),
        };
        for (name, info) in events {
            let words = Words::of(&name);
            let keys = &table.keys;
            table
                .index
                .insert_unique(words.hash(), keys.len() as u32, |&i| {
                    keys[i as usize].words.hash()
                });
            table.keys.push(EventKey { words, name });
            table.info.push(info);
        }
        table
    }

    /// The index of `name` in `info`.
    #[inline]
    fn find(&self, name: &str) -> Option<u32> {
        let words = Words::of(name);
        self.index
            .find(words.hash(), |&i| {
                let key = &self.keys[i as usize];
                key.words == words && (words.len <= WORDS_COVER || &*key.name == name)
            })
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::{EventInfo, EventTable};
    use crate::testing::cases_or;

    /// Names that the two words alone would confuse, if they covered less:
    /// every length around the 4-, 8- and 16-byte seams, names differing in one
    /// middle byte, and long names sharing their first and last eight bytes.
    fn tricky_names() -> Vec<String> {
        let mut names = Vec::new();
        for len in 0..=24 {
            let base: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            names.push(base.clone());
            if len > 0 {
                let mut bytes = base.into_bytes();
                bytes[len / 2] = b'Z';
                names.push(String::from_utf8(bytes).expect("ASCII"));
            }
        }
        names.push("Report Run, first of two".to_owned());
        names.push("Report Run, other of two".to_owned());
        names.push("Éléments créés".to_owned());
        names
    }

    fn table_of(names: &[String]) -> (EventTable, HashMap<&str, u32>) {
        let mut model = HashMap::new();
        let mut events = Vec::new();
        for name in names {
            if !model.contains_key(name.as_str()) {
                model.insert(name.as_str(), events.len() as u32);
                events.push((name.clone().into_boxed_str(), EventInfo::default()));
            }
        }
        (EventTable::new(events), model)
    }

    #[test]
    fn finds_exactly_the_configured_names() {
        let all = tricky_names();
        // Every other name configured, the rest only looked up.
        let configured: Vec<String> = all.iter().step_by(2).cloned().collect();
        let (table, model) = table_of(&configured);
        for name in &all {
            assert_eq!(
                table.find(name),
                model.get(name.as_str()).copied(),
                "{name:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: cases_or(256),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The table answers as a map of the names would, for any names.
        #[test]
        fn agrees_with_a_map(
            configured in prop::collection::vec("[a-c ]{0,20}", 0..40),
            asked in prop::collection::vec("[a-c ]{0,20}", 0..40),
        ) {
            let (table, model) = table_of(&configured);
            for name in configured.iter().chain(&asked) {
                prop_assert_eq!(table.find(name), model.get(name.as_str()).copied());
            }
        }
    }
}
