//! Building a [`Config`] in code.

use super::{ActionDef, Config, ConfigErrors, Curve, Milestone, Named, SegmentDef, Usage};

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
#[derive(Debug, Clone, Default)]
pub struct ConfigBuilder {
    config: Config,
}

impl ConfigBuilder {
    /// The defaults.
    pub fn new() -> ConfigBuilder {
        ConfigBuilder {
            config: Config::default(),
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
    /// A user segment with one rule.
    #[must_use]
    pub fn user_segment(mut self, name: impl Into<String>, rule: impl Into<String>) -> Self {
        self.config
            .segments
            .user
            .push(name.into(), SegmentDef::Rule(rule.into()));
        self
    }
    /// An account segment with one rule.
    #[must_use]
    pub fn account_segment(mut self, name: impl Into<String>, rule: impl Into<String>) -> Self {
        self.config
            .segments
            .account
            .push(name.into(), SegmentDef::Rule(rule.into()));
        self
    }
    /// A user or account segment with enter and exit rules.
    #[must_use]
    pub fn segment_with_exit(
        mut self,
        kind: crate::RecordKind,
        name: impl Into<String>,
        enter: impl Into<String>,
        exit: impl Into<String>,
    ) -> Self {
        let def = SegmentDef::Hysteresis {
            enter: enter.into(),
            exit: Some(exit.into()),
        };
        match kind {
            crate::RecordKind::User => self.config.segments.user.push(name.into(), def),
            crate::RecordKind::Account => self.config.segments.account.push(name.into(), def),
        }
        self
    }
    /// Appends a user action (first match wins).
    #[must_use]
    pub fn user_action(mut self, when: impl Into<String>, action: impl Into<String>) -> Self {
        self.config.actions.user.push(ActionDef::new(when, action));
        self
    }
    /// Appends an account action (first match wins).
    #[must_use]
    pub fn account_action(mut self, when: impl Into<String>, action: impl Into<String>) -> Self {
        self.config
            .actions
            .account
            .push(ActionDef::new(when, action));
        self
    }

    /// Validates and returns the configuration, or every problem found.
    pub fn build(self) -> Result<Config, ConfigErrors> {
        self.config.validate()?;
        Ok(self.config)
    }
}
