//! Configuration: windows, scoring, key features, activation milestones, usage
//! metrics, segments and actions, and the optional customer-health section
//! ([`Health`]: NPS, revenue movement, churn, retention, health score).
//!
//! The JSON form is part of the public contract: keys exactly as documented, and
//! unknown keys are errors so a typo never passes silently. Build it in code with
//! [`Config::builder`]. Either way, [`Config::validate`] reports every problem at once.
//!
//! The optional `limits` object bounds what one call and the engine may hold (call
//! size, properties per call, text / list / nesting sizes, id and name lengths,
//! distinct trait keys and device types, rule size); a call over a limit is
//! rejected with a typed [`Rejection`](crate::Rejection) naming the limit. See
//! [`Limits`] for every key and its default:
//! `{"limits": {"max_call_bytes": 32768, "max_trait_keys": 10000}}`.
//!
//! ```
//! # #[cfg(feature = "json")] {
//! use pulsecheck::Config;
//!
//! let config: Config = serde_json::from_str(r#"{
//!     "window_days": 28,
//!     "scoring": {"events": {"Report Run": 5, "Task Created": 2}, "percentile": 90, "curve": "log"},
//!     "features": {"reporting": ["Report Run"], "planning": ["Task Created"]},
//!     "activation": {"user": [{"name": "first_task", "event": "Task Created"}]},
//!     "usage": {"api_calls": {"event": "API Called"}}
//! }"#).unwrap();
//! config.validate().unwrap();
//! assert_eq!(config.window_days(), 28);
//! assert_eq!(config.lookback_days(), 90);
//!
//! let typo = serde_json::from_str::<Config>(r#"{"window_dayz": 28}"#).unwrap_err();
//! assert!(typo.to_string().contains("window_dayz"));
//! # }
//! ```

mod builder;
pub(crate) mod compiled;
mod health;
mod limits;
mod named;
pub(crate) mod rules;
mod validate;

use serde::{Deserialize, Serialize};

use crate::rule::{ActionDef, Rule, SegmentDef};

pub use builder::ConfigBuilder;
pub use health::{Health, HealthComponent, MAX_HEALTH_DAYS, MAX_HEALTH_WEIGHT, Nps};
pub use limits::{Limits, MAX_VALUE_DEPTH};
pub use named::Named;
pub use validate::{
    ConfigError, ConfigErrors, MAX_FEATURES, MAX_MILESTONES, MAX_MIN_COUNT, MAX_USAGE_METRICS,
};

/// The whole configuration. See the [module docs](self) for the JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    window_days: u32,
    lookback_days: u32,
    utc_offset_minutes: i32,
    trend_threshold: u32,
    contact_effect_days: u32,
    clock_skew_seconds: u64,
    scoring: Scoring,
    #[serde(skip_serializing_if = "Option::is_none")]
    features: Option<Named<Vec<String>>>,
    activation: Activation,
    usage: Named<Usage>,
    segments: Segments,
    actions: Actions,
    #[serde(skip_serializing_if = "Limits::is_default")]
    limits: Limits,
    #[serde(skip_serializing_if = "Option::is_none")]
    health: Option<Health>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            window_days: 30,
            lookback_days: 90,
            utc_offset_minutes: 0,
            trend_threshold: 10,
            contact_effect_days: 7,
            clock_skew_seconds: 86_400,
            scoring: Scoring::default(),
            features: None,
            activation: Activation::default(),
            usage: Named::default(),
            segments: Segments::default(),
            actions: Actions::default(),
            limits: Limits::default(),
            health: None,
        }
    }
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::new()
    }

    /// The engagement window N, in days (default 30).
    pub fn window_days(&self) -> u32 {
        self.window_days
    }
    /// The "total users" lookback L, in days (default 90).
    pub fn lookback_days(&self) -> u32 {
        self.lookback_days
    }
    /// How many days of daily detail a snapshot of day D reads, counting D:
    /// `max(2 · window_days, window_days + lookback_days)` (the previous window, and
    /// the lookback as of D − N), and at least `health.nps.lookback_days` when NPS
    /// is configured (the responses a snapshot reads). See [`Engine::evict_before`](crate::Engine::evict_before).
    ///
    /// ```
    /// use pulsecheck::Config;
    /// use pulsecheck::config::{Health, Nps};
    ///
    /// let config = Config::default(); // window 30, lookback 90
    /// assert_eq!(config.history_days(), 120);
    /// let with_nps = Config::builder().health(Health::new().with_nps(Nps::default())).build().unwrap();
    /// assert_eq!(with_nps.history_days(), 180);
    /// ```
    pub fn history_days(&self) -> u32 {
        let (n, l) = (self.window_days(), self.lookback_days());
        let nps = self
            .health()
            .and_then(|h| h.nps())
            .map_or(0, |nps| nps.lookback_days());
        (2 * n).max(n + l).max(nps)
    }
    /// Where a day starts, in minutes east of UTC (default 0).
    pub fn utc_offset_minutes(&self) -> i32 {
        self.utc_offset_minutes
    }
    /// Points of trend for `rising` / `falling` (default 10).
    pub fn trend_threshold(&self) -> u32 {
        self.trend_threshold
    }
    /// Days after a contact in which activity makes it effective (default 7).
    pub fn contact_effect_days(&self) -> u32 {
        self.contact_effect_days
    }
    /// How far past the host's clock a timestamp may be before it is rejected
    /// (default 86 400 s, one day).
    pub fn clock_skew_seconds(&self) -> u64 {
        self.clock_skew_seconds
    }
    /// Scored events, percentile and curve.
    pub fn scoring(&self) -> &Scoring {
        &self.scoring
    }
    /// The key features as configured (`None`: each scored event its own feature).
    pub fn features(&self) -> Option<&Named<Vec<String>>> {
        self.features.as_ref()
    }
    /// Activation milestones.
    pub fn activation(&self) -> &Activation {
        &self.activation
    }
    /// Usage metrics.
    pub fn usage(&self) -> &Named<Usage> {
        &self.usage
    }
    /// Segment rules.
    pub fn segments(&self) -> &Segments {
        &self.segments
    }
    /// Next-action rules.
    pub fn actions(&self) -> &Actions {
        &self.actions
    }
    /// Resource limits (`limits`): call size, value sizes, distinct trait keys and
    /// device types, rule size. See [`Limits`] for every key and its default.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The `health` section (NPS, revenue movement, churn, retention, health
    /// score), if configured. See [`Health`].
    pub fn health(&self) -> Option<&Health> {
        self.health.as_ref()
    }

    /// The key features in effect: as configured, else each listed scored event its
    /// own feature. With the all-events scoring default there is no finite list of
    /// key features, so there are none (adoption is then null) until they are named.
    pub fn effective_features(&self) -> Vec<(String, Vec<String>)> {
        match (&self.features, &self.scoring.events) {
            (Some(f), _) => f.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect(),
            (None, Some(events)) => events
                .iter()
                .map(|(e, _)| (e.to_owned(), vec![e.to_owned()]))
                .collect(),
            (None, None) => Vec::new(),
        }
    }

    /// The names of the things the engine's state refers to by position, each
    /// list in position order: key features, usage metrics, user milestones,
    /// account milestones; then user and account segments, whose order the
    /// snapshots' segment lists follow.
    pub(crate) fn position_order(&self) -> [Vec<String>; 6] {
        let names = |list: &[Milestone]| list.iter().map(|m| m.name.clone()).collect();
        let segments =
            |named: &Named<SegmentDef>| named.iter().map(|(n, _)| n.to_owned()).collect();
        [
            self.effective_features()
                .into_iter()
                .map(|(n, _)| n)
                .collect(),
            self.usage.iter().map(|(n, _)| n.to_owned()).collect(),
            names(&self.activation.user),
            names(&self.activation.account),
            segments(&self.segments.user),
            segments(&self.segments.account),
        ]
    }

    /// Puts those things in the order given (lists as [`Config::position_order`]
    /// returns them, naming the same things).
    pub(crate) fn set_position_order(&mut self, order: &[Vec<String>; 6]) {
        let [
            features,
            usage,
            user,
            account,
            user_segments,
            account_segments,
        ] = order;
        // Without `features`, the scored events are the key features.
        match (&mut self.features, &mut self.scoring.events) {
            (Some(f), _) => f.reorder(features),
            (None, Some(events)) => events.reorder(features),
            (None, None) => {}
        }
        self.usage.reorder(usage);
        let by = |names: &[String], m: &Milestone| {
            names
                .iter()
                .position(|n| *n == m.name)
                .unwrap_or(usize::MAX)
        };
        self.activation.user.sort_by_key(|m| by(user, m));
        self.activation.account.sort_by_key(|m| by(account, m));
        self.segments.user.reorder(user_segments);
        self.segments.account.reorder(account_segments);
    }
}

/// How raw scores are turned into 0–100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Curve {
    /// `f(x) = ln(1 + x)`: a heavy user does not flatten everyone else (default).
    #[default]
    Log,
    /// `f(x) = x`.
    Linear,
}

/// `scoring`: which events score, how much, and against which benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scoring {
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Named<i64>>,
    percentile: f64,
    curve: Curve,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            events: None,
            percentile: 90.0,
            curve: Curve::Log,
        }
    }
}

impl Scoring {
    /// Scored events and their weights; `None` means every event, weight 1.
    pub fn events(&self) -> Option<&Named<i64>> {
        self.events.as_ref()
    }
    /// The benchmark percentile p (default 90).
    pub fn percentile(&self) -> f64 {
        self.percentile
    }
    /// The curve (default `log`).
    pub fn curve(&self) -> Curve {
        self.curve
    }
}

/// `activation`: milestone checklists for users and accounts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Activation {
    user: Vec<Milestone>,
    account: Vec<Milestone>,
}

impl Activation {
    /// User milestones.
    pub fn user(&self) -> &[Milestone] {
        &self.user
    }
    /// Account milestones.
    pub fn account(&self) -> &[Milestone] {
        &self.account
    }
}

/// One activation milestone: `{name, event, min_count = 1, within_days?}` or `{name, rule}`.
///
/// ```
/// use pulsecheck::Milestone;
///
/// let m = Milestone::event("five_reports", "Report Run").with_min_count(5).with_within_days(14);
/// assert_eq!(m.name(), "five_reports");
/// assert_eq!(m.min_count(), 5);
///
/// let team = Milestone::rule("team", "active_users >= 3".parse()?);
/// assert_eq!(team.rule_def().unwrap().to_string(), "active_users >= 3");
/// # Ok::<(), pulsecheck::RuleErrors>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<String>,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    min_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    within_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rule: Option<Rule>,
}

fn one() -> u32 {
    1
}
fn is_one(n: &u32) -> bool {
    *n == 1
}

impl Milestone {
    /// Met when `event` has happened (once, unless [`min_count`](Self::min_count)).
    pub fn event(name: impl Into<String>, event: impl Into<String>) -> Milestone {
        Milestone {
            name: name.into(),
            event: Some(event.into()),
            min_count: 1,
            within_days: None,
            rule: None,
        }
    }

    /// Met when the rule holds on the record as of the day.
    pub fn rule(name: impl Into<String>, rule: Rule) -> Milestone {
        Milestone {
            name: name.into(),
            event: None,
            min_count: 1,
            within_days: None,
            rule: Some(rule),
        }
    }

    /// Requires `n` events.
    #[must_use]
    pub fn with_min_count(mut self, n: u32) -> Milestone {
        self.min_count = n;
        self
    }

    /// Counts only events before `created_at + days × 24 h`.
    #[must_use]
    pub fn with_within_days(mut self, days: u32) -> Milestone {
        self.within_days = Some(days);
        self
    }

    /// The milestone's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The event counted, for event milestones.
    pub fn event_name(&self) -> Option<&str> {
        self.event.as_deref()
    }
    /// How many events are needed (default 1).
    pub fn min_count(&self) -> u32 {
        self.min_count
    }
    /// The deadline in days after `created_at`, if any.
    pub fn within_days(&self) -> Option<u32> {
        self.within_days
    }
    /// The rule, for rule milestones.
    pub fn rule_def(&self) -> Option<&Rule> {
        self.rule.as_ref()
    }
}

/// One usage metric: count `event`s, or sum their numeric `property`.
///
/// ```
/// use pulsecheck::Usage;
///
/// assert_eq!(Usage::sum("File Uploaded", "megabytes").property(), Some("megabytes"));
/// assert_eq!(Usage::count("API Called").property(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    property: Option<String>,
}

impl Usage {
    /// Counts events.
    pub fn count(event: impl Into<String>) -> Usage {
        Usage {
            event: event.into(),
            property: None,
        }
    }
    /// Sums a numeric property of the events.
    pub fn sum(event: impl Into<String>, property: impl Into<String>) -> Usage {
        Usage {
            event: event.into(),
            property: Some(property.into()),
        }
    }
    /// The event.
    pub fn event(&self) -> &str {
        &self.event
    }
    /// The summed property, if any.
    pub fn property(&self) -> Option<&str> {
        self.property.as_deref()
    }
}

/// `segments`: named rules per record kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Segments {
    user: Named<SegmentDef>,
    account: Named<SegmentDef>,
}

impl Segments {
    /// User segments.
    pub fn user(&self) -> &Named<SegmentDef> {
        &self.user
    }
    /// Account segments.
    pub fn account(&self) -> &Named<SegmentDef> {
        &self.account
    }
}

/// `actions`: ordered playbooks per record kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Actions {
    account: Vec<ActionDef>,
    user: Vec<ActionDef>,
}

impl Actions {
    /// Account playbook.
    pub fn account(&self) -> &[ActionDef] {
        &self.account
    }
    /// User playbook.
    pub fn user(&self) -> &[ActionDef] {
        &self.user
    }
}
