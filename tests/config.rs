//! The configuration contract of SPEC §1.3: the JSON form, defaults, and validation
//! that reports every problem at once.

use pulsecheck::{Config, ConfigError, Engine};

/// The example of SPEC §1.3, verbatim.
const SPEC_EXAMPLE: &str = r#"{
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
    let config: Config = serde_json::from_str(SPEC_EXAMPLE).unwrap();
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
            field: "window_days"
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
        &|e| matches!(e, ConfigError::NoEvent { field } if field == "features.reporting")
    ));
    assert!(found(
        &|e| matches!(e, ConfigError::DuplicateName { what: "milestone", name } if name == "a")
    ));
    assert!(found(&|e| matches!(e, ConfigError::MilestoneKind { .. })));
    assert!(found(
        &|e| matches!(e, ConfigError::NameClash { name, .. } if name == "raw_score")
    ));
    assert!(found(
        &|e| matches!(e, ConfigError::DuplicateName { what: "usage metric", name } if name == "api")
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
