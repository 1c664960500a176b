//! Checking a configuration once, up front, reporting every problem at once.

use std::fmt;

use super::Config;
use crate::properties;
use crate::schema::RecordKind;

/// The most key features (adoption is tracked in a 64-bit set per day).
pub const MAX_FEATURES: usize = 64;
/// The most milestones per record kind.
pub const MAX_MILESTONES: usize = 64;
/// The largest `min_count` of a milestone (the engine keeps that many timestamps).
pub const MAX_MIN_COUNT: u32 = 1_000;
/// The most usage metrics.
pub const MAX_USAGE_METRICS: usize = 64;

/// One problem in a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A window or period of 0 days.
    #[error("`{field}` is 0; it must be at least 1 day")]
    #[non_exhaustive]
    ZeroDays {
        /// The key.
        field: &'static str,
    },
    /// `utc_offset_minutes` outside a day.
    #[error("`utc_offset_minutes` is {value}; it must be between -1439 and 1439")]
    #[non_exhaustive]
    OffsetOutOfRange {
        /// The value.
        value: i32,
    },
    /// `scoring.percentile` outside (0, 100].
    #[error("`scoring.percentile` is {value}; it must be above 0 and at most 100")]
    #[non_exhaustive]
    PercentileOutOfRange {
        /// The value.
        value: String,
    },
    /// A weight outside 1–10.
    #[error("`scoring.events.{event}` has weight {weight}; weights are whole numbers from 1 to 10")]
    #[non_exhaustive]
    WeightOutOfRange {
        /// The event.
        event: String,
        /// The weight.
        weight: i64,
    },
    /// `scoring.events` given but empty.
    #[error(
        "`scoring.events` is empty, so nothing would score; list events or remove the key to score all events"
    )]
    NoScoredEvents,
    /// A feature, milestone or usage metric naming no event.
    #[error("`{field}` names no event; give it at least one non-empty event name")]
    #[non_exhaustive]
    NoEvent {
        /// Where (`features.reporting`, `activation.user[0]`, …).
        field: String,
    },
    /// A milestone with both or neither of `event` and `rule`.
    #[error("`{field}` must have exactly one of `event` or `rule`")]
    #[non_exhaustive]
    MilestoneKind {
        /// Where.
        field: String,
    },
    /// A milestone whose `min_count` or `within_days` is out of range.
    #[error("`{field}` is {value}; it must be between 1 and {max}")]
    #[non_exhaustive]
    OutOfRange {
        /// Where.
        field: String,
        /// The value.
        value: u64,
        /// The largest allowed.
        max: u64,
    },
    /// `min_count`/`within_days` on a rule milestone.
    #[error("`{field}` only applies to event milestones; remove it from this rule milestone")]
    #[non_exhaustive]
    EventOnlyOption {
        /// Where.
        field: String,
    },
    /// A name used twice.
    #[error("{what} `{name}` is defined more than once; names must be unique")]
    #[non_exhaustive]
    DuplicateName {
        /// What kind of name.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A name that is not `snake_case` (letters, digits, `_`, starting with a letter).
    #[error(
        "{what} `{name}` is not a valid name; use lowercase letters, digits and `_`, starting with a letter"
    )]
    #[non_exhaustive]
    BadName {
        /// What kind of name.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A usage metric whose properties would clash with a computed property.
    #[error(
        "usage `{name}` would produce property `{property}`, which is already a computed property; rename the usage metric"
    )]
    #[non_exhaustive]
    NameClash {
        /// The usage metric.
        name: String,
        /// The clashing property.
        property: String,
    },
    /// More entries than the engine supports.
    #[error("{what} has {count} entries; at most {max} are supported")]
    #[non_exhaustive]
    TooMany {
        /// What.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A `limits` value that is 0 or above what the engine supports.
    #[error("`limits.{key}` is {value}; {}", limit_range(*max))]
    #[non_exhaustive]
    LimitOutOfRange {
        /// The key inside `limits`.
        key: &'static str,
        /// The value.
        value: u64,
        /// The largest allowed, when there is one.
        max: Option<u64>,
    },
    /// A name that must not be empty (`health.nps.property`).
    #[error("`{field}` is empty; give the name of the property to read")]
    #[non_exhaustive]
    EmptyName {
        /// The key.
        field: &'static str,
    },
    /// `health.weights` names no health component.
    #[error("`health.weights.{name}` is not a health component{}; the components are engagement, trend, activation, adoption, recency, seats and nps", suggestion.as_ref().map_or(String::new(), |s| format!(" (did you mean `{s}`?)")))]
    #[non_exhaustive]
    UnknownHealthComponent {
        /// The name as written.
        name: String,
        /// The closest component, when one is close.
        suggestion: Option<String>,
    },
    /// A health weight below 0 or above 1000.
    #[error(
        "`health.weights.{component}` is {weight}; weights are whole numbers from 0 to 1000 (0 leaves the component out)"
    )]
    #[non_exhaustive]
    HealthWeightOutOfRange {
        /// The component.
        component: String,
        /// The weight.
        weight: i64,
    },
    /// Every health weight is 0, so no score could ever be computed.
    #[error(
        "every `health.weights` entry is 0, so `health_score` would always be null; give at least one component a positive weight"
    )]
    NoHealthWeight,
    /// `health.red_below` or `health.green_from` outside 0–100.
    #[error("`{field}` is {value}; health thresholds are scores from 0 to 100")]
    #[non_exhaustive]
    ThresholdOutOfRange {
        /// The key.
        field: &'static str,
        /// The value.
        value: i64,
    },
    /// `health.red_below` above `health.green_from`.
    #[error(
        "`health.red_below` ({red_below}) is above `health.green_from` ({green_from}); red must end at or before green starts"
    )]
    #[non_exhaustive]
    ThresholdOrder {
        /// `health.red_below`.
        red_below: i64,
        /// `health.green_from`.
        green_from: i64,
    },
    /// A rule that does not compile: unknown property, wrong type, …
    #[error("{field}: {error}")]
    #[non_exhaustive]
    Rule {
        /// Where (`segments.user.at_risk`, `actions.account`, `activation.user[2]`).
        field: String,
        /// The rule error, with its span and caret excerpt.
        error: crate::rule::RuleError,
    },
}

fn limit_range(max: Option<u64>) -> String {
    match max {
        Some(max) => format!("it must be between 1 and {max}"),
        None => "it must be at least 1 (a limit of 0 would refuse every call)".to_owned(),
    }
}

/// Every problem of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(Vec<ConfigError>);

impl ConfigErrors {
    pub(crate) fn new(errors: Vec<ConfigError>) -> ConfigErrors {
        ConfigErrors(errors)
    }
    /// The problems, in the order of the configuration.
    pub fn errors(&self) -> &[ConfigError] {
        &self.0
    }
    /// How many problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "invalid configuration ({} problem{}):",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

pub(crate) fn is_snake_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Config {
    /// Checks the configuration; returns every problem at once.
    ///
    /// ```
    /// use pulsecheck::{Config, ConfigError, Milestone};
    ///
    /// let errors = Config::builder()
    ///     .window_days(0)
    ///     .score_event("Report Run", 0)
    ///     .feature("reporting", Vec::<String>::new())
    ///     .user_milestone(Milestone::event("a", "x"))
    ///     .user_milestone(Milestone::event("a", "y"))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(errors.len(), 4);
    /// assert!(matches!(errors.errors()[0], ConfigError::ZeroDays { field: "window_days", .. }));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let mut errors = Vec::new();
        for (field, v) in [
            ("window_days", self.window_days),
            ("lookback_days", self.lookback_days),
            ("contact_effect_days", self.contact_effect_days),
        ] {
            if v == 0 {
                errors.push(ConfigError::ZeroDays { field });
            }
        }
        if self.window_days > 3_650 {
            errors.push(ConfigError::OutOfRange {
                field: "window_days".into(),
                value: self.window_days.into(),
                max: 3_650,
            });
        }
        if self.lookback_days > 3_650 {
            errors.push(ConfigError::OutOfRange {
                field: "lookback_days".into(),
                value: self.lookback_days.into(),
                max: 3_650,
            });
        }
        if self.utc_offset_minutes.abs() > 1_439 {
            errors.push(ConfigError::OffsetOutOfRange {
                value: self.utc_offset_minutes,
            });
        }
        let p = self.scoring.percentile;
        if !(p > 0.0 && p <= 100.0) {
            errors.push(ConfigError::PercentileOutOfRange {
                value: p.to_string(),
            });
        }
        if let Some(events) = &self.scoring.events {
            if events.is_empty() {
                errors.push(ConfigError::NoScoredEvents);
            }
            for (event, &weight) in events.iter() {
                if event.trim().is_empty() {
                    errors.push(ConfigError::NoEvent {
                        field: "scoring.events".into(),
                    });
                }
                if !(1..=10).contains(&weight) {
                    errors.push(ConfigError::WeightOutOfRange {
                        event: event.to_owned(),
                        weight,
                    });
                }
            }
            dupes(&mut errors, "scored event", events.duplicates());
        }
        if let Some(features) = &self.features {
            for (name, events) in features.iter() {
                if events.iter().all(|e| e.trim().is_empty()) {
                    errors.push(ConfigError::NoEvent {
                        field: format!("features.{name}"),
                    });
                }
            }
            dupes(&mut errors, "feature", features.duplicates());
        }
        let feature_count = self.effective_features().len();
        if feature_count > MAX_FEATURES {
            errors.push(ConfigError::TooMany {
                what: "features",
                count: feature_count,
                max: MAX_FEATURES,
            });
        }
        for (kind, list) in [
            ("user", &self.activation.user),
            ("account", &self.activation.account),
        ] {
            if list.len() > MAX_MILESTONES {
                errors.push(ConfigError::TooMany {
                    what: "activation milestones",
                    count: list.len(),
                    max: MAX_MILESTONES,
                });
            }
            let mut names: Vec<&str> = Vec::new();
            for (i, m) in list.iter().enumerate() {
                let field = format!("activation.{kind}[{i}]");
                if !is_snake_name(&m.name) {
                    errors.push(ConfigError::BadName {
                        what: "milestone",
                        name: m.name.clone(),
                    });
                }
                if names.contains(&m.name.as_str()) {
                    errors.push(ConfigError::DuplicateName {
                        what: "milestone",
                        name: m.name.clone(),
                    });
                }
                names.push(&m.name);
                match (&m.event, &m.rule) {
                    (Some(e), None) => {
                        if e.trim().is_empty() {
                            errors.push(ConfigError::NoEvent {
                                field: field.clone(),
                            });
                        }
                        if m.min_count == 0 || m.min_count > MAX_MIN_COUNT {
                            errors.push(ConfigError::OutOfRange {
                                field: format!("{field}.min_count"),
                                value: m.min_count.into(),
                                max: MAX_MIN_COUNT.into(),
                            });
                        }
                        if m.within_days == Some(0) {
                            errors.push(ConfigError::ZeroDays {
                                field: "within_days",
                            });
                        }
                    }
                    (None, Some(_)) => {
                        if m.min_count != 1 || m.within_days.is_some() {
                            errors.push(ConfigError::EventOnlyOption {
                                field: field.clone(),
                            });
                        }
                    }
                    _ => errors.push(ConfigError::MilestoneKind { field }),
                }
            }
        }
        if self.usage.len() > MAX_USAGE_METRICS {
            errors.push(ConfigError::TooMany {
                what: "usage",
                count: self.usage.len(),
                max: MAX_USAGE_METRICS,
            });
        }
        for (name, usage) in self.usage.iter() {
            if !is_snake_name(name) {
                errors.push(ConfigError::BadName {
                    what: "usage metric",
                    name: name.to_owned(),
                });
            }
            if usage.event.trim().is_empty() {
                errors.push(ConfigError::NoEvent {
                    field: format!("usage.{name}"),
                });
            }
            for kind in [RecordKind::User, RecordKind::Account] {
                let base = properties::fixed_names(self, kind);
                for suffix in properties::usage_suffixes(kind) {
                    let property = format!("{name}{suffix}");
                    if base.contains(&property.as_str())
                        || property == "segments"
                        || property == "next_action"
                    {
                        let clash = ConfigError::NameClash {
                            name: name.to_owned(),
                            property,
                        };
                        if !errors.contains(&clash) {
                            errors.push(clash);
                        }
                    }
                }
            }
        }
        dupes(&mut errors, "usage metric", self.usage.duplicates());
        for (_kind, segments) in [
            ("user", &self.segments.user),
            ("account", &self.segments.account),
        ] {
            if segments.len() > 64 {
                errors.push(ConfigError::TooMany {
                    what: "segments",
                    count: segments.len(),
                    max: 64,
                });
            }
            for (name, _) in segments.iter() {
                if !is_snake_name(name) {
                    errors.push(ConfigError::BadName {
                        what: "segment",
                        name: name.to_owned(),
                    });
                }
            }
            dupes(&mut errors, "segment", segments.duplicates());
        }
        for (kind, actions) in [
            ("user", &self.actions.user),
            ("account", &self.actions.account),
        ] {
            for (i, a) in actions.iter().enumerate() {
                if a.action().trim().is_empty() {
                    errors.push(ConfigError::BadName {
                        what: "action",
                        name: format!("#{}", i + 1),
                    });
                }
                let _ = kind;
            }
        }
        if let Some(health) = &self.health {
            health.validate_into(&mut errors);
        }
        self.limits.validate_into(&mut errors);
        if errors.is_empty() {
            super::limits::check_rules(self, &mut errors);
        }
        // Rules are type-checked only once the rest is sound: their schema depends on it.
        if errors.is_empty()
            && let Err(rule_errors) = super::rules::compile(self)
        {
            errors.extend(rule_errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors::new(errors))
        }
    }
}

fn dupes(errors: &mut Vec<ConfigError>, what: &'static str, names: Vec<&str>) {
    for name in names {
        errors.push(ConfigError::DuplicateName {
            what,
            name: name.to_owned(),
        });
    }
}
