//! The configuration contract: the JSON form, defaults, and validation
//! that reports every problem at once.

use pulsecheck::{Config, ConfigError, Engine};

/// The configuration example the README shows.
const README_EXAMPLE: &str = r#"{
  "window_days": 28,
  "lookback_days": 90,
  "trend_threshold": 10,
  "scoring": {"events": {"Report Run": 5, "Task Created": 2, "Board Viewed": 1}, "percentile": 90, "curve": "log"},
  "features": {"reporting": ["Report Run"], "planning": ["Task Created", "Board Viewed"]},
  "activation": {
    "user": [{"name": "first_task", "event": "Task Created"},
             {"name": "five_reports", "event": "Report Run", "min_count": 5, "within_days": 14}],
    "account": [{"name": "team", "rule": "active_users >= 3"}]
  },
  "usage": {"api_calls": {"event": "API Called"}, "storage_mb": {"event": "File Uploaded", "property": "megabytes"}},
  "segments": {"user": {"at_risk": {"enter": "engagement_score < 25 and days_since_last_seen >= 14",
                                    "exit": "engagement_score >= 35"}},
               "account": {"champion": "api_calls_cumulative_share_pct <= 50"}},
  "actions": {"account": [{"when": "mrr >= 1000 and engagement_trend_label = \"falling\"", "action": "personal_outreach"},
                          {"when": "engagement_score < 25", "action": "automated_email"}]}
}"#;

#[test]
fn the_spec_example_parses_validates_and_round_trips() {
    let config: Config = serde_json::from_str(README_EXAMPLE).unwrap();
    config.validate().unwrap();
    assert_eq!(config.window_days(), 28);
    assert_eq!(config.segments().user().len(), 1);
    assert_eq!(config.actions().account().len(), 2);
    let again: Config = serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
    assert_eq!(again, config);
    Engine::new(config).unwrap();
}

#[test]
fn defaults_are_the_documented_ones() {
    let config: Config = serde_json::from_str("{}").unwrap();
    assert_eq!(
        (
            config.window_days(),
            config.lookback_days(),
            config.utc_offset_minutes(),
            config.trend_threshold()
        ),
        (30, 90, 0, 10)
    );
    assert_eq!(config.scoring().percentile(), 90.0);
    assert!(config.scoring().events().is_none());
    assert_eq!(config.contact_effect_days(), 7);
}

#[test]
fn unknown_keys_are_errors_at_every_level() {
    for typo in [
        r#"{"window_dayz": 28}"#,
        r#"{"scoring": {"curve": "log", "percentil": 90}}"#,
        r#"{"activation": {"user": [{"name": "a", "event": "x", "min_cout": 2}]}}"#,
        r#"{"usage": {"api": {"event": "x", "propety": "y"}}}"#,
        r#"{"segments": {"users": {}}}"#,
        r#"{"actions": {"user": [{"when": "event_count > 0", "action": "x", "then": 1}]}}"#,
    ] {
        assert!(
            serde_json::from_str::<Config>(typo).is_err(),
            "{typo} was accepted"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let config: Config = serde_json::from_str(
        r#"{
        "window_days": 0,
        "scoring": {"events": {"Report Run": 11, "Task Created": 0}, "percentile": 0},
        "features": {"reporting": []},
        "activation": {"user": [{"name": "a", "event": "x"}, {"name": "a", "event": "y"}, {"name": "b"}]},
        "usage": {"raw_score": {"event": "x"}, "api": {"event": "x"}, "api": {"event": "y"}}
    }"#,
    )
    .unwrap();
    let errors = config.validate().unwrap_err();
    let found = |pred: &dyn Fn(&ConfigError) -> bool| errors.errors().iter().any(pred);
    assert!(found(&|e| matches!(
        e,
        ConfigError::ZeroDays {
            field: "window_days",
            ..
        }
    )));
    assert!(found(&|e| matches!(
        e,
        ConfigError::WeightOutOfRange { weight: 11, .. }
    )));
    assert!(found(&|e| matches!(
        e,
        ConfigError::WeightOutOfRange { weight: 0, .. }
    )));
    assert!(found(&|e| matches!(
        e,
        ConfigError::PercentileOutOfRange { .. }
    )));
    assert!(found(
        &|e| matches!(e, ConfigError::NoEvent { field , .. } if field == "features.reporting")
    ));
    assert!(found(
        &|e| matches!(e, ConfigError::DuplicateName { what: "milestone", name , .. } if name == "a")
    ));
    assert!(found(&|e| matches!(e, ConfigError::MilestoneKind { .. })));
    assert!(found(
        &|e| matches!(e, ConfigError::NameClash { name, .. } if name == "raw_score")
    ));
    assert!(found(
        &|e| matches!(e, ConfigError::DuplicateName { what: "usage metric", name , .. } if name == "api")
    ));
    assert_eq!(errors.len(), 9, "{errors}");
    // The message names the field, the value and the fix.
    let text = errors.to_string();
    assert!(
        text.contains(
            "`scoring.events.Report Run` has weight 11; weights are whole numbers from 1 to 10"
        ),
        "{text}"
    );
}

#[test]
fn rule_errors_name_the_rule_and_suggest_the_property() {
    let config: Config = serde_json::from_str(
        r#"{"segments": {"user": {"quiet": "days_since_last_sen >= 14", "low": "engagement_score < \"x\""}}}"#,
    )
    .unwrap();
    let errors = config.validate().unwrap_err();
    let text = errors.to_string();
    assert!(
        text.contains("days_since_last_seen"),
        "no suggestion in: {text}"
    );
    assert_eq!(errors.len(), 2, "{text}");
}

#[test]
fn a_rule_that_does_not_parse_is_an_error_when_reading_the_config() {
    let err =
        serde_json::from_str::<Config>(r#"{"segments": {"user": {"x": "engagement_score <"}}}"#)
            .unwrap_err();
    assert!(err.to_string().contains("engagement_score"), "{err}");
}

/// The `health` section of the documentation, verbatim (every key at its default).
const HEALTH_EXAMPLE: &str = r#"{"health": {
  "nps": {"event": "NPS Submitted", "property": "score", "lookback_days": 180},
  "revenue_days": 30,
  "weights": {"engagement": 40, "trend": 10, "activation": 15, "adoption": 15,
              "recency": 10, "seats": 5, "nps": 5},
  "red_below": 40, "green_from": 70
}}"#;

#[test]
fn the_health_section_parses_with_its_defaults_and_round_trips() {
    use pulsecheck::config::{Health, HealthComponent, Nps};
    let config: Config = serde_json::from_str(HEALTH_EXAMPLE).unwrap();
    config.validate().unwrap();
    let health = config.health().unwrap();
    let defaults = Health::new().with_nps(Nps::default());
    for c in HealthComponent::ALL {
        assert_eq!(health.weight_of(c), defaults.weight_of(c), "{c}");
    }
    assert_eq!(health.revenue_days(), 30);
    assert_eq!((health.red_below(), health.green_from()), (40, 70));
    let nps = health.nps().unwrap();
    assert_eq!(
        (nps.event(), nps.property(), nps.lookback_days()),
        ("NPS Submitted", "score", 180)
    );
    let again: Config = serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
    assert_eq!(again, config);
    // `{}` has no NPS; `"nps": {}` takes its defaults.
    let bare: Config = serde_json::from_str(r#"{"health": {}}"#).unwrap();
    assert!(bare.health().unwrap().nps().is_none());
    assert_eq!(
        bare.health()
            .unwrap()
            .weight_of(HealthComponent::Engagement),
        40
    );
    let empty_nps: Config = serde_json::from_str(r#"{"health": {"nps": {}}}"#).unwrap();
    assert_eq!(empty_nps.health().unwrap().nps(), Some(&Nps::default()));
    // Without `health` the serialized form has no `health` key.
    assert!(
        !serde_json::to_string(&Config::default())
            .unwrap()
            .contains("health")
    );
}

#[test]
fn health_keys_and_values_are_validated() {
    for typo in [
        r#"{"health": {"revenue_dayz": 30}}"#,
        r#"{"health": {"nps": {"lookback": 30}}}"#,
        r#"{"health": {"red_below": -1}}"#.replace("-1", "\"x\"").as_str(),
    ] {
        assert!(serde_json::from_str::<Config>(typo).is_err(), "{typo}");
    }
    let config: Config = serde_json::from_str(
        r#"{"health": {"nps": {"event": " ", "property": "", "lookback_days": 0},
                       "revenue_days": 4000,
                       "weights": {"engagment": 5, "trend": -1, "seats": 2000},
                       "red_below": 80, "green_from": 101}}"#,
    )
    .unwrap();
    let errors = config.validate().unwrap_err();
    let text = errors.to_string();
    for expected in [
        "health.nps.event",
        "health.nps.property",
        "`health.nps.lookback_days` is 0",
        "`health.revenue_days` is 4000",
        "did you mean `engagement`?",
        "`health.weights.trend` is -1",
        "`health.weights.seats` is 2000",
        "`health.green_from` is 101",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    assert!(errors
        .errors()
        .iter()
        .any(|e| matches!(e, ConfigError::UnknownHealthComponent { suggestion: Some(s), .. } if s == "engagement")));
    // red_below above green_from.
    let errors =
        serde_json::from_str::<Config>(r#"{"health": {"red_below": 80, "green_from": 70}}"#)
            .unwrap()
            .validate()
            .unwrap_err();
    assert!(matches!(
        errors.errors()[0],
        ConfigError::ThresholdOrder {
            red_below: 80,
            green_from: 70,
            ..
        }
    ));
    // Every weight 0.
    let zero = r#"{"health": {"weights": {"engagement": 0, "trend": 0, "activation": 0, "adoption": 0, "recency": 0, "seats": 0, "nps": 0}}}"#;
    let errors = serde_json::from_str::<Config>(zero)
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(matches!(errors.errors()[0], ConfigError::NoHealthWeight));
    // A usage metric named like a health property clashes only with `health`.
    let usage = r#"{"usage": {"nps": {"event": "x"}}}"#;
    serde_json::from_str::<Config>(usage)
        .unwrap()
        .validate()
        .unwrap();
    let clash = r#"{"usage": {"nps": {"event": "x"}}, "health": {"nps": {}}}"#;
    let errors = serde_json::from_str::<Config>(clash)
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(errors.to_string().contains("property `nps`"), "{errors}");
}
