//! Salesforce: sObject Collections upsert by external id.
//!
//! `PATCH /services/data/vXX.X/composite/sobjects/{SObject}/{ExternalIdField}` with
//! `{"allOrNone":false,"records":[{"attributes":{"type":"Contact"},"<ExternalIdField>":"…",…}]}`,
//! at most 200 records per request, all of the SObject named in the path. Dates are
//! `YYYY-MM-DD`, datetimes ISO 8601 UTC with milliseconds, multi-select picklist
//! values joined with `;`; numbers and booleans are JSON numbers and booleans.
//!
//! The custom fields the records are written to must exist first:
//! [`Salesforce::field_definitions`] describes them as Metadata API `CustomField`s and
//! [`Salesforce::schema_requests`] as Tooling API requests
//! (`POST /services/data/vXX.X/tooling/sobjects/CustomField`, one per field).

use indexmap::IndexMap;
use rust_decimal::prelude::ToPrimitive;

use crate::crm::diff::Changeset;
use crate::crm::error::{Crm, CrmError};
use crate::crm::hubspot::check_changeset_names;
use crate::crm::naming::{PropertyMap, ToDefine, validate_name};
use crate::crm::request::{Coverage, Method, Request, RequestBody, chunk_ranges};
use crate::schema::{PropertyType, RecordKind, Schema};
use crate::value::{Value, format_datetime};

/// Salesforce's limit of records per sObject Collections request.
pub const SALESFORCE_MAX_BATCH: usize = 200;

/// Options of the Salesforce adapter.
///
/// ```
/// use pulsecheck::crm::SalesforceOptions;
///
/// let options = SalesforceOptions::new()
///     .with_api_version("v61.0").expect("vNN.N")
///     .with_contact_external_id("Pulse_User_Id__c");
/// assert_eq!(options.api_version(), "v61.0");
/// assert!(SalesforceOptions::new().with_api_version("61").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforceOptions {
    api_version: String,
    contact_sobject: String,
    account_sobject: String,
    contact_external_id: Option<String>,
    account_external_id: Option<String>,
    batch_size: usize,
    all_or_none: bool,
}

impl Default for SalesforceOptions {
    fn default() -> Self {
        SalesforceOptions {
            api_version: "v62.0".to_owned(),
            contact_sobject: "Contact".to_owned(),
            account_sobject: "Account".to_owned(),
            contact_external_id: None,
            account_external_id: None,
            batch_size: SALESFORCE_MAX_BATCH,
            all_or_none: false,
        }
    }
}

impl SalesforceOptions {
    /// API `v62.0`, `Contact` / `Account`, external id fields from the key, batches of
    /// 200, `allOrNone: false`.
    pub fn new() -> SalesforceOptions {
        SalesforceOptions::default()
    }

    /// The REST API version, `vNN.N`.
    pub fn with_api_version(mut self, version: &str) -> Result<SalesforceOptions, CrmError> {
        let ok = version
            .strip_prefix('v')
            .and_then(|v| v.split_once('.'))
            .is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.chars().all(|c| c.is_ascii_digit())
                    && b.chars().all(|c| c.is_ascii_digit())
            });
        if !ok {
            return Err(CrmError::InvalidOption {
                option: "api_version",
                value: version.to_owned(),
                fix: "write the version as in the REST path, e.g. `v62.0`",
            });
        }
        self.api_version = version.to_owned();
        Ok(self)
    }

    /// The SObject users become (default `Contact`; `Lead` or a custom object also work).
    pub fn with_contact_sobject(mut self, sobject: &str) -> Result<SalesforceOptions, CrmError> {
        self.contact_sobject = checked_sobject("contact_sobject", sobject)?;
        Ok(self)
    }

    /// The SObject accounts become (default `Account`).
    pub fn with_account_sobject(mut self, sobject: &str) -> Result<SalesforceOptions, CrmError> {
        self.account_sobject = checked_sobject("account_sobject", sobject)?;
        Ok(self)
    }

    /// The external id field contacts are upserted by (default: the CRM name of the
    /// key property under the property map, e.g. `pc_email__c`).
    #[must_use]
    pub fn with_contact_external_id(mut self, field: &str) -> SalesforceOptions {
        self.contact_external_id = Some(field.to_owned());
        self
    }

    /// The external id field accounts are upserted by (default: as for contacts).
    #[must_use]
    pub fn with_account_external_id(mut self, field: &str) -> SalesforceOptions {
        self.account_external_id = Some(field.to_owned());
        self
    }

    /// Records per request, 1 to 200.
    pub fn with_batch_size(mut self, size: usize) -> Result<SalesforceOptions, CrmError> {
        if !(1..=SALESFORCE_MAX_BATCH).contains(&size) {
            return Err(CrmError::InvalidOption {
                option: "batch_size",
                value: size.to_string(),
                fix: "sObject Collections take 1 to 200 records; use a value in 1..=200",
            });
        }
        self.batch_size = size;
        Ok(self)
    }

    /// Roll back the whole request when one record fails (default `false`).
    #[must_use]
    pub fn with_all_or_none(mut self, yes: bool) -> SalesforceOptions {
        self.all_or_none = yes;
        self
    }

    /// The API version.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// Records per request.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
}

fn checked_sobject(option: &'static str, sobject: &str) -> Result<String, CrmError> {
    match validate_name(Crm::Salesforce, sobject) {
        Ok(()) => Ok(sobject.to_owned()),
        Err(_) => Err(CrmError::InvalidOption {
            option,
            value: sobject.to_owned(),
            fix: "use an SObject API name such as `Contact`, `Account` or `Customer__c`",
        }),
    }
}

/// A field value in a Salesforce record body.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum SalesforceValue {
    /// `null` (clears the field; only when nulls are sent).
    Null,
    /// A checkbox.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number.
    Number(f64),
    /// Text, a date, a datetime or a `;`-joined multi-select value.
    Text(String),
}

/// Encodes a value for a Salesforce field; `None` for a non-finite number.
///
/// ```
/// use chrono::NaiveDate;
/// use pulsecheck::Value;
/// use pulsecheck::crm::{salesforce_value, SalesforceValue};
///
/// let day = NaiveDate::from_ymd_opt(2026, 10, 31).expect("valid date");
/// assert_eq!(salesforce_value(&Value::Date(day)), Some(SalesforceValue::Text("2026-10-31".into())));
/// assert_eq!(salesforce_value(&Value::Int(3)), Some(SalesforceValue::Int(3)));
/// assert_eq!(salesforce_value(&Value::Number(f64::NAN)), None);
/// ```
pub fn salesforce_value(value: &Value) -> Option<SalesforceValue> {
    Some(match value {
        Value::Null => SalesforceValue::Null,
        Value::Bool(b) => SalesforceValue::Bool(*b),
        Value::Int(i) => SalesforceValue::Int(*i),
        Value::Number(n) if n.is_finite() => SalesforceValue::Number(*n),
        Value::Number(_) => return None,
        Value::Decimal(d) => SalesforceValue::Number(d.to_f64()?),
        Value::Date(d) => SalesforceValue::Text(d.format("%Y-%m-%d").to_string()),
        Value::DateTime(t) => SalesforceValue::Text(format_datetime(t)),
        other => SalesforceValue::Text(other.to_string()),
    })
}

/// `engagement_score` → `Engagement Score` (Salesforce labels are title case).
fn salesforce_label(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `{"type": "Contact"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalesforceAttributes {
    #[serde(rename = "type")]
    sobject: String,
}

impl SalesforceAttributes {
    /// The SObject type.
    pub fn sobject(&self) -> &str {
        &self.sobject
    }
}

/// One record: its attributes, the external id field and the changed fields.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SalesforceRecord {
    attributes: SalesforceAttributes,
    #[serde(flatten)]
    fields: IndexMap<String, SalesforceValue>,
}

impl SalesforceRecord {
    /// The attributes map.
    pub fn attributes(&self) -> &SalesforceAttributes {
        &self.attributes
    }

    /// The fields, external id first.
    pub fn fields(&self) -> &IndexMap<String, SalesforceValue> {
        &self.fields
    }
}

/// The body of an sObject Collections upsert.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SalesforceUpsert {
    #[serde(rename = "allOrNone")]
    all_or_none: bool,
    records: Vec<SalesforceRecord>,
}

impl SalesforceUpsert {
    /// Whether one failure rolls back the request.
    pub fn all_or_none(&self) -> bool {
        self.all_or_none
    }

    /// The records (at most 200).
    pub fn records(&self) -> &[SalesforceRecord] {
        &self.records
    }
}

/// One picklist value of a [`SalesforceFieldMetadata`] value set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalesforcePicklistValue {
    #[serde(rename = "fullName")]
    full_name: String,
    label: String,
    default: bool,
}

/// The value set of a picklist: its values, restricted to them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalesforceValueSet {
    restricted: bool,
    #[serde(rename = "valueSetDefinition")]
    definition: SalesforceValueSetDefinition,
}

/// The values of a [`SalesforceValueSet`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalesforceValueSetDefinition {
    value: Vec<SalesforcePicklistValue>,
}

/// The Metadata API `CustomField` metadata of one field (as the Tooling API takes it
/// in `Metadata`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesforceFieldMetadata {
    label: String,
    #[serde(rename = "type")]
    field_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    precision: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scale: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    visible_lines: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value_set: Option<SalesforceValueSet>,
    external_id: bool,
    unique: bool,
}

/// A custom field to create: the body of
/// `POST /services/data/vXX.X/tooling/sobjects/CustomField`,
/// `{"FullName":"Contact.engagement_score__c","Metadata":{"label":…,"type":"Number",…}}`.
///
/// ```
/// use pulsecheck::{PropertyType, RecordKind, Schema};
/// use pulsecheck::crm::{PropertyMap, Salesforce, SalesforceOptions};
///
/// let schema = Schema::new(RecordKind::User)
///     .with("user_id", PropertyType::String)
///     .with("activated", PropertyType::Bool);
/// let fields = Salesforce::new(SalesforceOptions::new())
///     .field_definitions(&schema, &PropertyMap::salesforce())
///     .expect("valid names");
/// assert_eq!(fields[0].full_name(), "Contact.user_id__c");
/// assert!(fields[0].external_id());
/// assert_eq!((fields[1].name(), fields[1].field_type()), ("activated__c", "Checkbox"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SalesforceField {
    #[serde(rename = "FullName")]
    full_name: String,
    #[serde(rename = "Metadata")]
    metadata: SalesforceFieldMetadata,
}

impl SalesforceField {
    /// `SObject.Field__c`.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    /// The field's API name (what records carry).
    pub fn name(&self) -> &str {
        self.full_name
            .split_once('.')
            .map_or(self.full_name.as_str(), |(_, f)| f)
    }

    /// The Metadata API type: `Number`, `Text`, `LongTextArea`, `Checkbox`, `Picklist`,
    /// `Date` or `DateTime`.
    pub fn field_type(&self) -> &str {
        &self.metadata.field_type
    }

    /// Whether records are upserted by it (an external id with unique values).
    pub fn external_id(&self) -> bool {
        self.metadata.external_id
    }
}

/// Builds Salesforce requests from a changeset (diffed with a Salesforce property map,
/// e.g. [`PropertyMap::salesforce`](crate::crm::PropertyMap::salesforce)).
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::crm::{diff, DiffOptions, PropertyMap, Salesforce, SalesforceOptions, SyncState};
///
/// let schema = Arc::new(Schema::new(RecordKind::Account)
///     .with("domain", PropertyType::String)
///     .with("active_users", PropertyType::Int));
/// let mut acme = Record::new(schema, "acme");
/// acme.set("domain", "https://www.acme.com");
/// acme.set("active_users", 12);
///
/// let options = DiffOptions::new().with_properties(PropertyMap::salesforce().prefix("pc_"));
/// let changes = diff([&acme], &SyncState::new(), &options);
/// let requests = Salesforce::new(SalesforceOptions::new()).requests(&changes).expect("valid names");
/// // Keyed by account id (the record id here), upserted by the `pc_account_id__c` field.
/// assert_eq!(requests[0].path(), "/services/data/v62.0/composite/sobjects/Account/pc_account_id__c");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Salesforce {
    options: SalesforceOptions,
}

impl Salesforce {
    /// An adapter with these options.
    pub fn new(options: SalesforceOptions) -> Salesforce {
        Salesforce { options }
    }

    /// The options.
    pub fn options(&self) -> &SalesforceOptions {
        &self.options
    }

    fn sobject(&self, kind: RecordKind) -> &str {
        match kind {
            RecordKind::User => &self.options.contact_sobject,
            RecordKind::Account => &self.options.account_sobject,
        }
    }

    fn external_id<'a>(&'a self, changeset: &'a Changeset, kind: RecordKind) -> &'a str {
        let set = match kind {
            RecordKind::User => self.options.contact_external_id.as_deref(),
            RecordKind::Account => self.options.account_external_id.as_deref(),
        };
        set.unwrap_or_else(|| changeset.key_crm_name(kind))
    }

    /// The custom fields a schema's records are written to under `map` (the map given
    /// to [`diff`](crate::crm::diff()), e.g. [`PropertyMap::salesforce`]): one per
    /// selected property whose name ends in `__c`, plus the id field (`user_id` on
    /// contacts, `account_id` on accounts, selected or not), defined as an external id
    /// with unique values, which is what records are upserted by. A name without `__c`
    /// is a standard field the host mapped to on purpose (`Email`) and is not defined.
    /// Keying records by another field (email, domain) needs that field made an
    /// external id by the host.
    ///
    /// | schema type | field type |
    /// | --- | --- |
    /// | int | `Number` (18, 0) |
    /// | number, decimal | `Number` (18, 4) |
    /// | string, any, enum without options | `Text` (255) |
    /// | bool | `Checkbox` (default `false`) |
    /// | enum | `Picklist`, restricted to the options |
    /// | list | `LongTextArea` (32768; values joined with `;`) |
    /// | date, datetime | `Date`, `DateTime` |
    pub fn field_definitions(
        &self,
        schema: &Schema,
        map: &PropertyMap,
    ) -> Result<Vec<SalesforceField>, CrmError> {
        let sobject = self.sobject(schema.kind());
        let mut fields = Vec::new();
        for ToDefine {
            source,
            name,
            ty,
            is_id,
        } in map.to_define(Crm::Salesforce, schema)?
        {
            if !name.ends_with("__c") {
                continue;
            }
            let mut metadata = SalesforceFieldMetadata {
                label: salesforce_label(source),
                field_type: String::new(),
                length: None,
                precision: None,
                scale: None,
                visible_lines: None,
                default_value: None,
                value_set: None,
                external_id: is_id,
                unique: is_id,
            };
            let field_type = match ty {
                PropertyType::Int => {
                    (metadata.precision, metadata.scale) = (Some(18), Some(0));
                    "Number"
                }
                PropertyType::Number | PropertyType::Decimal => {
                    (metadata.precision, metadata.scale) = (Some(18), Some(4));
                    "Number"
                }
                PropertyType::Bool => {
                    metadata.default_value = Some("false".to_owned());
                    "Checkbox"
                }
                PropertyType::Enum(opts) if !opts.is_empty() => {
                    metadata.value_set = Some(SalesforceValueSet {
                        restricted: true,
                        definition: SalesforceValueSetDefinition {
                            value: opts
                                .iter()
                                .map(|o| SalesforcePicklistValue {
                                    full_name: o.to_string(),
                                    label: salesforce_label(o),
                                    default: false,
                                })
                                .collect(),
                        },
                    });
                    "Picklist"
                }
                PropertyType::StringList => {
                    (metadata.length, metadata.visible_lines) = (Some(32768), Some(3));
                    "LongTextArea"
                }
                PropertyType::Date => "Date",
                PropertyType::DateTime => "DateTime",
                _ => {
                    metadata.length = Some(255);
                    "Text"
                }
            };
            metadata.field_type = field_type.to_owned();
            fields.push(SalesforceField {
                full_name: format!("{sobject}.{name}"),
                metadata,
            });
        }
        Ok(fields)
    }

    /// The [`field_definitions`](Salesforce::field_definitions) as Tooling API
    /// requests, one `POST /services/data/vXX.X/tooling/sobjects/CustomField` per field
    /// (the host also grants its profiles access to the new fields). The `batch`
    /// example prints both kinds' with `--format salesforce-schema`.
    ///
    /// ```
    /// use pulsecheck::{PropertyType, RecordKind, Schema};
    /// use pulsecheck::crm::{PropertyMap, Salesforce, SalesforceOptions};
    ///
    /// let schema = Schema::new(RecordKind::Account).with("account_id", PropertyType::String);
    /// let requests = Salesforce::new(SalesforceOptions::new())
    ///     .schema_requests(&schema, &PropertyMap::salesforce())
    ///     .expect("valid names");
    /// assert_eq!(requests[0].path(), "/services/data/v62.0/tooling/sobjects/CustomField");
    /// ```
    pub fn schema_requests(
        &self,
        schema: &Schema,
        map: &PropertyMap,
    ) -> Result<Vec<Request>, CrmError> {
        let path = format!(
            "/services/data/{}/tooling/sobjects/CustomField",
            self.options.api_version
        );
        Ok(self
            .field_definitions(schema, map)?
            .into_iter()
            .map(|field| {
                Request::new(
                    Method::Post,
                    path.clone(),
                    RequestBody::SalesforceCustomField(field),
                    None,
                )
            })
            .collect())
    }

    /// One `PATCH` per batch of at most `batch_size` records, contacts first. A field
    /// named like the external id field is left out (the key is authoritative).
    ///
    /// Errors when a field name is not a valid Salesforce API name (all listed) or a
    /// number is not finite.
    pub fn requests(&self, changeset: &Changeset) -> Result<Vec<Request>, CrmError> {
        let kinds: Vec<RecordKind> = [RecordKind::User, RecordKind::Account]
            .into_iter()
            .filter(|k| !changeset.changes(*k).is_empty())
            .collect();
        let extra: Vec<&str> = kinds
            .iter()
            .map(|k| self.external_id(changeset, *k))
            .collect();
        check_changeset_names(Crm::Salesforce, changeset, &extra)?;

        let mut requests = Vec::new();
        for kind in kinds {
            let changes = changeset.changes(kind);
            let ext = self.external_id(changeset, kind);
            let sobject = self.sobject(kind);
            let path = format!(
                "/services/data/{}/composite/sobjects/{sobject}/{ext}",
                self.options.api_version
            );
            for range in chunk_ranges(changes.len(), self.options.batch_size) {
                let mut records = Vec::with_capacity(range.len());
                for change in &changes[range.clone()] {
                    let mut fields = IndexMap::with_capacity(change.properties().len() + 1);
                    fields.insert(
                        ext.to_owned(),
                        SalesforceValue::Text(change.key().to_owned()),
                    );
                    for p in change.properties() {
                        if p.name() == ext {
                            continue;
                        }
                        let v = salesforce_value(p.value()).ok_or_else(|| {
                            CrmError::NonFiniteNumber {
                                kind,
                                record: change.record_id().to_owned(),
                                property: p.name().to_owned(),
                                value: p.value().to_string(),
                            }
                        })?;
                        fields.insert(p.name().to_owned(), v);
                    }
                    records.push(SalesforceRecord {
                        attributes: SalesforceAttributes {
                            sobject: sobject.to_owned(),
                        },
                        fields,
                    });
                }
                requests.push(Request::new(
                    Method::Patch,
                    path.clone(),
                    RequestBody::SalesforceUpsert(SalesforceUpsert {
                        all_or_none: self.options.all_or_none,
                        records,
                    }),
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
}
