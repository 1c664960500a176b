//! The public API's auto traits and common traits (Rust API Guidelines
//! C-SEND-SYNC and C-COMMON-TRAITS): every public type is `Send`, `Sync`,
//! `UnwindSafe`, `RefUnwindSafe` and `Unpin`, so it can cross threads and
//! `catch_unwind`; the value-like ones are also `Debug + Clone`. A type that
//! loses one of these fails to compile here, which is a breaking change to catch
//! before release rather than after.

use std::fmt::Debug;
use std::panic::{RefUnwindSafe, UnwindSafe};

use pulsecheck::{config, crm, portfolio, rule, sample};

fn auto_traits<T: Send + Sync + UnwindSafe + RefUnwindSafe + Unpin>() {}

fn common_traits<T: Debug + Clone>() {}

macro_rules! check {
    (auto: $($t:ty),* $(,)?) => {$( auto_traits::<$t>(); )*};
    (common: $($t:ty),* $(,)?) => {$( auto_traits::<$t>(); common_traits::<$t>(); )*};
}

#[test]
fn crate_root() {
    check!(common:
        pulsecheck::AccountId, pulsecheck::Activity, pulsecheck::Actor,
        pulsecheck::Alias, pulsecheck::AnonymousId, pulsecheck::Call, pulsecheck::Context,
        pulsecheck::Group, pulsecheck::Identify, pulsecheck::MessageId, pulsecheck::Page,
        pulsecheck::Properties, pulsecheck::Screen, pulsecheck::Track, pulsecheck::UserId,
        pulsecheck::Config, pulsecheck::ConfigBuilder, pulsecheck::ConfigError,
        pulsecheck::ConfigErrors, pulsecheck::Curve, pulsecheck::Milestone, pulsecheck::Usage,
        pulsecheck::Changeset, pulsecheck::DiffOptions, pulsecheck::HubSpot,
        pulsecheck::Request, pulsecheck::Salesforce, pulsecheck::SyncState,
        pulsecheck::Engine, pulsecheck::Eviction, pulsecheck::MergeError,
        pulsecheck::MergeStats, pulsecheck::IngestReport, pulsecheck::Outcome,
        pulsecheck::Rejection, pulsecheck::Warning, pulsecheck::ErrorSource,
        pulsecheck::Portfolio, pulsecheck::Record, pulsecheck::ActionDef,
        pulsecheck::CompiledRule, pulsecheck::EvalInput<'static>, pulsecheck::Membership,
        pulsecheck::Memberships, pulsecheck::Rule, pulsecheck::RuleContext,
        pulsecheck::RuleError, pulsecheck::RuleErrors, pulsecheck::SegmentDef,
        pulsecheck::Transition, pulsecheck::PropertyType, pulsecheck::RecordKind,
        pulsecheck::Schema, pulsecheck::Snapshot, pulsecheck::Text, pulsecheck::Value,
    );
    // Scratch space is per loop, not a value: cloning one would copy buffers that
    // are empty between lines, so it is `Debug` and `Default` but not `Clone`.
    #[cfg(feature = "json")]
    check!(auto: pulsecheck::JsonScratch);
}

#[test]
fn config_module() {
    check!(common:
        config::Activation, config::Actions, config::Health, config::HealthComponent,
        config::Limits, config::Named<i64>, config::Nps, config::Scoring, config::Segments,
    );
}

#[test]
fn crm_module() {
    check!(common:
        crm::PropertyChange, crm::RecordChange, crm::SkipReason, crm::SkippedRecord,
        crm::Crm, crm::CrmError, crm::NameError, crm::NameRule, crm::HubSpotBatchUpdate,
        crm::HubSpotInput, crm::HubSpotOption, crm::HubSpotOptions, crm::HubSpotProperty,
        crm::HubSpotPropertyBatch, crm::HubSpotPropertyGroup, crm::IdProperty,
        crm::AccountMatcher, crm::CompanyKey, crm::ContactKey, crm::DomainMatch,
        crm::DomainMatchReport, crm::FreeMailDomains, crm::PropertyMap,
        crm::PropertySelection, crm::Method, crm::RequestBody, crm::SalesforceAttributes,
        crm::SalesforceField, crm::SalesforceFieldMetadata, crm::SalesforceOptions,
        crm::SalesforcePicklistValue, crm::SalesforceRecord, crm::SalesforceUpsert,
        crm::SalesforceValue, crm::SalesforceValueSet, crm::SalesforceValueSetDefinition,
    );
}

#[test]
fn portfolio_module() {
    check!(common:
        portfolio::MrrMovements, portfolio::Labels, portfolio::HealthCounts,
        portfolio::SegmentCounts, portfolio::Champions, portfolio::Champion,
        portfolio::CurvePoint, portfolio::Cohort,
    );
}

#[test]
fn rule_module() {
    check!(common:
        rule::ActionList, rule::RuleErrorKind, rule::Span, rule::Direction, rule::RuleLimits,
        rule::RuleSet, rule::SegmentSet,
    );
}

#[test]
fn sample_module() {
    check!(common: sample::Sample);
}

/// C-GOOD-ERR: a rejection of bad JSON keeps the parser's error as its source,
/// and its message still names the problem and the fix.
#[cfg(feature = "json")]
#[test]
fn errors_keep_their_source() {
    use std::error::Error;

    use pulsecheck::{Call, Config, Engine, ErrorSource, IngestReport, Rejection};

    let err = Call::from_json(r#"{"type":"track",}"#).unwrap_err();
    assert_eq!(err.code(), "not_json");
    let text = err.to_string();
    assert!(
        text.starts_with("not a JSON object: ")
            && text.ends_with("; send one Segment call per line"),
        "{text}"
    );
    let source = err.source().expect("a source");
    let source = source
        .downcast_ref::<ErrorSource>()
        .expect("an ErrorSource");
    assert!(source.downcast_ref::<serde_json::Error>().is_some());
    assert!(text.contains(&source.to_string()), "{text}");
    // Equal rejections of the same line, whatever their sources' identity.
    assert_eq!(Call::from_json(r#"{"type":"track",}"#).unwrap_err(), err);

    let line = r#"{"type":"track","userId":"u1","event":5,"timestamp":"2026-10-31T10:00:00Z"}"#;
    let err = Call::from_json(line).unwrap_err();
    let Rejection::WrongType { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        source
            .downcast_ref::<serde_json::Error>()
            .is_some_and(|e| e.is_data())
    );
    assert!(err.source().is_some());

    let mut engine = Engine::new(Config::default()).unwrap();
    let mut report = IngestReport::default();
    engine.ingest_ndjson_bytes(b"\xff\xfe", 1, &mut report);
    let (_, rejection) = &report.rejections()[0];
    let Rejection::NotJson { source, .. } = rejection else {
        panic!("{rejection:?}")
    };
    assert!(source.downcast_ref::<std::str::Utf8Error>().is_some());
}
