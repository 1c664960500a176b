//! Errors of the CRM output layer.

use std::borrow::Cow;
use std::fmt;

use crate::schema::RecordKind;
use crate::source::ErrorSource;

/// Which CRM a name or a request is meant for.
///
/// ```
/// use pulsecheck::crm::Crm;
///
/// assert_eq!(Crm::HubSpot.to_string(), "HubSpot");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Crm {
    /// HubSpot (internal property names).
    HubSpot,
    /// Salesforce (field API names).
    Salesforce,
}

impl fmt::Display for Crm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Crm::HubSpot => "HubSpot",
            Crm::Salesforce => "Salesforce",
        })
    }
}

/// The naming rule a CRM property name breaks.
///
/// ```
/// use pulsecheck::crm::{Crm, NameRule, validate_name};
///
/// let rule = validate_name(Crm::Salesforce, &format!("{}__c", "a".repeat(41))).unwrap_err();
/// assert!(matches!(rule, NameRule::TooLong { max: 40, len: 41, .. }));
/// assert!(rule.to_string().contains("40"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NameRule {
    /// The name is empty.
    Empty,
    /// The first character is not a letter.
    #[non_exhaustive]
    MustStartWithLetter {
        /// The offending first character.
        found: char,
    },
    /// A character outside the allowed set.
    #[non_exhaustive]
    ForbiddenCharacter {
        /// The offending character.
        found: char,
        /// The allowed set, in words.
        allowed: Cow<'static, str>,
    },
    /// Longer than the CRM allows.
    #[non_exhaustive]
    TooLong {
        /// The limit.
        max: usize,
        /// The actual length.
        len: usize,
    },
    /// Two underscores in a row (Salesforce reserves `__` for suffixes and namespaces).
    DoubleUnderscore,
    /// Ends with an underscore (Salesforce).
    TrailingUnderscore,
    /// Two source properties end up with the same CRM name.
    #[non_exhaustive]
    Collision {
        /// The other source property with that CRM name.
        with: String,
    },
}

impl fmt::Display for NameRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameRule::Empty => f.write_str("the name is empty; give the property a name"),
            NameRule::MustStartWithLetter { found } => {
                write!(
                    f,
                    "it must start with a letter, not {found:?}; use a prefix such as `pc_`"
                )
            }
            NameRule::ForbiddenCharacter { found, allowed } => {
                write!(
                    f,
                    "{found:?} is not allowed (only {allowed}); rename the property"
                )
            }
            NameRule::TooLong { max, len } => {
                write!(
                    f,
                    "it is {len} characters long, the limit is {max}; map it to a shorter name"
                )
            }
            NameRule::DoubleUnderscore => {
                f.write_str("it contains two consecutive underscores; use a single `_`")
            }
            NameRule::TrailingUnderscore => {
                f.write_str("it ends with an underscore; drop the trailing `_`")
            }
            NameRule::Collision { with } => write!(
                f,
                "it is also the CRM name of `{with}`; rename one of them or exclude one"
            ),
        }
    }
}

/// One invalid CRM property name: which property, which name, which rule.
///
/// ```
/// use pulsecheck::crm::{Crm, PropertyMap};
///
/// let errors = PropertyMap::all().check_name(Crm::HubSpot, "Score", "Score");
/// let err = errors.expect("uppercase is not allowed by HubSpot");
/// assert_eq!(err.property(), "Score");
/// assert!(err.to_string().contains("HubSpot"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NameError {
    crm: Crm,
    property: String,
    name: String,
    rule: NameRule,
}

impl NameError {
    pub(crate) fn new(crm: Crm, property: &str, name: &str, rule: NameRule) -> NameError {
        NameError {
            crm,
            property: property.to_owned(),
            name: name.to_owned(),
            rule,
        }
    }

    /// The CRM whose rule is broken.
    pub fn crm(&self) -> Crm {
        self.crm
    }

    /// The source property (as the engine names it).
    pub fn property(&self) -> &str {
        &self.property
    }

    /// The CRM name it was given (after prefix, suffix or mapping).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rule broken.
    pub fn rule(&self) -> &NameRule {
        &self.rule
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "property `{}` would be sent to {} as `{}`, which is not a valid name: {}",
            self.property, self.crm, self.name, self.rule
        )
    }
}

impl std::error::Error for NameError {}

fn list(errors: &[NameError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Everything that can go wrong when preparing CRM output.
///
/// ```
/// use pulsecheck::crm::{CrmError, HubSpotOptions};
///
/// let err = HubSpotOptions::new().with_batch_size(101).unwrap_err();
/// assert!(matches!(err, CrmError::InvalidOption { .. }));
/// assert!(err.to_string().contains("batch_size"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CrmError {
    /// One or more property names break the CRM's naming rules (all are listed).
    #[error("{} invalid {crm} property name(s): {}", errors.len(), list(errors))]
    #[non_exhaustive]
    InvalidPropertyNames {
        /// The CRM.
        crm: Crm,
        /// Every invalid name.
        errors: Vec<NameError>,
    },
    /// An option value out of range.
    #[error("option `{option}` = {value:?} is invalid: {fix}")]
    #[non_exhaustive]
    InvalidOption {
        /// The option name.
        option: &'static str,
        /// The rejected value.
        value: String,
        /// How to fix it.
        fix: &'static str,
    },
    /// A number that is not finite cannot be sent to a CRM.
    #[error(
        "{kind} `{record}`: property `{property}` is {value}, which no CRM accepts; exclude the property or fix the input"
    )]
    #[non_exhaustive]
    NonFiniteNumber {
        /// User or account.
        kind: RecordKind,
        /// The record id.
        record: String,
        /// The property.
        property: String,
        /// The value, as text.
        value: String,
    },
    /// Records would be matched by a property the CRM does not treat as unique (or
    /// only does in another operation), so the CRM would refuse the batch.
    #[error("{kind} records cannot be matched in {crm} by `{property}`: {why}; {fix}")]
    #[non_exhaustive]
    NonUniqueIdProperty {
        /// The CRM.
        crm: Crm,
        /// User (contact) or account (company).
        kind: RecordKind,
        /// The property that would have been the `idProperty`.
        property: String,
        /// Why the CRM refuses it.
        why: &'static str,
        /// How to fix it.
        fix: &'static str,
    },
    /// The records' schema lacks a property the operation needs.
    #[error("{kind} records have no `{property}` property; add it to the {kind} schema ({why})")]
    #[non_exhaustive]
    MissingProperty {
        /// User or account.
        kind: RecordKind,
        /// The property name.
        property: &'static str,
        /// What it is needed for.
        why: &'static str,
    },
    /// A persisted sync state that cannot be loaded.
    #[error("sync state is invalid: {reason}; discard it to resend everything")]
    #[non_exhaustive]
    InvalidState {
        /// What is wrong.
        reason: String,
    },
    /// A request confirmed against a changeset it was not built from.
    #[error(
        "the request was not built from this changeset; confirm it with the changeset passed to `requests`"
    )]
    RequestMismatch,
    /// A request could not be encoded as JSON.
    #[error("request could not be encoded as JSON: {reason}")]
    #[non_exhaustive]
    Encoding {
        /// The encoder's message.
        reason: String,
        /// The encoder's error itself.
        source: ErrorSource,
    },
}
