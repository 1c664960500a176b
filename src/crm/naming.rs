//! Which properties are sent, under which CRM names, and whether those names are legal.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;

use crate::crm::error::{Crm, CrmError, NameError, NameRule};
use crate::crm::identity::{CompanyKey, ContactKey};
use crate::schema::{PropertyType, RecordKind, Schema};

/// One property a CRM definition is made for: source name, CRM name, type, and
/// whether it is the id property records are matched by.
pub(crate) struct ToDefine<'s> {
    pub(crate) source: &'s str,
    pub(crate) name: String,
    pub(crate) ty: &'s PropertyType,
    pub(crate) is_id: bool,
}

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

/// The HubSpot contact property [`PropertyMap::hubspot`] sends the user id to: a custom
/// property defined with unique values, used as `idProperty` when contacts are keyed by
/// id.
pub const HUBSPOT_USER_ID_PROPERTY: &str = "pulsecheck_user_id";

/// The HubSpot company property [`PropertyMap::hubspot`] sends the account id to: a
/// custom property defined with unique values, used as `idProperty` when companies are
/// keyed by id (the default).
pub const HUBSPOT_ACCOUNT_ID_PROPERTY: &str = "pulsecheck_account_id";

/// Selection and renaming of properties for one CRM destination.
///
/// The CRM name of a source property is its explicit mapping when there is one (used
/// verbatim: it may target an existing CRM field such as Salesforce's `Email`), else
/// `prefix + name + suffix`. [`PropertyMap::hubspot`] maps to HubSpot's built-in
/// properties and to the unique id properties; [`PropertyMap::salesforce`] starts with
/// the `__c` suffix of Salesforce custom fields. Both send only the properties of the
/// record's schema ([`PropertyMap::schema_only`]), the ones the CRM definitions
/// describe.
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
    schema_only: bool,
}

impl PropertyMap {
    /// Every property, names unchanged (HubSpot-style).
    pub fn all() -> PropertyMap {
        PropertyMap::default()
    }

    /// What a HubSpot portal set up by
    /// [`HubSpot::schema_requests`](crate::crm::HubSpot::schema_requests) accepts: every
    /// property of the record's schema (passed-through traits are left out, as nothing
    /// defines them), under its own name except for
    ///
    /// | source | HubSpot property |
    /// | --- | --- |
    /// | `user_id` | [`HUBSPOT_USER_ID_PROPERTY`] (`pulsecheck_user_id`, unique values) |
    /// | `account_id` | [`HUBSPOT_ACCOUNT_ID_PROPERTY`] (`pulsecheck_account_id`; unique on companies) |
    /// | `first_name`, `last_name` | built-ins `firstname`, `lastname` |
    /// | `email` (contacts), `name`, `domain` (companies) | the built-ins of the same name |
    ///
    /// A [`prefix`](PropertyMap::prefix) applies to the other properties only; a
    /// [`rename`](PropertyMap::rename) of `user_id` or `account_id` names the unique id
    /// property differently.
    ///
    /// ```
    /// use pulsecheck::crm::PropertyMap;
    ///
    /// let map = PropertyMap::hubspot().prefix("pc_");
    /// assert_eq!(map.crm_name("first_name").as_deref(), Some("firstname"));
    /// assert_eq!(map.crm_name("user_id").as_deref(), Some("pulsecheck_user_id"));
    /// assert_eq!(map.crm_name("engagement_score").as_deref(), Some("pc_engagement_score"));
    /// assert!(map.is_schema_only());
    /// ```
    pub fn hubspot() -> PropertyMap {
        PropertyMap::all()
            .rename("user_id", HUBSPOT_USER_ID_PROPERTY)
            .rename("account_id", HUBSPOT_ACCOUNT_ID_PROPERTY)
            .rename("email", "email")
            .rename("first_name", "firstname")
            .rename("last_name", "lastname")
            .rename("name", "name")
            .rename("domain", "domain")
            .schema_only(true)
    }

    /// Every property of the record's schema, names suffixed with `__c` (Salesforce
    /// custom fields); passed-through traits are left out, as no field definition
    /// describes them.
    pub fn salesforce() -> PropertyMap {
        PropertyMap {
            suffix: "__c".to_owned(),
            schema_only: true,
            ..PropertyMap::default()
        }
    }

    /// Whether only the properties of a record's schema are sent (`true`), or also the
    /// traits passed through beyond it (`false`, the default of [`PropertyMap::all`]).
    /// A CRM refuses a property it has no definition for, and the definitions
    /// ([`HubSpot::property_definitions`](crate::crm::HubSpot::property_definitions),
    /// [`Salesforce::field_definitions`](crate::crm::Salesforce::field_definitions))
    /// come from the schema: send traits only to a CRM where the host defined them.
    ///
    /// ```
    /// use pulsecheck::crm::PropertyMap;
    ///
    /// assert!(!PropertyMap::all().is_schema_only());
    /// assert!(PropertyMap::all().schema_only(true).is_schema_only());
    /// ```
    #[must_use]
    pub fn schema_only(mut self, yes: bool) -> PropertyMap {
        self.schema_only = yes;
        self
    }

    /// Whether passed-through traits are left out (see [`PropertyMap::schema_only`]).
    pub fn is_schema_only(&self) -> bool {
        self.schema_only
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

    /// The CRM name of a passed-through trait (outside the record's schema); `None`
    /// when it is not selected or the map is [`schema_only`](PropertyMap::schema_only).
    pub(crate) fn trait_crm_name(&self, property: &str) -> Option<String> {
        if self.schema_only {
            return None;
        }
        self.crm_name(property)
    }

    /// Feeds the CRM name of a selected passed-through trait to `f` without allocating
    /// (the diff hashes trait names this way for every record); `false` when not
    /// selected or the map is [`schema_only`](PropertyMap::schema_only).
    pub(crate) fn with_trait_crm_name_parts(
        &self,
        property: &str,
        f: impl FnOnce(&[&str]),
    ) -> bool {
        if self.schema_only || !self.selection.includes(property) {
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

    /// The properties of a schema that get a CRM definition, after validating the
    /// names: every selected one, and the id property (`user_id` of users,
    /// `account_id` of accounts) selected or not, as records are matched by it.
    pub(crate) fn to_define<'s>(
        &self,
        crm: Crm,
        schema: &'s Schema,
    ) -> Result<Vec<ToDefine<'s>>, CrmError> {
        self.validate(crm, schema)?;
        let id_source = match schema.kind() {
            RecordKind::User => ContactKey::UserId.property(),
            RecordKind::Account => CompanyKey::AccountId.property(),
        };
        let every = self.clone().select(PropertySelection::All);
        Ok(schema
            .iter()
            .filter_map(|(source, ty)| {
                let is_id = source == id_source;
                let map = if is_id { &every } else { self };
                map.crm_name(source).map(|name| ToDefine {
                    source,
                    name,
                    ty,
                    is_id,
                })
            })
            .collect())
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
/// assert!(matches!(
///     validate_name(Crm::HubSpot, "2fa"),
///     Err(NameRule::MustStartWithLetter { found: '2', .. })
/// ));
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
