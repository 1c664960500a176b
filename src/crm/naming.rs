//! Which properties are sent, under which CRM names, and whether those names are legal.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;

use crate::crm::error::{Crm, CrmError, NameError, NameRule};
use crate::schema::Schema;

/// Which source properties are sent.
///
/// ```
/// use pulsecheck::crm::PropertySelection;
///
/// let sel = PropertySelection::except(["raw_score"]);
/// assert!(sel.includes("engagement_score"));
/// assert!(!sel.includes("raw_score"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PropertySelection {
    /// Every property, computed and trait.
    #[default]
    All,
    /// Only these.
    Only(BTreeSet<String>),
    /// Everything but these.
    Except(BTreeSet<String>),
}

impl PropertySelection {
    /// Only the given properties.
    pub fn only<I, S>(names: I) -> PropertySelection
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PropertySelection::Only(names.into_iter().map(Into::into).collect())
    }

    /// Every property except the given ones.
    pub fn except<I, S>(names: I) -> PropertySelection
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        PropertySelection::Except(names.into_iter().map(Into::into).collect())
    }

    /// Whether a source property is selected.
    pub fn includes(&self, name: &str) -> bool {
        match self {
            PropertySelection::All => true,
            PropertySelection::Only(names) => names.contains(name),
            PropertySelection::Except(names) => !names.contains(name),
        }
    }
}

/// Selection and renaming of properties for one CRM destination.
///
/// The CRM name of a source property is its explicit mapping when there is one (used
/// verbatim: it may target an existing CRM field such as Salesforce's `Email`), else
/// `prefix + name + suffix`. [`PropertyMap::salesforce`] starts with the `__c` suffix of
/// Salesforce custom fields.
///
/// The sync state records CRM names, so changing the mapping makes the renamed
/// properties count as never sent: they are sent again to their new fields.
///
/// ```
/// use pulsecheck::crm::{Crm, PropertyMap};
///
/// let map = PropertyMap::all().prefix("pc_").rename("engagement_score", "pulse_score");
/// assert_eq!(map.crm_name("active_days").as_deref(), Some("pc_active_days"));
/// assert_eq!(map.crm_name("engagement_score").as_deref(), Some("pulse_score"));
///
/// let sf = PropertyMap::salesforce().prefix("pc_").exclude(["raw_score"]);
/// assert_eq!(sf.crm_name("active_days").as_deref(), Some("pc_active_days__c"));
/// assert_eq!(sf.crm_name("raw_score"), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PropertyMap {
    selection: PropertySelection,
    prefix: String,
    suffix: String,
    rename: IndexMap<String, String>,
}

impl PropertyMap {
    /// Every property, names unchanged (HubSpot-style).
    pub fn all() -> PropertyMap {
        PropertyMap::default()
    }

    /// Every property, names suffixed with `__c` (Salesforce custom fields).
    pub fn salesforce() -> PropertyMap {
        PropertyMap {
            suffix: "__c".to_owned(),
            ..PropertyMap::default()
        }
    }

    /// Replaces the selection.
    #[must_use]
    pub fn select(mut self, selection: PropertySelection) -> PropertyMap {
        self.selection = selection;
        self
    }

    /// Sends only the given properties.
    #[must_use]
    pub fn only<I, S>(self, names: I) -> PropertyMap
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select(PropertySelection::only(names))
    }

    /// Sends everything but the given properties (adds to an existing exclusion).
    #[must_use]
    pub fn exclude<I, S>(mut self, names: I) -> PropertyMap
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let names = names.into_iter().map(Into::into);
        match &mut self.selection {
            PropertySelection::Except(set) => set.extend(names),
            PropertySelection::Only(set) => {
                for n in names {
                    set.remove(&n);
                }
            }
            sel @ PropertySelection::All => *sel = PropertySelection::Except(names.collect()),
        }
        self
    }

    /// Prepends a prefix to every CRM name not explicitly mapped (e.g. `pc_`).
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> PropertyMap {
        self.prefix = prefix.to_owned();
        self
    }

    /// Appends a suffix to every CRM name not explicitly mapped (e.g. `__c`).
    #[must_use]
    pub fn suffix(mut self, suffix: &str) -> PropertyMap {
        self.suffix = suffix.to_owned();
        self
    }

    /// Maps one source property to an exact CRM name (no prefix or suffix added).
    #[must_use]
    pub fn rename(mut self, property: &str, crm_name: &str) -> PropertyMap {
        self.rename.insert(property.to_owned(), crm_name.to_owned());
        self
    }

    /// The selection.
    pub fn selection(&self) -> &PropertySelection {
        &self.selection
    }

    /// The CRM name of a source property; `None` when it is not selected.
    pub fn crm_name(&self, property: &str) -> Option<String> {
        if !self.selection.includes(property) {
            return None;
        }
        Some(match self.rename.get(property) {
            Some(mapped) => mapped.clone(),
            None => format!("{}{}{}", self.prefix, property, self.suffix),
        })
    }

    /// Feeds the CRM name of a selected property to `f` without allocating (the diff
    /// hashes trait names this way for every record); `false` when not selected.
    pub(crate) fn with_crm_name_parts(&self, property: &str, f: impl FnOnce(&[&str])) -> bool {
        if !self.selection.includes(property) {
            return false;
        }
        // Most maps rename nothing: skip hashing the name for the lookup.
        let mapped = if self.rename.is_empty() {
            None
        } else {
            self.rename.get(property)
        };
        match mapped {
            Some(mapped) => f(&[mapped]),
            None => f(&[&self.prefix, property, &self.suffix]),
        }
        true
    }

    /// Checks one name against a CRM's rules; `None` when valid.
    pub fn check_name(&self, crm: Crm, property: &str, crm_name: &str) -> Option<NameError> {
        validate_name(crm, crm_name)
            .err()
            .map(|rule| NameError::new(crm, property, crm_name, rule))
    }

    /// Validates the CRM names of every selected property of a schema (and of the
    /// explicitly renamed ones), and that no two share a name. Every problem is
    /// reported, not just the first.
    ///
    /// ```
    /// use pulsecheck::{PropertyType, RecordKind, Schema};
    /// use pulsecheck::crm::{Crm, CrmError, PropertyMap};
    ///
    /// let schema = Schema::new(RecordKind::User)
    ///     .with("engagement_score", PropertyType::Int)
    ///     .with("Days Since", PropertyType::Int);
    /// assert!(PropertyMap::all().exclude(["Days Since"]).validate(Crm::HubSpot, &schema).is_ok());
    /// let err = PropertyMap::all().validate(Crm::HubSpot, &schema).unwrap_err();
    /// assert!(matches!(err, CrmError::InvalidPropertyNames { ref errors, .. } if errors.len() == 1));
    /// ```
    pub fn validate(&self, crm: Crm, schema: &Schema) -> Result<(), CrmError> {
        let mut errors = Vec::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        let sources = schema
            .iter()
            .map(|(name, _)| name)
            .chain(self.rename.keys().map(String::as_str));
        for property in sources {
            let Some(name) = self.crm_name(property) else {
                continue;
            };
            if let Some(err) = self.check_name(crm, property, &name) {
                if !errors.contains(&err) {
                    errors.push(err);
                }
                continue;
            }
            match seen.get(&name) {
                Some(other) if other != property => errors.push(NameError::new(
                    crm,
                    property,
                    &name,
                    NameRule::Collision {
                        with: other.clone(),
                    },
                )),
                Some(_) => {}
                None => {
                    seen.insert(name, property.to_owned());
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CrmError::InvalidPropertyNames { crm, errors })
        }
    }
}

/// Checks a CRM property name.
///
/// - HubSpot internal names: lowercase ASCII letters, digits and `_`, starting with a
///   letter, at most 100 characters.
/// - Salesforce field API names: ASCII letters, digits and `_`, starting with a letter,
///   no `__` and no trailing `_`; a custom field ends in `__c` and has at most 40
///   characters before it. A name without `__c` is taken as a standard field (`Email`)
///   and follows the same character rules. Namespaced names (`ns__Field__c`) are not
///   accepted.
///
/// ```
/// use pulsecheck::crm::{validate_name, Crm, NameRule};
///
/// assert!(validate_name(Crm::HubSpot, "pc_engagement_score").is_ok());
/// assert_eq!(validate_name(Crm::HubSpot, "2fa"), Err(NameRule::MustStartWithLetter { found: '2' }));
/// assert!(validate_name(Crm::Salesforce, "Engagement_Score__c").is_ok());
/// assert_eq!(validate_name(Crm::Salesforce, "pc__score__c"), Err(NameRule::DoubleUnderscore));
/// ```
pub fn validate_name(crm: Crm, name: &str) -> Result<(), NameRule> {
    match crm {
        Crm::HubSpot => validate_hubspot(name),
        Crm::Salesforce => validate_salesforce(name),
    }
}

fn first_letter(name: &str) -> Result<(), NameRule> {
    match name.chars().next() {
        None => Err(NameRule::Empty),
        Some(c) if c.is_ascii_alphabetic() => Ok(()),
        Some(found) => Err(NameRule::MustStartWithLetter { found }),
    }
}

fn validate_hubspot(name: &str) -> Result<(), NameRule> {
    first_letter(name)?;
    if let Some(found) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(NameRule::ForbiddenCharacter {
            found,
            allowed: "lowercase letters a-z, digits and `_`".into(),
        });
    }
    let len = name.chars().count();
    if len > 100 {
        return Err(NameRule::TooLong { max: 100, len });
    }
    Ok(())
}

fn validate_salesforce(name: &str) -> Result<(), NameRule> {
    let base = name.strip_suffix("__c").unwrap_or(name);
    first_letter(base)?;
    if let Some(found) = base
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(NameRule::ForbiddenCharacter {
            found,
            allowed: "letters, digits and `_`".into(),
        });
    }
    if base.contains("__") {
        return Err(NameRule::DoubleUnderscore);
    }
    if base.ends_with('_') {
        return Err(NameRule::TrailingUnderscore);
    }
    let len = base.chars().count();
    if len > 40 {
        return Err(NameRule::TooLong { max: 40, len });
    }
    Ok(())
}
