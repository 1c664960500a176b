//! HubSpot: batch update bodies and custom property definitions.
//!
//! Shapes follow HubSpot's CRM v3 API: `POST /crm/v3/objects/{contacts,companies}/batch/update`
//! with `{"inputs":[{"id":…,"idProperty":…,"properties":{…}}]}` (at most 100 inputs),
//! or `…/batch/upsert` (same body), and `POST /crm/v3/properties/{contacts,companies}/batch/create`
//! with `{"inputs":[{"name","label","type","fieldType","groupName","options","hasUniqueValue"}]}`
//! after `POST /crm/v3/properties/{contacts,companies}/groups` for their group.
//!
//! What HubSpot accepts, and what this adapter holds to:
//! - Records are matched (`idProperty`) only by a property HubSpot treats as unique:
//!   a custom property defined with `hasUniqueValue: true` holding our id (the
//!   default), a contact's `email` in upserts, or HubSpot's record id. A company's
//!   `domain` is not unique and is refused ([`CrmError::NonUniqueIdProperty`]).
//! - Every property sent is one [`HubSpot::property_definitions`] defines or a
//!   built-in mapped on purpose ([`PropertyMap::hubspot`], [`is_hubspot_builtin`]).
//! - Built-ins are never defined again; an enumeration always has options.
//!
//! Every property value is sent as a string: dates as the epoch milliseconds of
//! midnight UTC (HubSpot rejects any other time of day for `date` properties),
//! datetimes as epoch milliseconds, booleans `"true"`/`"false"`, lists joined with `;`
//! (HubSpot's separator for multi-value enumerations).

use chrono::NaiveTime;
use indexmap::IndexMap;

use crate::crm::diff::Changeset;
use crate::crm::error::{Crm, CrmError, NameError};
use crate::crm::identity::{CompanyKey, ContactKey};
use crate::crm::naming::{PropertyMap, ToDefine, validate_name};
use crate::crm::request::{Coverage, Method, Request, RequestBody, chunk_ranges};
use crate::schema::{PropertyType, RecordKind, Schema};
use crate::value::Value;

/// HubSpot's limit of inputs per batch request.
pub const HUBSPOT_MAX_BATCH: usize = 100;

/// Which property HubSpot matches the `id` of a batch input against.
///
/// HubSpot matches only by a property whose values are unique. `email` is that for
/// contacts in `batch/upsert` (HubSpot documents it there, and refuses it in
/// `batch/update` as a non-unique property); `domain` never is for companies. Both are
/// refused where HubSpot would refuse them ([`CrmError::NonUniqueIdProperty`]).
///
/// ```
/// use pulsecheck::crm::IdProperty;
///
/// assert_eq!(IdProperty::default(), IdProperty::Auto);
/// let own = IdProperty::Property("acme_user_id".into()); // a unique property the host made
/// assert_ne!(own, IdProperty::RecordId);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdProperty {
    /// From the key: for id keys (the default) the CRM name of `user_id` /
    /// `account_id` under the property map (`pulsecheck_user_id` /
    /// `pulsecheck_account_id` under [`PropertyMap::hubspot`], defined with unique
    /// values by [`HubSpot::property_definitions`]); `email` for contacts keyed by
    /// email (upserts only); an error for companies keyed by domain.
    #[default]
    Auto,
    /// The key is HubSpot's own record id: `idProperty` is omitted.
    RecordId,
    /// A named property the host defined with unique values (`email` for contacts
    /// in upserts; never `domain`).
    Property(String),
}

/// Options of the HubSpot adapter.
///
/// ```
/// use pulsecheck::crm::{HubSpotOptions, IdProperty};
///
/// let options = HubSpotOptions::new()
///     .with_batch_size(50).expect("1..=100")
///     .with_company_id_property(IdProperty::Property("pc_account_id".into()))
///     .with_group_name("product_usage")
///     .with_list_options("segments", ["at_risk", "champion"]);
/// assert_eq!(options.batch_size(), 50);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HubSpotOptions {
    batch_size: usize,
    contact_id_property: IdProperty,
    company_id_property: IdProperty,
    upsert: bool,
    group_name: String,
    list_options: IndexMap<String, Vec<String>>,
}

impl Default for HubSpotOptions {
    fn default() -> Self {
        HubSpotOptions {
            batch_size: HUBSPOT_MAX_BATCH,
            contact_id_property: IdProperty::Auto,
            company_id_property: IdProperty::Auto,
            upsert: false,
            group_name: "pulsecheck".to_owned(),
            list_options: IndexMap::new(),
        }
    }
}

impl HubSpotOptions {
    /// Batches of 100, `idProperty` from the key, `batch/update`, group `pulsecheck`.
    pub fn new() -> HubSpotOptions {
        HubSpotOptions::default()
    }

    /// Inputs per request, 1 to 100.
    pub fn with_batch_size(mut self, size: usize) -> Result<HubSpotOptions, CrmError> {
        if !(1..=HUBSPOT_MAX_BATCH).contains(&size) {
            return Err(CrmError::InvalidOption {
                option: "batch_size",
                value: size.to_string(),
                fix: "HubSpot batch requests take 1 to 100 inputs; use a value in 1..=100",
            });
        }
        self.batch_size = size;
        Ok(self)
    }

    /// How contacts are matched (see [`IdProperty`]).
    #[must_use]
    pub fn with_contact_id_property(mut self, id: IdProperty) -> HubSpotOptions {
        self.contact_id_property = id;
        self
    }

    /// How companies are matched (see [`IdProperty`]).
    #[must_use]
    pub fn with_company_id_property(mut self, id: IdProperty) -> HubSpotOptions {
        self.company_id_property = id;
        self
    }

    /// Use `…/batch/upsert` (create missing records) instead of `…/batch/update`;
    /// needs a unique `idProperty`.
    #[must_use]
    pub fn with_upsert(mut self, yes: bool) -> HubSpotOptions {
        self.upsert = yes;
        self
    }

    /// The property group of generated definitions.
    #[must_use]
    pub fn with_group_name(mut self, group: &str) -> HubSpotOptions {
        self.group_name = group.to_owned();
        self
    }

    /// The options of a list property (e.g. `segments`, `features_used`), so its
    /// definition is a multiple-checkbox enumeration; without them a list property is
    /// defined as text holding `;`-joined values.
    #[must_use]
    pub fn with_list_options<I, S>(mut self, property: &str, options: I) -> HubSpotOptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.list_options.insert(
            property.to_owned(),
            options.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Inputs per request.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
}

/// One input of a batch update: the record's id, how to match it, its properties.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubSpotInput {
    id: String,
    #[serde(
        rename = "idProperty",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    id_property: Option<String>,
    properties: IndexMap<String, String>,
}

impl HubSpotInput {
    /// The key value.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The unique property `id` is matched against; `None` for HubSpot record ids.
    pub fn id_property(&self) -> Option<&str> {
        self.id_property.as_deref()
    }

    /// The encoded property values.
    pub fn properties(&self) -> &IndexMap<String, String> {
        &self.properties
    }
}

/// The body of `POST /crm/v3/objects/{object}/batch/update`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubSpotBatchUpdate {
    inputs: Vec<HubSpotInput>,
}

impl HubSpotBatchUpdate {
    /// The inputs (at most 100).
    pub fn inputs(&self) -> &[HubSpotInput] {
        &self.inputs
    }
}

/// One option of an enumeration property.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubSpotOption {
    label: String,
    value: String,
    #[serde(rename = "displayOrder")]
    display_order: i32,
    hidden: bool,
}

impl HubSpotOption {
    /// The label shown in HubSpot.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The stored value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// A custom property definition for `POST /crm/v3/properties/{object}`.
///
/// ```
/// use pulsecheck::{PropertyType, RecordKind, Schema};
/// use pulsecheck::crm::{HubSpot, HubSpotOptions, PropertyMap};
///
/// let schema = Schema::new(RecordKind::User)
///     .with("activated", PropertyType::Bool)
///     .with("lifecycle_stage", PropertyType::enumeration(["new", "active"]));
/// let defs = HubSpot::new(HubSpotOptions::new())
///     .property_definitions(&schema, &PropertyMap::all().prefix("pc_"))
///     .expect("valid names");
/// assert_eq!(defs[0].name(), "pc_activated");
/// assert_eq!((defs[0].property_type(), defs[0].field_type()), ("enumeration", "booleancheckbox"));
/// assert_eq!(defs[1].options()[1].value(), "active");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubSpotProperty {
    name: String,
    label: String,
    #[serde(rename = "type")]
    property_type: String,
    #[serde(rename = "fieldType")]
    field_type: String,
    #[serde(rename = "groupName")]
    group_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    options: Vec<HubSpotOption>,
    #[serde(
        rename = "hasUniqueValue",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
    has_unique_value: bool,
}

impl HubSpotProperty {
    /// The internal name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// `string`, `number`, `date`, `datetime` or `enumeration`.
    pub fn property_type(&self) -> &str {
        &self.property_type
    }

    /// `text`, `textarea`, `number`, `date`, `select`, `checkbox` or `booleancheckbox`.
    pub fn field_type(&self) -> &str {
        &self.field_type
    }

    /// The property group.
    pub fn group_name(&self) -> &str {
        &self.group_name
    }

    /// The options of an enumeration (never empty for one).
    pub fn options(&self) -> &[HubSpotOption] {
        &self.options
    }

    /// Whether HubSpot keeps the values unique (the id properties records are
    /// matched by); it cannot be changed once the property exists.
    pub fn has_unique_value(&self) -> bool {
        self.has_unique_value
    }
}

/// The body of `POST /crm/v3/properties/{object}/groups`: the group the definitions
/// are created in, which must exist first.
///
/// ```
/// use pulsecheck::{RecordKind, Schema};
/// use pulsecheck::crm::{HubSpot, HubSpotOptions, PropertyMap, RequestBody};
///
/// let schema = Schema::new(RecordKind::User);
/// let requests = HubSpot::new(HubSpotOptions::new())
///     .schema_requests(&schema, &PropertyMap::hubspot())
///     .expect("valid names");
/// let RequestBody::HubSpotPropertyGroup(group) = requests[0].body() else { panic!() };
/// assert_eq!((group.name(), group.label()), ("pulsecheck", "Pulsecheck"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubSpotPropertyGroup {
    name: String,
    label: String,
    #[serde(rename = "displayOrder")]
    display_order: i32,
}

impl HubSpotPropertyGroup {
    /// The internal group name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The label.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// The body of `POST /crm/v3/properties/{object}/batch/create`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubSpotPropertyBatch {
    inputs: Vec<HubSpotProperty>,
}

impl HubSpotPropertyBatch {
    /// The definitions.
    pub fn inputs(&self) -> &[HubSpotProperty] {
        &self.inputs
    }
}

/// Encodes a value as HubSpot expects it in `properties`; `None` for a non-finite
/// number (no CRM accepts it).
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use pulsecheck::Value;
/// use pulsecheck::crm::hubspot_value;
///
/// let day = NaiveDate::from_ymd_opt(2015, 5, 1).expect("valid date");
/// assert_eq!(hubspot_value(&Value::Date(day)).as_deref(), Some("1430438400000"));
/// let t = Utc.timestamp_millis_opt(1427997766000).single().expect("valid instant");
/// assert_eq!(hubspot_value(&Value::DateTime(t)).as_deref(), Some("1427997766000"));
/// assert_eq!(hubspot_value(&Value::Bool(true)).as_deref(), Some("true"));
/// assert_eq!(hubspot_value(&Value::string_list(["a", "b"])).as_deref(), Some("a;b"));
/// assert_eq!(hubspot_value(&Value::Null).as_deref(), Some(""));
/// ```
pub fn hubspot_value(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Number(n) if !n.is_finite() => None,
        Value::Date(d) => Some(
            d.and_time(NaiveTime::MIN)
                .and_utc()
                .timestamp_millis()
                .to_string(),
        ),
        Value::DateTime(t) => Some(t.timestamp_millis().to_string()),
        Value::List(items)
            if items
                .iter()
                .any(|i| matches!(i, Value::Number(n) if !n.is_finite())) =>
        {
            None
        }
        other => Some(other.to_string()),
    }
}

/// HubSpot's own contact properties that the crate may write to (under
/// [`PropertyMap::hubspot`] or a host's [`PropertyMap::rename`]) and never defines.
const CONTACT_BUILTINS: &[&str] = &[
    "address",
    "city",
    "company",
    "country",
    "createdate",
    "email",
    "fax",
    "firstname",
    "industry",
    "jobtitle",
    "lastmodifieddate",
    "lastname",
    "lifecyclestage",
    "mobilephone",
    "phone",
    "salutation",
    "state",
    "website",
    "zip",
];

/// HubSpot's own company properties, likewise.
const COMPANY_BUILTINS: &[&str] = &[
    "address",
    "annualrevenue",
    "city",
    "country",
    "createdate",
    "description",
    "domain",
    "industry",
    "lifecyclestage",
    "name",
    "numberofemployees",
    "phone",
    "state",
    "type",
    "website",
    "zip",
];

/// Whether a property name is one of HubSpot's own properties of the object a record
/// kind becomes: `email`, `firstname`, `lastname`… on contacts, `name`, `domain`… on
/// companies, and every `hs_` name (reserved for HubSpot). Such a property is written
/// to as it is and never defined by [`HubSpot::property_definitions`].
///
/// ```
/// use pulsecheck::RecordKind;
/// use pulsecheck::crm::is_hubspot_builtin;
///
/// assert!(is_hubspot_builtin(RecordKind::User, "email"));
/// assert!(is_hubspot_builtin(RecordKind::Account, "domain"));
/// assert!(is_hubspot_builtin(RecordKind::Account, "hs_object_id"));
/// assert!(!is_hubspot_builtin(RecordKind::User, "domain"));
/// assert!(!is_hubspot_builtin(RecordKind::User, "engagement_score"));
/// ```
pub fn is_hubspot_builtin(kind: RecordKind, name: &str) -> bool {
    let list = match kind {
        RecordKind::User => CONTACT_BUILTINS,
        RecordKind::Account => COMPANY_BUILTINS,
    };
    name.starts_with("hs_") || list.contains(&name)
}

fn object_plural(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::User => "contacts",
        RecordKind::Account => "companies",
    }
}

/// `engagement_score` → `Engagement score`.
fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn options_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<HubSpotOption> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| HubSpotOption {
            label: humanize(v),
            value: v.to_owned(),
            display_order: i32::try_from(i).unwrap_or(i32::MAX),
            hidden: false,
        })
        .collect()
}

/// Checks every distinct CRM name of a changeset once.
pub(crate) fn check_changeset_names(
    crm: Crm,
    changeset: &Changeset,
    extra: &[&str],
) -> Result<(), CrmError> {
    let mut checked = std::collections::HashSet::new();
    let mut errors = Vec::new();
    let names = changeset
        .iter()
        .flat_map(|c| c.properties().iter().map(|p| p.name()));
    for name in names.chain(extra.iter().copied()) {
        if checked.insert(name)
            && let Err(rule) = validate_name(crm, name)
        {
            errors.push(NameError::new(crm, name, name, rule));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CrmError::InvalidPropertyNames { crm, errors })
    }
}

/// Builds HubSpot requests from a changeset.
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::crm::{diff, DiffOptions, HubSpot, HubSpotOptions, SyncState};
///
/// let schema = Arc::new(Schema::new(RecordKind::User)
///     .with("email", PropertyType::String)
///     .with("engagement_score", PropertyType::Int));
/// let mut ana = Record::new(schema, "u1");
/// ana.set("email", "Ana@Acme.com");
/// ana.set("engagement_score", 73);
///
/// let mut state = SyncState::new();
/// let changes = diff([&ana], &state, &DiffOptions::new());
/// let requests = HubSpot::new(HubSpotOptions::new()).requests(&changes).expect("valid names");
/// assert_eq!(requests[0].path(), "/crm/v3/objects/contacts/batch/update");
/// for request in &requests {
///     // … send it; on success:
///     state.confirm_request(&changes, request).expect("built from `changes`");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HubSpot {
    options: HubSpotOptions,
}

impl HubSpot {
    /// An adapter with these options.
    pub fn new(options: HubSpotOptions) -> HubSpot {
        HubSpot { options }
    }

    /// The options.
    pub fn options(&self) -> &HubSpotOptions {
        &self.options
    }

    /// The path of the batch endpoint for an object kind.
    pub fn batch_path(&self, kind: RecordKind) -> String {
        let op = if self.options.upsert {
            "upsert"
        } else {
            "update"
        };
        format!("/crm/v3/objects/{}/batch/{op}", object_plural(kind))
    }

    /// The `idProperty` of a kind's inputs (`None`: HubSpot record ids), refusing the
    /// properties HubSpot does not match by.
    fn id_property(
        &self,
        changeset: &Changeset,
        kind: RecordKind,
    ) -> Result<Option<String>, CrmError> {
        let setting = match kind {
            RecordKind::User => &self.options.contact_id_property,
            RecordKind::Account => &self.options.company_id_property,
        };
        let property = match setting {
            IdProperty::RecordId => return Ok(None),
            IdProperty::Property(p) => p.clone(),
            IdProperty::Auto => match kind {
                RecordKind::User if changeset.contact_key() == ContactKey::Email => {
                    "email".to_owned()
                }
                RecordKind::Account if changeset.company_key() == CompanyKey::Domain => {
                    "domain".to_owned()
                }
                _ => changeset.key_crm_name(kind).to_owned(),
            },
        };
        let refuse = |why, fix| {
            Err(CrmError::NonUniqueIdProperty {
                crm: Crm::HubSpot,
                kind,
                property: property.clone(),
                why,
                fix,
            })
        };
        match (kind, property.as_str()) {
            (RecordKind::Account, "domain") => refuse(
                "HubSpot does not keep company domains unique",
                "key companies by account id (`CompanyKey::AccountId`, the default) and define `pulsecheck_account_id` with `HubSpot::schema_requests`",
            ),
            (RecordKind::User, "email") if !self.options.upsert => refuse(
                "HubSpot matches contacts by email in batch upserts only",
                "turn on `HubSpotOptions::upsert`, or key contacts by user id (`ContactKey::UserId`, the default)",
            ),
            _ => Ok(Some(property)),
        }
    }

    /// One request per batch of at most `batch_size` records, contacts first, each
    /// carrying only the changed properties. A property named like the `idProperty`
    /// is left out of `properties` (the id is authoritative).
    ///
    /// Errors when a property name is not a valid HubSpot internal name (all listed),
    /// when a number is not finite, when upserting by HubSpot record id, or when the
    /// `idProperty` would be one HubSpot does not match by (a company's `domain`; a
    /// contact's `email` outside upserts).
    pub fn requests(&self, changeset: &Changeset) -> Result<Vec<Request>, CrmError> {
        let mut id_props = Vec::new();
        for kind in [RecordKind::User, RecordKind::Account] {
            if changeset.changes(kind).is_empty() {
                continue;
            }
            let id_prop = self.id_property(changeset, kind)?;
            if self.options.upsert && id_prop.is_none() {
                return Err(CrmError::InvalidOption {
                    option: "upsert",
                    value: "true".to_owned(),
                    fix: "HubSpot upserts match on a unique property; set an id property other than RecordId",
                });
            }
            id_props.push((kind, id_prop));
        }
        let extra: Vec<&str> = id_props.iter().filter_map(|(_, p)| p.as_deref()).collect();
        check_changeset_names(Crm::HubSpot, changeset, &extra)?;

        let mut requests = Vec::new();
        for (kind, id_prop) in id_props {
            let changes = changeset.changes(kind);
            for range in chunk_ranges(changes.len(), self.options.batch_size) {
                let mut inputs = Vec::with_capacity(range.len());
                for change in &changes[range.clone()] {
                    let mut properties = IndexMap::with_capacity(change.properties().len());
                    for p in change.properties() {
                        if id_prop.as_deref() == Some(p.name()) {
                            continue;
                        }
                        let encoded =
                            hubspot_value(p.value()).ok_or_else(|| CrmError::NonFiniteNumber {
                                kind,
                                record: change.record_id().to_owned(),
                                property: p.name().to_owned(),
                                value: p.value().to_string(),
                            })?;
                        properties.insert(p.name().to_owned(), encoded);
                    }
                    inputs.push(HubSpotInput {
                        id: change.key().to_owned(),
                        id_property: id_prop.clone(),
                        properties,
                    });
                }
                requests.push(Request::new(
                    Method::Post,
                    self.batch_path(kind),
                    RequestBody::HubSpotBatchUpdate(HubSpotBatchUpdate { inputs }),
                    Some(Coverage {
                        changeset: changeset.id(),
                        kind,
                        indices: range.collect(),
                    }),
                ));
            }
        }
        Ok(requests)
    }

    /// The custom property definitions for a schema under the names of `map` (the map
    /// given to [`diff`](crate::crm::diff()), e.g. [`PropertyMap::hubspot`]): one per
    /// selected property, plus the id property (`user_id` on contacts, `account_id` on
    /// companies) even when it is not selected, as it is what records are matched by.
    ///
    /// - The id property is defined with `hasUniqueValue: true`.
    /// - A property whose HubSpot name is a built-in ([`is_hubspot_builtin`]: `email`,
    ///   `firstname`, `name`, `domain`…) is not defined: it exists in every portal.
    /// - An enumeration without options (`next_action` when no action of that kind is
    ///   configured) is defined as text, which HubSpot accepts without options.
    ///
    /// | schema type | `type` | `fieldType` |
    /// | --- | --- | --- |
    /// | int, number, decimal | `number` | `number` |
    /// | string, any | `string` | `text` |
    /// | bool | `enumeration` | `booleancheckbox` (options `true` / `false`) |
    /// | enum with options | `enumeration` | `select` |
    /// | enum without options | `string` | `text` |
    /// | list with [`HubSpotOptions::with_list_options`] | `enumeration` | `checkbox` |
    /// | list without | `string` | `textarea` |
    /// | date | `date` | `date` |
    /// | datetime | `datetime` | `date` |
    ///
    /// ```
    /// use pulsecheck::{PropertyType, RecordKind, Schema};
    /// use pulsecheck::crm::{HubSpot, HubSpotOptions, PropertyMap};
    ///
    /// let schema = Schema::new(RecordKind::Account)
    ///     .with("account_id", PropertyType::String)
    ///     .with("domain", PropertyType::String)
    ///     .with("next_action", PropertyType::enumeration(Vec::<String>::new()));
    /// let defs = HubSpot::new(HubSpotOptions::new())
    ///     .property_definitions(&schema, &PropertyMap::hubspot())
    ///     .expect("valid names");
    /// assert_eq!(defs.len(), 2); // `domain` is HubSpot's own
    /// assert_eq!(defs[0].name(), "pulsecheck_account_id");
    /// assert!(defs[0].has_unique_value());
    /// assert_eq!((defs[1].property_type(), defs[1].field_type()), ("string", "text"));
    /// ```
    pub fn property_definitions(
        &self,
        schema: &Schema,
        map: &PropertyMap,
    ) -> Result<Vec<HubSpotProperty>, CrmError> {
        let kind = schema.kind();
        let mut defs = Vec::new();
        for ToDefine {
            source,
            name,
            ty,
            is_id,
        } in map.to_define(Crm::HubSpot, schema)?
        {
            if is_hubspot_builtin(kind, &name) {
                continue;
            }
            let (property_type, field_type, options) = match ty {
                PropertyType::Int | PropertyType::Number | PropertyType::Decimal => {
                    ("number", "number", Vec::new())
                }
                PropertyType::Bool => (
                    "enumeration",
                    "booleancheckbox",
                    vec![
                        HubSpotOption {
                            label: "Yes".into(),
                            value: "true".into(),
                            display_order: 0,
                            hidden: false,
                        },
                        HubSpotOption {
                            label: "No".into(),
                            value: "false".into(),
                            display_order: 1,
                            hidden: false,
                        },
                    ],
                ),
                PropertyType::Enum(opts) if !opts.is_empty() => (
                    "enumeration",
                    "select",
                    options_of(opts.iter().map(|o| &**o)),
                ),
                PropertyType::StringList => match self.options.list_options.get(source) {
                    Some(opts) if !opts.is_empty() => (
                        "enumeration",
                        "checkbox",
                        options_of(opts.iter().map(String::as_str)),
                    ),
                    _ => ("string", "textarea", Vec::new()),
                },
                PropertyType::Date => ("date", "date", Vec::new()),
                PropertyType::DateTime => ("datetime", "date", Vec::new()),
                _ => ("string", "text", Vec::new()),
            };
            defs.push(HubSpotProperty {
                name,
                label: humanize(source),
                property_type: property_type.to_owned(),
                field_type: field_type.to_owned(),
                group_name: self.options.group_name.clone(),
                options,
                has_unique_value: is_id,
            });
        }
        Ok(defs)
    }

    /// Everything a portal needs before it takes this schema's records, as requests
    /// to send once, in order: `POST /crm/v3/properties/{object}/groups` for the
    /// property group ([`HubSpotOptions::with_group_name`]; a `409 Conflict` answer means it
    /// exists already), then the [`property_requests`](HubSpot::property_requests).
    /// The `batch` example prints both kinds' with `--format hubspot-schema`.
    ///
    /// ```
    /// use pulsecheck::{PropertyType, RecordKind, Schema};
    /// use pulsecheck::crm::{HubSpot, HubSpotOptions, PropertyMap};
    ///
    /// let schema = Schema::new(RecordKind::User)
    ///     .with("user_id", PropertyType::String)
    ///     .with("engagement_score", PropertyType::Int);
    /// let requests = HubSpot::new(HubSpotOptions::new())
    ///     .schema_requests(&schema, &PropertyMap::hubspot())
    ///     .expect("valid names");
    /// assert_eq!(requests[0].path(), "/crm/v3/properties/contacts/groups");
    /// assert_eq!(requests[1].path(), "/crm/v3/properties/contacts/batch/create");
    /// ```
    pub fn schema_requests(
        &self,
        schema: &Schema,
        map: &PropertyMap,
    ) -> Result<Vec<Request>, CrmError> {
        let group = HubSpotPropertyGroup {
            name: self.options.group_name.clone(),
            label: humanize(&self.options.group_name),
            display_order: -1,
        };
        let mut requests = vec![Request::new(
            Method::Post,
            format!("/crm/v3/properties/{}/groups", object_plural(schema.kind())),
            RequestBody::HubSpotPropertyGroup(group),
            None,
        )];
        requests.extend(self.property_requests(schema, map)?);
        Ok(requests)
    }

    /// The definitions as `POST /crm/v3/properties/{object}/batch/create` requests
    /// (at most 100 definitions each).
    pub fn property_requests(
        &self,
        schema: &Schema,
        map: &PropertyMap,
    ) -> Result<Vec<Request>, CrmError> {
        let defs = self.property_definitions(schema, map)?;
        let path = format!(
            "/crm/v3/properties/{}/batch/create",
            object_plural(schema.kind())
        );
        Ok(chunk_ranges(defs.len(), HUBSPOT_MAX_BATCH)
            .map(|range| {
                Request::new(
                    Method::Post,
                    path.clone(),
                    RequestBody::HubSpotProperties(HubSpotPropertyBatch {
                        inputs: defs[range].to_vec(),
                    }),
                    None,
                )
            })
            .collect())
    }
}
