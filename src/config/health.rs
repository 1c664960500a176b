//! `health`: NPS, revenue movement, churn, retention and the health score.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ConfigError, Named};

/// The largest `revenue_days` and `nps.lookback_days` (ten years).
pub const MAX_HEALTH_DAYS: u32 = 3_650;
/// The largest weight of a health component.
pub const MAX_HEALTH_WEIGHT: i64 = 1_000;

/// One component of the health score, each worth 0–100.
///
/// ```
/// use pulsecheck::config::HealthComponent;
///
/// assert_eq!(HealthComponent::Engagement.as_str(), "engagement");
/// assert_eq!(HealthComponent::parse("nps"), Some(HealthComponent::Nps));
/// assert_eq!(HealthComponent::ALL.len(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HealthComponent {
    /// `engagement_score`.
    Engagement,
    /// `50 + engagement_trend / 2`, clamped to 0–100: steady is 50.
    Trend,
    /// `activation_rate` (none without milestones for the record kind).
    Activation,
    /// `adoption_rate` (none without key features).
    Adoption,
    /// `100 · (1 − days_since_last_seen / lookback_days)`, at least 0 (none when
    /// never seen).
    Recency,
    /// `seat_utilization_pct`, at most 100 (accounts with a `seats` trait only).
    Seats,
    /// `10 · nps_score` for a user, `(nps + 100) / 2` for an account.
    Nps,
}

impl HealthComponent {
    /// Every component, in the order of the configuration's defaults.
    pub const ALL: [HealthComponent; 7] = [
        HealthComponent::Engagement,
        HealthComponent::Trend,
        HealthComponent::Activation,
        HealthComponent::Adoption,
        HealthComponent::Recency,
        HealthComponent::Seats,
        HealthComponent::Nps,
    ];

    /// The component's name in `health.weights`.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthComponent::Engagement => "engagement",
            HealthComponent::Trend => "trend",
            HealthComponent::Activation => "activation",
            HealthComponent::Adoption => "adoption",
            HealthComponent::Recency => "recency",
            HealthComponent::Seats => "seats",
            HealthComponent::Nps => "nps",
        }
    }

    /// The component of a name, if it is one.
    pub fn parse(name: &str) -> Option<HealthComponent> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Its default weight: engagement 40, trend 10, activation 15, adoption 15,
    /// recency 10, seats 5, NPS 5.
    pub fn default_weight(self) -> i64 {
        match self {
            HealthComponent::Engagement => 40,
            HealthComponent::Trend | HealthComponent::Recency => 10,
            HealthComponent::Activation | HealthComponent::Adoption => 15,
            HealthComponent::Seats | HealthComponent::Nps => 5,
        }
    }
}

impl fmt::Display for HealthComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `health.nps`: the survey event and its 0–10 score property.
///
/// ```
/// use pulsecheck::config::Nps;
///
/// let nps = Nps::default();
/// assert_eq!((nps.event(), nps.property(), nps.lookback_days()), ("NPS Submitted", "score", 180));
/// let nps = Nps::new("Survey Answered", "rating").with_lookback_days(90);
/// assert_eq!(nps.lookback_days(), 90);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Nps {
    event: String,
    property: String,
    lookback_days: u32,
}

impl Default for Nps {
    fn default() -> Self {
        Nps {
            event: "NPS Submitted".to_owned(),
            property: "score".to_owned(),
            lookback_days: 180,
        }
    }
}

impl Nps {
    /// A survey `track` event and the property holding its score (lookback 180 days).
    pub fn new(event: impl Into<String>, property: impl Into<String>) -> Nps {
        Nps {
            event: event.into(),
            property: property.into(),
            ..Nps::default()
        }
    }
    /// How many days back (counting the day itself) a response still counts.
    #[must_use]
    pub fn with_lookback_days(mut self, days: u32) -> Nps {
        self.lookback_days = days;
        self
    }
    /// The survey event (default `NPS Submitted`).
    pub fn event(&self) -> &str {
        &self.event
    }
    /// The score property (default `score`).
    pub fn property(&self) -> &str {
        &self.property
    }
    /// The lookback NL in days (default 180).
    pub fn lookback_days(&self) -> u32 {
        self.lookback_days
    }
}

/// `health`: NPS, revenue movement, churn, retention and the health score. Every
/// key is optional; without the section none of its properties exist.
///
/// A `weights` object sets the weights it names; the others keep their defaults
/// (set one to 0 to leave its component out). Without `nps` there are no NPS
/// properties and the NPS component is null; `"nps": {}` takes its defaults.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use pulsecheck::Config;
/// use pulsecheck::config::{Health, HealthComponent, Nps};
///
/// let config: Config = serde_json::from_str(r#"{"health": {
///     "nps": {"event": "NPS Submitted", "property": "score", "lookback_days": 180},
///     "revenue_days": 30,
///     "weights": {"engagement": 50, "seats": 0},
///     "red_below": 40, "green_from": 70
/// }}"#).unwrap();
/// config.validate().unwrap();
/// let health = config.health().unwrap();
/// assert_eq!(health.weight_of(HealthComponent::Engagement), 50);
/// assert_eq!(health.weight_of(HealthComponent::Trend), 10); // a default
/// assert_eq!(health.weight_of(HealthComponent::Seats), 0);
///
/// let built = Config::builder()
///     .health(Health::new().with_nps(Nps::default()).with_weight("engagement", 50).with_weight("seats", 0))
///     .build()
///     .unwrap();
/// assert_eq!(built.health(), config.health());
///
/// let typo = Config::builder().health(Health::new().with_weight("engagment", 5)).build().unwrap_err();
/// assert!(typo.to_string().contains("did you mean `engagement`?"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Health {
    #[serde(skip_serializing_if = "Option::is_none")]
    nps: Option<Nps>,
    revenue_days: u32,
    #[serde(skip_serializing_if = "Named::is_empty")]
    weights: Named<i64>,
    red_below: i64,
    green_from: i64,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            nps: None,
            revenue_days: 30,
            weights: Named::default(),
            red_below: 40,
            green_from: 70,
        }
    }
}

impl Health {
    /// The defaults: no NPS, 30 revenue days, default weights, red below 40, green
    /// from 70.
    pub fn new() -> Health {
        Health::default()
    }
    /// Reads NPS responses.
    #[must_use]
    pub fn with_nps(mut self, nps: Nps) -> Health {
        self.nps = Some(nps);
        self
    }
    /// R: `mrr_previous` is the `mrr` as of R days before the day.
    #[must_use]
    pub fn with_revenue_days(mut self, days: u32) -> Health {
        self.revenue_days = days;
        self
    }
    /// Sets one component's weight (by its name; an unknown name is reported by
    /// validation, with the closest component).
    #[must_use]
    pub fn with_weight(mut self, component: impl Into<String>, weight: i64) -> Health {
        self.weights.push(component.into(), weight);
        self
    }
    /// Scores below this are `red`.
    #[must_use]
    pub fn with_red_below(mut self, score: i64) -> Health {
        self.red_below = score;
        self
    }
    /// Scores from this on are `green`.
    #[must_use]
    pub fn with_green_from(mut self, score: i64) -> Health {
        self.green_from = score;
        self
    }

    /// The NPS survey, if configured.
    pub fn nps(&self) -> Option<&Nps> {
        self.nps.as_ref()
    }
    /// R, in days (default 30).
    pub fn revenue_days(&self) -> u32 {
        self.revenue_days
    }
    /// The weights as written (the others are their defaults).
    pub fn weights(&self) -> &Named<i64> {
        &self.weights
    }
    /// A component's weight in effect: as written, else its default.
    pub fn weight_of(&self, component: HealthComponent) -> i64 {
        self.weights
            .get(component.as_str())
            .copied()
            .unwrap_or_else(|| component.default_weight())
    }
    /// Scores below this are `red` (default 40).
    pub fn red_below(&self) -> i64 {
        self.red_below
    }
    /// Scores from this on are `green` (default 70).
    pub fn green_from(&self) -> i64 {
        self.green_from
    }

    /// Pushes every problem of the section into `errors`.
    pub(crate) fn validate_into(&self, errors: &mut Vec<ConfigError>) {
        if let Some(nps) = &self.nps {
            if nps.event.trim().is_empty() {
                errors.push(ConfigError::NoEvent {
                    field: "health.nps.event".into(),
                });
            }
            if nps.property.trim().is_empty() {
                errors.push(ConfigError::EmptyName {
                    field: "health.nps.property",
                });
            }
            days_in_range(errors, "health.nps.lookback_days", nps.lookback_days);
        }
        days_in_range(errors, "health.revenue_days", self.revenue_days);
        for (name, &weight) in self.weights.iter() {
            if HealthComponent::parse(name).is_none() {
                let names = HealthComponent::ALL.map(HealthComponent::as_str);
                errors.push(ConfigError::UnknownHealthComponent {
                    name: name.to_owned(),
                    suggestion: crate::rule::closest_name(name, names.into_iter())
                        .map(str::to_owned),
                });
            } else if !(0..=MAX_HEALTH_WEIGHT).contains(&weight) {
                errors.push(ConfigError::HealthWeightOutOfRange {
                    component: name.to_owned(),
                    weight,
                });
            }
        }
        for name in self.weights.duplicates() {
            errors.push(ConfigError::DuplicateName {
                what: "health weight",
                name: name.to_owned(),
            });
        }
        if HealthComponent::ALL
            .iter()
            .all(|&c| self.weight_of(c) <= 0 || self.weight_of(c) > MAX_HEALTH_WEIGHT)
        {
            errors.push(ConfigError::NoHealthWeight);
        }
        for (field, value) in [
            ("health.red_below", self.red_below),
            ("health.green_from", self.green_from),
        ] {
            if !(0..=100).contains(&value) {
                errors.push(ConfigError::ThresholdOutOfRange { field, value });
            }
        }
        if self.red_below > self.green_from {
            errors.push(ConfigError::ThresholdOrder {
                red_below: self.red_below,
                green_from: self.green_from,
            });
        }
    }
}

fn days_in_range(errors: &mut Vec<ConfigError>, field: &'static str, days: u32) {
    if days == 0 {
        errors.push(ConfigError::ZeroDays { field });
    } else if days > MAX_HEALTH_DAYS {
        errors.push(ConfigError::OutOfRange {
            field: field.into(),
            value: days.into(),
            max: MAX_HEALTH_DAYS.into(),
        });
    }
}
