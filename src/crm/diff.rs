//! Change detection: which records and which properties differ from the last confirmed
//! send.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::crm::fingerprint::{self, Fp, FpBuild, key_fp};
use crate::crm::identity::{CompanyKey, ContactKey, email_key, normalize_domain};
use crate::crm::naming::PropertyMap;
use crate::crm::sync_state::{KindState, RecordState, SyncState};
use crate::record::Record;
use crate::schema::{RecordKind, Schema};
use crate::value::Value;

/// Options of [`diff`]: record keys, properties sent and their CRM names, nulls.
///
/// ```
/// use pulsecheck::crm::{CompanyKey, ContactKey, DiffOptions, PropertyMap};
///
/// let options = DiffOptions::new()
///     .with_contact_key(ContactKey::UserId)
///     .with_company_key(CompanyKey::AccountId)
///     .with_properties(PropertyMap::all().prefix("pc_"))
///     .with_send_nulls(true);
/// assert_eq!(options.contact_key(), ContactKey::UserId);
/// assert!(options.send_nulls());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiffOptions {
    contact_key: ContactKey,
    company_key: CompanyKey,
    properties: PropertyMap,
    send_nulls: bool,
}

impl DiffOptions {
    /// Contacts by user id, companies by account id (see [`ContactKey`] and
    /// [`CompanyKey`] for what each key risks), every property under its own name,
    /// nulls never sent.
    pub fn new() -> DiffOptions {
        DiffOptions::default()
    }

    /// How contacts are keyed.
    #[must_use]
    pub fn with_contact_key(mut self, key: ContactKey) -> DiffOptions {
        self.contact_key = key;
        self
    }

    /// How companies are keyed.
    #[must_use]
    pub fn with_company_key(mut self, key: CompanyKey) -> DiffOptions {
        self.company_key = key;
        self
    }

    /// Which properties are sent and under which CRM names.
    #[must_use]
    pub fn with_properties(mut self, map: PropertyMap) -> DiffOptions {
        self.properties = map;
        self
    }

    /// Whether a null clears a value the CRM is known to hold (default `false`: a
    /// metric that stops applying leaves the last value in the CRM).
    #[must_use]
    pub fn with_send_nulls(mut self, yes: bool) -> DiffOptions {
        self.send_nulls = yes;
        self
    }

    /// The contact key.
    pub fn contact_key(&self) -> ContactKey {
        self.contact_key
    }

    /// The company key.
    pub fn company_key(&self) -> CompanyKey {
        self.company_key
    }

    /// The property map.
    pub fn properties(&self) -> &PropertyMap {
        &self.properties
    }

    /// Whether nulls are sent.
    pub fn send_nulls(&self) -> bool {
        self.send_nulls
    }

    fn key_property(&self, kind: RecordKind) -> &'static str {
        match kind {
            RecordKind::User => self.contact_key.property(),
            RecordKind::Account => self.company_key.property(),
        }
    }
}

/// One property to send: its CRM name, value and fingerprint.
///
/// ```
/// # use std::sync::Arc;
/// # use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};
/// # use pulsecheck::crm::{diff, DiffOptions, SyncState};
/// # let schema = Arc::new(Schema::new(RecordKind::User)
/// #     .with("email", PropertyType::String).with("active_days", PropertyType::Int));
/// # let mut r = Record::new(schema, "u1");
/// # r.set("email", "a@b.co"); r.set("active_days", 3);
/// let changes = diff([&r], &SyncState::new(), &DiffOptions::new());
/// let change = &changes.changes(RecordKind::User)[0];
/// assert_eq!(change.get("active_days"), Some(&Value::Int(3)));
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PropertyChange {
    name: Arc<str>,
    #[serde(with = "crate::value::exact")]
    value: Value,
    fingerprint: Option<u64>,
}

impl PropertyChange {
    /// The CRM name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn name_arc(&self) -> &Arc<str> {
        &self.name
    }

    /// The value (null only when nulls are sent and the CRM holds a value).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The fingerprint recorded on confirm; `None` for a null (the value is cleared).
    pub(crate) fn fingerprint(&self) -> Option<u64> {
        self.fingerprint
    }
}

/// One record with at least one property to send.
///
/// ```
/// # use std::sync::Arc;
/// # use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// # use pulsecheck::crm::{diff, ContactKey, DiffOptions, SyncState};
/// # let schema = Arc::new(Schema::new(RecordKind::User).with("email", PropertyType::String));
/// # let mut r = Record::new(schema, "u1");
/// # r.set("email", " Ana@Acme.com");
/// let by_email = DiffOptions::new().with_contact_key(ContactKey::Email);
/// let changes = diff([&r], &SyncState::new(), &by_email);
/// let change = &changes.changes(RecordKind::User)[0];
/// assert_eq!(change.key(), "ana@acme.com");
/// assert_eq!(change.record_id(), "u1");
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordChange {
    kind: RecordKind,
    key: String,
    record_id: String,
    record_hash: u64,
    properties: Vec<PropertyChange>,
}

impl RecordChange {
    /// User (contact) or account (company).
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The CRM key (normalized email or domain, or the id).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The engine's record id (user id or account id).
    pub fn record_id(&self) -> &str {
        &self.record_id
    }

    /// The properties to send, in record order.
    pub fn properties(&self) -> &[PropertyChange] {
        &self.properties
    }

    /// A property to send, by CRM name.
    pub fn get(&self, crm_name: &str) -> Option<&Value> {
        self.properties
            .iter()
            .find(|p| &*p.name == crm_name)
            .map(|p| &p.value)
    }

    pub(crate) fn record_hash(&self) -> u64 {
        self.record_hash
    }
}

/// Why a record was left out of a changeset.
///
/// ```
/// use pulsecheck::crm::SkipReason;
///
/// let r: SkipReason = serde_json::from_str(r#"{"reason":"missing_key","property":"email"}"#).unwrap();
/// assert!(matches!(&r, SkipReason::MissingKey { property, .. } if property == "email"));
/// assert!(r.to_string().contains("email"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum SkipReason {
    /// The key property is null, empty or absent.
    #[non_exhaustive]
    MissingKey {
        /// The key property.
        property: String,
    },
    /// The key property holds something unusable as a key.
    #[non_exhaustive]
    InvalidKey {
        /// The key property.
        property: String,
        /// The value, as text.
        value: String,
    },
    /// Another record earlier in the input has the same key.
    #[non_exhaustive]
    DuplicateKey {
        /// The shared key.
        key: String,
        /// The record that was kept.
        kept_record_id: String,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::MissingKey { property } => {
                write!(
                    f,
                    "key property `{property}` is missing; set it or key by id"
                )
            }
            SkipReason::InvalidKey { property, value } => {
                write!(
                    f,
                    "key property `{property}` = {value:?} is not a usable key"
                )
            }
            SkipReason::DuplicateKey {
                key,
                kept_record_id,
            } => write!(
                f,
                "key {key:?} is also the key of record `{kept_record_id}`, which was kept"
            ),
        }
    }
}

/// A record the diff could not key, reported instead of silently dropped.
///
/// ```
/// # use std::sync::Arc;
/// # use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// # use pulsecheck::crm::{diff, ContactKey, DiffOptions, SkipReason, SyncState};
/// let schema = Arc::new(Schema::new(RecordKind::User).with("email", PropertyType::String));
/// let anonymous = Record::new(schema, "u9");
/// let by_email = DiffOptions::new().with_contact_key(ContactKey::Email);
/// let changes = diff([&anonymous], &SyncState::new(), &by_email);
/// assert_eq!(changes.skipped()[0].record_id(), "u9");
/// assert!(matches!(changes.skipped()[0].reason(), SkipReason::MissingKey { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedRecord {
    kind: RecordKind,
    record_id: String,
    reason: SkipReason,
}

impl SkippedRecord {
    /// User or account.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The engine's record id.
    pub fn record_id(&self) -> &str {
        &self.record_id
    }

    /// Why.
    pub fn reason(&self) -> &SkipReason {
        &self.reason
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The output of [`diff`]: the changed records (only their changed properties), the
/// records skipped and why. Nothing here has been applied to the [`SyncState`].
///
/// Two changesets are equal when they hold the same changes, so one read back
/// through serde equals the one written. Each changeset also carries an identity
/// of this process, which ties a [`Request`](crate::crm::Request) to the changeset
/// it was built from; it is neither serialized nor compared (a changeset read back
/// gets a new one).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Changeset {
    #[serde(skip, default = "next_id")]
    id: u64,
    contact_key: ContactKey,
    company_key: CompanyKey,
    key_names: [String; 2],
    contacts: Vec<RecordChange>,
    companies: Vec<RecordChange>,
    skipped: Vec<SkippedRecord>,
    unchanged: usize,
    refreshed: Vec<(RecordKind, String, u64)>,
}

impl PartialEq for Changeset {
    fn eq(&self, other: &Changeset) -> bool {
        // Spelled out so a field added later is a compile error here, not a
        // silently ignored difference; `id` is left out on purpose (see above).
        let Changeset {
            id: _,
            contact_key,
            company_key,
            key_names,
            contacts,
            companies,
            skipped,
            unchanged,
            refreshed,
        } = self;
        *contact_key == other.contact_key
            && *company_key == other.company_key
            && *key_names == other.key_names
            && *contacts == other.contacts
            && *companies == other.companies
            && *skipped == other.skipped
            && *unchanged == other.unchanged
            && *refreshed == other.refreshed
    }
}

impl Changeset {
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The changed records of one kind, in input order.
    pub fn changes(&self, kind: RecordKind) -> &[RecordChange] {
        match kind {
            RecordKind::User => &self.contacts,
            RecordKind::Account => &self.companies,
        }
    }

    /// Every changed record: contacts, then companies.
    pub fn iter(&self) -> impl Iterator<Item = &RecordChange> + '_ {
        self.contacts.iter().chain(self.companies.iter())
    }

    /// A changed record by kind and CRM key.
    pub fn get(&self, kind: RecordKind, key: &str) -> Option<&RecordChange> {
        self.changes(kind).iter().find(|c| c.key == key)
    }

    /// How many records have something to send.
    pub fn len(&self) -> usize {
        self.contacts.len() + self.companies.len()
    }

    /// Whether nothing is to be sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many property values are to be sent in all.
    pub fn property_count(&self) -> usize {
        self.iter().map(|c| c.properties.len()).sum()
    }

    /// Records left out, with the reason.
    pub fn skipped(&self) -> &[SkippedRecord] {
        &self.skipped
    }

    /// Records with nothing to send.
    pub fn unchanged(&self) -> usize {
        self.unchanged + self.refreshed.len()
    }

    /// How contacts were keyed.
    pub fn contact_key(&self) -> ContactKey {
        self.contact_key
    }

    /// How companies were keyed.
    pub fn company_key(&self) -> CompanyKey {
        self.company_key
    }

    /// The CRM name of the key property of a kind under the property map (whether or
    /// not the property itself is selected): the default HubSpot `idProperty` for id
    /// keys and the default Salesforce external id field.
    pub fn key_crm_name(&self, kind: RecordKind) -> &str {
        match kind {
            RecordKind::User => &self.key_names[0],
            RecordKind::Account => &self.key_names[1],
        }
    }

    pub(crate) fn refreshed(&self) -> impl Iterator<Item = (RecordKind, &str, u64)> + '_ {
        self.refreshed
            .iter()
            .map(|(k, key, h)| (*k, key.as_str(), *h))
    }
}

/// Per schema, computed once per diff: each property's CRM name and its fingerprint
/// (`None` when not selected), and where the key property sits.
struct Plan {
    schema: Arc<Schema>,
    props: Vec<Option<(Arc<str>, u64)>>,
    key_index: Option<usize>,
}

impl Plan {
    fn new(schema: &Arc<Schema>, options: &DiffOptions) -> Plan {
        let map = &options.properties;
        let props = schema
            .iter()
            .map(|(name, _)| {
                map.crm_name(name).map(|crm| {
                    let fp = fingerprint::name_fp_parts(&[&crm]);
                    (Arc::from(crm), fp)
                })
            })
            .collect();
        let key_index = schema.index_of(options.key_property(schema.kind()));
        Plan {
            schema: schema.clone(),
            props,
            key_index,
        }
    }
}

struct Plans<'o> {
    options: &'o DiffOptions,
    plans: Vec<Plan>,
}

impl Plans<'_> {
    fn get(&mut self, schema: &Arc<Schema>) -> usize {
        if let Some(i) = self
            .plans
            .iter()
            .position(|p| Arc::ptr_eq(&p.schema, schema))
        {
            return i;
        }
        self.plans.push(Plan::new(schema, self.options));
        self.plans.len() - 1
    }
}

fn key_value<'r>(record: &'r Record, plan: &Plan, property: &str) -> Option<&'r Value> {
    match plan.key_index {
        Some(i) => record.value_at(i),
        None => record.trait_value(property),
    }
}

fn non_empty_text(v: Option<&Value>) -> Option<&str> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s),
        _ => None,
    }
}

fn extract_key<'r>(
    record: &'r Record,
    value: Option<&'r Value>,
    options: &DiffOptions,
) -> Result<Cow<'r, str>, SkipReason> {
    let kind = record.kind();
    let property = options.key_property(kind);
    let invalid = |v: &Value| SkipReason::InvalidKey {
        property: property.to_owned(),
        value: v.to_string(),
    };
    let missing = || SkipReason::MissingKey {
        property: property.to_owned(),
    };
    let by_email = kind == RecordKind::User && options.contact_key == ContactKey::Email;
    let by_domain = kind == RecordKind::Account && options.company_key == CompanyKey::Domain;
    if !(by_email || by_domain) {
        // Id keys: the id property when set, else the record id the engine assigned.
        return match non_empty_text(value) {
            Some(id) => Ok(Cow::Borrowed(id)),
            None if !record.id().trim().is_empty() => Ok(Cow::Borrowed(record.id())),
            None => Err(missing()),
        };
    }
    match value {
        None | Some(Value::Null) => Err(missing()),
        Some(Value::String(s)) if s.trim().is_empty() => Err(missing()),
        Some(v @ Value::String(s)) if by_email => email_key(s).ok_or_else(|| invalid(v)),
        Some(v @ Value::String(s)) => {
            let key = normalize_domain(s);
            if key.is_empty() || key.contains(char::is_whitespace) {
                Err(invalid(v))
            } else {
                Ok(Cow::Owned(key))
            }
        }
        Some(other) => Err(invalid(other)),
    }
}

/// The whole-record hash: one fingerprint stream over `(CRM name, value)` of every
/// selected property in record order (nulls included), seeded by the null policy so
/// that turning `send_nulls` on re-examines every record. A reordering of traits only
/// costs a property-by-property comparison that finds nothing to send.
fn record_hash(record: &Record, plan: &Plan, options: &DiffOptions) -> u64 {
    let mut fp = Fp::new(if options.send_nulls {
        0x5EED_0001
    } else {
        0x5EED_0000
    });
    for (i, selected) in plan.props.iter().enumerate() {
        if let (Some((_, name_fp)), Some(value)) = (selected, record.value_at(i)) {
            fp.word(*name_fp);
            fingerprint::feed(&mut fp, value);
        }
    }
    if record.len() > plan.props.len() {
        for (name, value) in record.iter().skip(plan.props.len()) {
            let mut name_fp = 0;
            if options.properties.with_trait_crm_name_parts(name, |parts| {
                name_fp = fingerprint::name_fp_parts(parts);
            }) {
                fp.word(name_fp);
                fingerprint::feed(&mut fp, value);
            }
        }
    }
    fp.finish()
}

/// The slow path, for records whose hash differs: compare property by property.
fn changed_properties(
    record: &Record,
    plan: &Plan,
    options: &DiffOptions,
    kind_state: &KindState,
    prev: Option<&RecordState>,
) -> Vec<PropertyChange> {
    let mut out = Vec::new();
    let n = plan.props.len();
    for (i, (name, value)) in record.iter().enumerate() {
        let crm_name: Arc<str> = if i < n {
            match &plan.props[i] {
                Some((crm, _)) => crm.clone(),
                None => continue,
            }
        } else {
            match options.properties.trait_crm_name(name) {
                Some(crm) => Arc::from(crm),
                None => continue,
            }
        };
        let stored = prev.and_then(|p| kind_state.name_index(&crm_name).and_then(|ix| p.get(ix)));
        if value.is_null() {
            if options.send_nulls && stored.is_some() {
                out.push(PropertyChange {
                    name: crm_name,
                    value: Value::Null,
                    fingerprint: None,
                });
            }
            continue;
        }
        let fp = fingerprint::value_fp(value);
        if stored != Some(fp) {
            out.push(PropertyChange {
                name: crm_name,
                value: value.clone(),
                fingerprint: Some(fp),
            });
        }
    }
    out
}

const BLOCK: usize = 64;

/// A keyed record between the phases of one block.
struct Pending<'a> {
    record: &'a Record,
    position: usize,
    key: Cow<'a, str>,
    fp: u128,
    hash: u64,
    plan: usize,
}

fn slot_of(kind: RecordKind) -> usize {
    match kind {
        RecordKind::User => 0,
        RecordKind::Account => 1,
    }
}

/// Compares records with the last confirmed send and returns what to send: only the
/// records with a changed property, and only those properties. Reads `state`, never
/// writes it: confirm after a successful send.
///
/// - A property never confirmed is sent when non-null.
/// - A null over a value the CRM holds is sent only with
///   [`DiffOptions::with_send_nulls`]; a null over nothing is never sent.
/// - Records whose key is missing, unusable or repeated are listed in
///   [`Changeset::skipped`]; the first record with a key wins.
///
/// Records of both kinds may be mixed in one call. Unchanged records cost one hash
/// pass over their values and one lookup, without allocation (unless an email key
/// needs lowercasing, or for domain keys).
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};
/// use pulsecheck::crm::{diff, DiffOptions, SyncState};
///
/// let schema = Arc::new(Schema::new(RecordKind::User)
///     .with("email", PropertyType::String)
///     .with("engagement_score", PropertyType::Int)
///     .with("active_days", PropertyType::Int));
/// let mut ana = Record::new(schema, "u1");
/// ana.set("email", "ana@acme.com");
/// ana.set("engagement_score", 70);
/// ana.set("active_days", 4);
///
/// let options = DiffOptions::new();
/// let mut state = SyncState::new();
/// state.confirm(&diff([&ana], &state, &options));
///
/// ana.set("engagement_score", 75);
/// let changes = diff([&ana], &state, &options);
/// let change = &changes.changes(RecordKind::User)[0];
/// assert_eq!(change.properties().len(), 1);
/// assert_eq!(change.get("engagement_score"), Some(&Value::Int(75)));
/// ```
pub fn diff<'a, I>(records: I, state: &SyncState, options: &DiffOptions) -> Changeset
where
    I: IntoIterator<Item = &'a Record>,
{
    let mut plans = Plans {
        options,
        plans: Vec::new(),
    };
    let key_names = [RecordKind::User, RecordKind::Account].map(|kind| {
        let map = options.properties.clone().select(Default::default());
        map.crm_name(options.key_property(kind)).unwrap_or_default()
    });
    let mut out = Changeset {
        id: next_id(),
        contact_key: options.contact_key,
        company_key: options.company_key,
        key_names,
        contacts: Vec::new(),
        companies: Vec::new(),
        skipped: Vec::new(),
        unchanged: 0,
        refreshed: Vec::new(),
    };
    let records: Vec<&'a Record> = records.into_iter().collect();
    type Seen<'a> = HashMap<u128, &'a Record, FpBuild>;
    // Sized up front: growing a million-entry table rehashes it many times over.
    let mut seen: [Seen<'a>; 2] = [
        Seen::with_capacity_and_hasher(records.len(), FpBuild::default()),
        Seen::with_capacity_and_hasher(records.len() / 8, FpBuild::default()),
    ];
    let mut pending: Vec<Pending<'a>> = Vec::with_capacity(BLOCK);

    // Records go in blocks through three tight loops (keys and hashes; duplicate
    // check; state lookup), so that the table lookups of one block, which miss the
    // cache, are independent of each other and overlap in the CPU.
    // Skips are collected with their input position: duplicates are found a phase
    // later than missing keys, and the report lists them in input order.
    let mut skipped: Vec<(usize, SkippedRecord)> = Vec::new();
    for (block_index, block) in records.chunks(BLOCK).enumerate() {
        pending.clear();
        for (offset, &record) in block.iter().enumerate() {
            let position = block_index * BLOCK + offset;
            let kind = record.kind();
            let plan_index = plans.get(record.schema());
            let plan = &plans.plans[plan_index];
            let key_property = options.key_property(kind);
            match extract_key(record, key_value(record, plan, key_property), options) {
                Ok(key) => pending.push(Pending {
                    record,
                    position,
                    fp: key_fp(&key),
                    key,
                    hash: record_hash(record, plan, options),
                    plan: plan_index,
                }),
                Err(reason) => skipped.push((
                    position,
                    SkippedRecord {
                        kind,
                        record_id: record.id().to_owned(),
                        reason,
                    },
                )),
            }
        }
        pending.retain(|p| {
            let kind = p.record.kind();
            match seen[slot_of(kind)].entry(p.fp) {
                Entry::Occupied(e) => {
                    let reason = SkipReason::DuplicateKey {
                        key: p.key.clone().into_owned(),
                        kept_record_id: e.get().id().to_owned(),
                    };
                    let record_id = p.record.id().to_owned();
                    skipped.push((
                        p.position,
                        SkippedRecord {
                            kind,
                            record_id,
                            reason,
                        },
                    ));
                    false
                }
                Entry::Vacant(v) => {
                    v.insert(p.record);
                    true
                }
            }
        });
        for p in pending.drain(..) {
            let kind = p.record.kind();
            let kind_state = state.kind(kind);
            let prev = kind_state.record_by_fp(p.fp);
            if prev.is_some_and(|rs| rs.hash() == p.hash) {
                out.unchanged += 1;
                continue;
            }
            let plan = &plans.plans[p.plan];
            let properties = changed_properties(p.record, plan, options, kind_state, prev);
            if properties.is_empty() {
                // Only nulls not sent differ: nothing to send, but remember the new
                // hash on confirm so the next diff takes the fast path.
                out.refreshed.push((kind, p.key.into_owned(), p.hash));
                continue;
            }
            let change = RecordChange {
                kind,
                key: p.key.into_owned(),
                record_id: p.record.id().to_owned(),
                record_hash: p.hash,
                properties,
            };
            match kind {
                RecordKind::User => out.contacts.push(change),
                RecordKind::Account => out.companies.push(change),
            }
        }
    }
    skipped.sort_by_key(|(position, _)| *position);
    out.skipped = skipped.into_iter().map(|(_, s)| s).collect();
    out
}
