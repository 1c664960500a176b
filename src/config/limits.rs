//! `limits`: the resource bounds that keep hostile or buggy input from exhausting
//! memory, each refused with a typed [`Rejection`](crate::Rejection) naming the limit.

use serde::{Deserialize, Serialize};

use super::validate::ConfigError;
use super::{Config, Milestone};
use crate::rule::{Rule, RuleLimits};

/// Resource limits, the `limits` key of the configuration. Every key is optional; the
/// defaults suit a normal Segment stream with room to spare.
///
/// | key | default | what a call over it gets |
/// | --- | --- | --- |
/// | `max_call_bytes` | 32 768 (32 KiB, as Segment) | `call_too_large` |
/// | `max_properties` | 256 per call (`properties` or `traits`) | `too_many_properties` |
/// | `max_string_bytes` | 8 192 per text value or nested object key | `value_too_long` |
/// | `max_list_len` | 1 000 elements per list or nested object | `list_too_long` |
/// | `max_value_depth` | 32 levels of nested lists / objects (at most 128) | `value_too_deep` |
/// | `max_id_bytes` | 1 024 per id (`userId`, `anonymousId`, `previousId`, `groupId`, `context.groupId`, `messageId`) | `id_too_long` |
/// | `max_name_bytes` | 256 per event name, property / trait key, device type, OS name | `name_too_long` |
/// | `max_trait_keys` | 10 000 distinct trait keys held by the engine | `too_many_trait_keys` |
/// | `max_device_types` | 1 000 distinct `context.device.type` values held | `too_many_device_types` |
/// | `max_actors` | unlimited: distinct user and anonymous ids held | `too_many_actors` |
/// | `max_accounts` | unlimited: distinct account (group) ids held | `too_many_accounts` |
/// | `max_rule_bytes` | 65 536 (at most 65 536) | configuration error |
/// | `max_rule_depth` | 64 (at most 64) | configuration error |
///
/// The size of a JSON call is the length of its line, checked before parsing. The
/// size of a typed call is the bytes of all its text (ids, names, keys and text
/// values) plus one per other value: never more than its JSON length, so a JSON call
/// that passed the line check passes this one too.
///
/// The engine interns trait keys and device types; once a table is full, a call that
/// would add a new entry is rejected (calls using known entries still pass), so the
/// tables stay bounded. Event names are not interned (unknown names share one
/// default), so distinct event names cost no memory at all.
///
/// Rules are parsed with the rule module's default [`RuleLimits`]
/// (64 KiB, 64 levels) when the configuration is read, so `max_rule_bytes` and
/// `max_rule_depth` can only make them stricter.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use pulsecheck::Config;
///
/// let config: Config = serde_json::from_str(
///     r#"{"limits": {"max_call_bytes": 8192, "max_trait_keys": 500}}"#,
/// ).unwrap();
/// assert_eq!(config.limits().max_call_bytes(), 8192);
/// assert_eq!(config.limits().max_properties(), 256);
///
/// let typo = serde_json::from_str::<Config>(r#"{"limits": {"max_call_byte": 1}}"#).unwrap_err();
/// assert!(typo.to_string().contains("max_call_byte"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    max_call_bytes: usize,
    max_properties: usize,
    max_string_bytes: usize,
    max_list_len: usize,
    max_value_depth: usize,
    max_id_bytes: usize,
    max_name_bytes: usize,
    max_trait_keys: usize,
    max_device_types: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_actors: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_accounts: Option<usize>,
    max_rule_bytes: usize,
    max_rule_depth: u32,
}

/// The deepest `max_value_depth` allowed (serde_json's own recursion limit).
pub const MAX_VALUE_DEPTH: usize = 128;

impl Default for Limits {
    fn default() -> Self {
        let rule = RuleLimits::default();
        Limits {
            max_call_bytes: 32 * 1024,
            max_properties: 256,
            max_string_bytes: 8 * 1024,
            max_list_len: 1_000,
            max_value_depth: 32,
            max_id_bytes: 1024,
            max_name_bytes: 256,
            max_trait_keys: 10_000,
            max_device_types: 1_000,
            max_actors: None,
            max_accounts: None,
            max_rule_bytes: rule.max_len(),
            max_rule_depth: rule.max_depth(),
        }
    }
}

macro_rules! limit {
    ($field:ident, $with:ident, $ty:ty, $doc:literal) => {
        #[doc = $doc]
        pub fn $field(&self) -> $ty {
            self.$field
        }
        #[doc = $doc]
        #[must_use]
        pub fn $with(mut self, value: $ty) -> Limits {
            self.$field = value;
            self
        }
    };
}

impl Limits {
    limit!(
        max_call_bytes,
        with_max_call_bytes,
        usize,
        "The largest call: JSON line length, or the text of a typed call (default 32 KiB)."
    );
    limit!(
        max_properties,
        with_max_properties,
        usize,
        "The most `properties` (or `traits`) entries in one call (default 256)."
    );
    limit!(
        max_string_bytes,
        with_max_string_bytes,
        usize,
        "The longest text value in `properties` / `traits`, nested ones included (default 8 KiB)."
    );
    limit!(
        max_list_len,
        with_max_list_len,
        usize,
        "The most elements of a list, or entries of a nested object, in a value (default 1 000)."
    );
    limit!(
        max_value_depth,
        with_max_value_depth,
        usize,
        "The deepest nesting of lists and objects in a value (default 32, at most 128)."
    );
    limit!(
        max_id_bytes,
        with_max_id_bytes,
        usize,
        "The longest id: `userId`, `anonymousId`, `previousId`, `groupId`, `messageId` (default 1 KiB)."
    );
    limit!(
        max_name_bytes,
        with_max_name_bytes,
        usize,
        "The longest event name, property / trait key, device type or OS name (default 256 bytes)."
    );
    limit!(
        max_trait_keys,
        with_max_trait_keys,
        usize,
        "The most distinct trait keys the engine holds (default 10 000)."
    );
    limit!(
        max_device_types,
        with_max_device_types,
        usize,
        "The most distinct device types the engine holds (default 1 000)."
    );
    limit!(
        max_rule_bytes,
        with_max_rule_bytes,
        usize,
        "The longest rule text in the configuration (default and most: 64 KiB)."
    );
    limit!(
        max_rule_depth,
        with_max_rule_depth,
        u32,
        "The deepest rule nesting in the configuration (default and most: 64)."
    );

    /// The most distinct user and anonymous ids the engine holds (default: no
    /// limit). A host that takes calls from the open internet sets one, so that a
    /// sender minting ids cannot grow the engine without bound; a call that would
    /// add one more is rejected (`too_many_actors`) and changes nothing.
    ///
    /// ```
    /// use pulsecheck::config::Limits;
    ///
    /// let limits = Limits::default().with_max_actors(1_000_000);
    /// assert_eq!(limits.max_actors(), Some(1_000_000));
    /// assert_eq!(Limits::default().max_actors(), None);
    /// ```
    pub fn max_actors(&self) -> Option<usize> {
        self.max_actors
    }

    /// Sets [`max_actors`](Limits::max_actors).
    #[must_use]
    pub fn with_max_actors(mut self, value: usize) -> Limits {
        self.max_actors = Some(value);
        self
    }

    /// The most distinct account (`groupId`, `context.groupId`) ids the engine
    /// holds (default: no limit); see [`max_actors`](Limits::max_actors).
    pub fn max_accounts(&self) -> Option<usize> {
        self.max_accounts
    }

    /// Sets [`max_accounts`](Limits::max_accounts).
    #[must_use]
    pub fn with_max_accounts(mut self, value: usize) -> Limits {
        self.max_accounts = Some(value);
        self
    }

    /// These limits as the rule parser takes them.
    pub fn rule_limits(&self) -> RuleLimits {
        RuleLimits::default()
            .with_max_len(self.max_rule_bytes)
            .with_max_depth(self.max_rule_depth)
    }

    pub(crate) fn is_default(&self) -> bool {
        *self == Limits::default()
    }

    /// Appends a problem for each value out of range.
    pub(crate) fn validate_into(&self, errors: &mut Vec<ConfigError>) {
        let rule = RuleLimits::default();
        let ranges: [(&'static str, u64, Option<u64>); 13] = [
            ("max_call_bytes", self.max_call_bytes as u64, None),
            ("max_properties", self.max_properties as u64, None),
            ("max_string_bytes", self.max_string_bytes as u64, None),
            ("max_list_len", self.max_list_len as u64, None),
            (
                "max_value_depth",
                self.max_value_depth as u64,
                Some(MAX_VALUE_DEPTH as u64),
            ),
            ("max_id_bytes", self.max_id_bytes as u64, None),
            ("max_name_bytes", self.max_name_bytes as u64, None),
            ("max_trait_keys", self.max_trait_keys as u64, None),
            ("max_device_types", self.max_device_types as u64, None),
            ("max_actors", self.max_actors.map_or(1, |v| v as u64), None),
            (
                "max_accounts",
                self.max_accounts.map_or(1, |v| v as u64),
                None,
            ),
            (
                "max_rule_bytes",
                self.max_rule_bytes as u64,
                Some(rule.max_len() as u64),
            ),
            (
                "max_rule_depth",
                u64::from(self.max_rule_depth),
                Some(u64::from(rule.max_depth())),
            ),
        ];
        for (key, value, max) in ranges {
            if value == 0 || max.is_some_and(|max| value > max) {
                errors.push(ConfigError::LimitOutOfRange { key, value, max });
            }
        }
    }
}

/// Checks every rule of the configuration against stricter-than-default rule limits.
pub(crate) fn check_rules(config: &Config, errors: &mut Vec<ConfigError>) {
    let limits = config.limits.rule_limits();
    if limits == RuleLimits::default() {
        // Every rule was parsed with exactly these limits already.
        return;
    }
    let mut check = |field: String, rule: &Rule| {
        if let Err(e) = Rule::parse_with(rule.source(), &limits) {
            errors.extend(e.into_iter().map(|error| ConfigError::Rule {
                field: field.clone(),
                error,
            }));
        }
    };
    for (kind, segments) in [
        ("user", config.segments.user()),
        ("account", config.segments.account()),
    ] {
        for (name, def) in segments.iter() {
            check(format!("segments.{kind}.{name}"), def.enter());
            if let Some(exit) = def.exit() {
                check(format!("segments.{kind}.{name}.exit"), exit);
            }
        }
    }
    for (kind, actions) in [
        ("user", config.actions.user()),
        ("account", config.actions.account()),
    ] {
        for a in actions {
            check(format!("actions.{kind} `{}`", a.action()), a.when());
        }
    }
    for (kind, list) in [
        ("user", config.activation.user()),
        ("account", config.activation.account()),
    ] {
        for m in list
            .iter()
            .filter_map(|m: &Milestone| m.rule_def().map(|r| (m, r)))
        {
            check(format!("activation.{kind} `{}`", m.0.name()), m.1);
        }
    }
}
