//! Building a [`Config`] in code.

use super::{Config, ConfigError, ConfigErrors, Curve, Health, Limits, Milestone, Named, Usage};
use crate::rule::{ActionDef, Rule, SegmentDef};
use crate::schema::RecordKind;

/// Builds a [`Config`] from the defaults; [`build`](Self::build) validates it.
///
/// ```
/// use pulsecheck::{Config, Curve, Milestone, Usage};
///
/// let config = Config::builder()
///     .window_days(28)
///     .score_event("Report Run", 5)
///     .score_event("Task Created", 2)
///     .curve(Curve::Log)
///     .feature("reporting", ["Report Run"])
///     .user_milestone(Milestone::event("first_task", "Task Created"))
///     .usage("storage_mb", Usage::sum("File Uploaded", "megabytes"))
///     .user_segment("at_risk", "engagement_score < 25")
///     .build()
///     .unwrap();
/// assert_eq!(config.window_days(), 28);
///
/// let errors = Config::builder().window_days(0).score_event("x", 11).build().unwrap_err();
/// assert_eq!(errors.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConfigBuilder {
    config: Config,
    /// Rules that did not parse, reported by `build` with everything else.
    errors: Vec<ConfigError>,
}

impl ConfigBuilder {
    /// The defaults.
    pub fn new() -> ConfigBuilder {
        ConfigBuilder {
            config: Config::default(),
            errors: Vec::new(),
        }
    }

    /// The engagement window N.
    #[must_use]
    pub fn window_days(mut self, days: u32) -> Self {
        self.config.window_days = days;
        self
    }
    /// The "total users" lookback L.
    #[must_use]
    pub fn lookback_days(mut self, days: u32) -> Self {
        self.config.lookback_days = days;
        self
    }
    /// Where a day starts, in minutes east of UTC.
    #[must_use]
    pub fn utc_offset_minutes(mut self, minutes: i32) -> Self {
        self.config.utc_offset_minutes = minutes;
        self
    }
    /// Points of trend for `rising` / `falling`.
    #[must_use]
    pub fn trend_threshold(mut self, points: u32) -> Self {
        self.config.trend_threshold = points;
        self
    }
    /// Days after a contact in which activity makes it effective.
    #[must_use]
    pub fn contact_effect_days(mut self, days: u32) -> Self {
        self.config.contact_effect_days = days;
        self
    }
    /// How far past the host's clock a timestamp may be.
    #[must_use]
    pub fn clock_skew_seconds(mut self, seconds: u64) -> Self {
        self.config.clock_skew_seconds = seconds;
        self
    }
    /// Scores an event with a weight (1–10). Once any is given, only listed events score.
    #[must_use]
    pub fn score_event(mut self, event: impl Into<String>, weight: i64) -> Self {
        self.config
            .scoring
            .events
            .get_or_insert_with(Named::default)
            .push(event.into(), weight);
        self
    }
    /// The benchmark percentile p.
    #[must_use]
    pub fn percentile(mut self, p: f64) -> Self {
        self.config.scoring.percentile = p;
        self
    }
    /// The scoring curve.
    #[must_use]
    pub fn curve(mut self, curve: Curve) -> Self {
        self.config.scoring.curve = curve;
        self
    }
    /// A named key feature: a set of event names.
    #[must_use]
    pub fn feature<I, S>(mut self, name: impl Into<String>, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let events = events.into_iter().map(Into::into).collect();
        self.config
            .features
            .get_or_insert_with(Named::default)
            .push(name.into(), events);
        self
    }
    /// A user activation milestone.
    #[must_use]
    pub fn user_milestone(mut self, milestone: Milestone) -> Self {
        self.config.activation.user.push(milestone);
        self
    }
    /// An account activation milestone.
    #[must_use]
    pub fn account_milestone(mut self, milestone: Milestone) -> Self {
        self.config.activation.account.push(milestone);
        self
    }
    /// A named usage metric.
    #[must_use]
    pub fn usage(mut self, name: impl Into<String>, usage: Usage) -> Self {
        self.config.usage.push(name.into(), usage);
        self
    }
    /// Resource limits (see [`Limits`]): call size, value sizes, distinct trait keys
    /// and device types, rule size.
    ///
    /// ```
    /// use pulsecheck::Config;
    /// use pulsecheck::config::Limits;
    ///
    /// let config = Config::builder()
    ///     .limits(Limits::default().with_max_call_bytes(8 * 1024).with_max_trait_keys(500))
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.limits().max_trait_keys(), 500);
    ///
    /// let errors = Config::builder().limits(Limits::default().with_max_list_len(0)).build().unwrap_err();
    /// assert!(errors.to_string().contains("limits.max_list_len"));
    /// ```
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }
    /// The `health` section: NPS, revenue movement, churn, retention and the
    /// health score (see [`Health`]).
    ///
    /// ```
    /// use pulsecheck::Config;
    /// use pulsecheck::config::{Health, Nps};
    ///
    /// let config = Config::builder()
    ///     .health(Health::new().with_nps(Nps::default()).with_red_below(30))
    ///     .account_action("health_label = \"red\" and mrr >= 1000", "personal_outreach")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.health().unwrap().red_below(), 30);
    ///
    /// let errors = Config::builder().health(Health::new().with_red_below(80).with_green_from(70)).build().unwrap_err();
    /// assert!(errors.to_string().contains("health.red_below"));
    /// ```
    #[must_use]
    pub fn health(mut self, health: Health) -> Self {
        self.config.health = Some(health);
        self
    }
    /// A user segment with one rule (in while it holds).
    #[must_use]
    pub fn user_segment(self, name: impl Into<String>, rule: &str) -> Self {
        self.segment(RecordKind::User, name.into(), rule, None)
    }

    /// An account segment with one rule (in while it holds).
    #[must_use]
    pub fn account_segment(self, name: impl Into<String>, rule: &str) -> Self {
        self.segment(RecordKind::Account, name.into(), rule, None)
    }

    /// A segment with hysteresis: join when `enter` holds, leave only when `exit` holds.
    #[must_use]
    pub fn segment_with_exit(
        self,
        kind: RecordKind,
        name: impl Into<String>,
        enter: &str,
        exit: &str,
    ) -> Self {
        self.segment(kind, name.into(), enter, Some(exit))
    }

    fn segment(mut self, kind: RecordKind, name: String, enter: &str, exit: Option<&str>) -> Self {
        let field = format!("segments.{kind}.{name}");
        let enter = self.parse(&field, enter);
        let exit = match exit {
            None => Some(None),
            Some(text) => self.parse(&format!("{field}.exit"), text).map(Some),
        };
        if let (Some(enter), Some(exit)) = (enter, exit) {
            let def = match exit {
                Some(exit) => SegmentDef::new(enter).with_exit(exit),
                None => SegmentDef::new(enter),
            };
            match kind {
                RecordKind::User => self.config.segments.user.push(name, def),
                RecordKind::Account => self.config.segments.account.push(name, def),
            }
        }
        self
    }

    /// Appends a user action (first match wins).
    #[must_use]
    pub fn user_action(self, when: &str, action: impl Into<String>) -> Self {
        self.action(RecordKind::User, when, action.into())
    }

    /// Appends an account action (first match wins).
    #[must_use]
    pub fn account_action(self, when: &str, action: impl Into<String>) -> Self {
        self.action(RecordKind::Account, when, action.into())
    }

    fn action(mut self, kind: RecordKind, when: &str, action: String) -> Self {
        if let Some(rule) = self.parse(&format!("actions.{kind} `{action}`"), when) {
            let def = ActionDef::new(rule, action);
            match kind {
                RecordKind::User => self.config.actions.user.push(def),
                RecordKind::Account => self.config.actions.account.push(def),
            }
        }
        self
    }

    /// A rule milestone for users or accounts, from rule text.
    #[must_use]
    pub fn rule_milestone(mut self, kind: RecordKind, name: impl Into<String>, rule: &str) -> Self {
        let name = name.into();
        if let Some(rule) = self.parse(&format!("activation.{kind} `{name}`"), rule) {
            match kind {
                RecordKind::User => self
                    .config
                    .activation
                    .user
                    .push(Milestone::rule(name, rule)),
                RecordKind::Account => self
                    .config
                    .activation
                    .account
                    .push(Milestone::rule(name, rule)),
            }
        }
        self
    }

    /// Parses a rule, keeping its errors for [`build`](Self::build) to report.
    fn parse(&mut self, field: &str, text: &str) -> Option<Rule> {
        match Rule::parse(text) {
            Ok(rule) => Some(rule),
            Err(errors) => {
                self.errors
                    .extend(errors.into_iter().map(|error| ConfigError::Rule {
                        field: field.to_owned(),
                        error,
                    }));
                None
            }
        }
    }

    /// Validates and returns the configuration, or every problem found.
    pub fn build(self) -> Result<Config, ConfigErrors> {
        let mut errors = self.errors;
        if let Err(more) = self.config.validate() {
            errors.extend(more.errors().iter().cloned());
        }
        if errors.is_empty() {
            Ok(self.config)
        } else {
            Err(ConfigErrors::new(errors))
        }
    }
}
