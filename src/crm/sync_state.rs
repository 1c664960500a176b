//! What the CRM is known to hold: the last *confirmed* send, per record and property.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::crm::diff::{Changeset, RecordChange};
use crate::crm::error::CrmError;
use crate::crm::fingerprint::{FpBuild, key_fp};
use crate::crm::request::Request;
use crate::schema::RecordKind;

/// The last confirmed send of one record: a hash of the whole record (to skip
/// unchanged records without looking at their properties) and one fingerprint per
/// property holding a value in the CRM, sorted by interned name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RecordState {
    hash: u64,
    props: Vec<(u32, u64)>,
}

impl RecordState {
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    pub(crate) fn get(&self, name: u32) -> Option<u64> {
        self.props
            .binary_search_by_key(&name, |(n, _)| *n)
            .ok()
            .map(|i| self.props[i].1)
    }

    fn set(&mut self, name: u32, fp: Option<u64>) {
        match (self.props.binary_search_by_key(&name, |(n, _)| *n), fp) {
            (Ok(i), Some(fp)) => self.props[i].1 = fp,
            (Ok(i), None) => {
                self.props.remove(i);
            }
            (Err(i), Some(fp)) => self.props.insert(i, (name, fp)),
            (Err(_), None) => {}
        }
    }
}

/// The state of one object kind. Property names are interned: a million records with
/// thirty properties would otherwise store thirty million name strings.
#[derive(Debug, Clone, Default)]
pub(crate) struct KindState {
    names: Vec<Arc<str>>,
    index: HashMap<Arc<str>, u32>,
    /// By key fingerprint (see `fingerprint::key_fp`), with the key kept for serde.
    records: HashMap<u128, (Box<str>, RecordState), FpBuild>,
}

impl KindState {
    pub(crate) fn record(&self, key: &str) -> Option<&RecordState> {
        self.record_by_fp(key_fp(key))
    }

    pub(crate) fn record_by_fp(&self, fp: u128) -> Option<&RecordState> {
        self.records.get(&fp).map(|(_, rs)| rs)
    }

    pub(crate) fn name_index(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    fn intern(&mut self, name: &Arc<str>) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.clone());
        self.index.insert(name.clone(), i);
        i
    }

    fn confirm(&mut self, change: &RecordChange) {
        let props: Vec<(u32, Option<u64>)> = change
            .properties()
            .iter()
            .map(|p| (self.intern(p.name_arc()), p.fingerprint()))
            .collect();
        let (_, entry) = self
            .records
            .entry(key_fp(change.key()))
            .or_insert_with(|| (change.key().into(), RecordState::default()));
        entry.hash = change.record_hash();
        for (name, fp) in props {
            entry.set(name, fp);
        }
    }

    fn refresh(&mut self, key: &str, hash: u64) {
        if let Some((_, entry)) = self.records.get_mut(&key_fp(key)) {
            entry.hash = hash;
        }
    }

    /// `(name → fingerprint)` of one record, for comparisons independent of interning.
    fn resolved(&self, rs: &RecordState) -> BTreeMap<&str, u64> {
        rs.props
            .iter()
            .filter_map(|(n, fp)| self.names.get(*n as usize).map(|name| (&**name, *fp)))
            .collect()
    }
}

impl PartialEq for KindState {
    fn eq(&self, other: &Self) -> bool {
        self.records.len() == other.records.len()
            && self.records.iter().all(|(fp, (key, rs))| {
                other.records.get(fp).is_some_and(|(okey, o)| {
                    key == okey && rs.hash == o.hash && self.resolved(rs) == other.resolved(o)
                })
            })
    }
}

/// What was last confirmed sent to one CRM destination, per object kind and record
/// key: a fingerprint (64-bit hash) per property, and one of the whole record.
///
/// [`diff`](crate::crm::diff()) reads it and never writes it. After a successful send
/// the host confirms ([`SyncState::confirm`] for a whole changeset,
/// [`SyncState::confirm_request`] per request, [`SyncState::confirm_change`] per record),
/// so a failed request is simply sent again by the next diff. Keep one state per
/// destination (HubSpot portal, Salesforce org).
///
/// Serialized (serde) as `{"version":2,"contacts":{…},"companies":{…}}` with record
/// keys in sorted order, so the same state always serializes to the same bytes.
/// Fingerprints are stable across runs and platforms.
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::crm::{diff, DiffOptions, SyncState};
///
/// let schema = Arc::new(Schema::new(RecordKind::User)
///     .with("email", PropertyType::String)
///     .with("engagement_score", PropertyType::Int));
/// let mut ana = Record::new(schema, "u1");
/// ana.set("email", "ana@acme.com");
/// ana.set("engagement_score", 70);
///
/// let options = DiffOptions::new();
/// let mut state = SyncState::new();
/// let first = diff([&ana], &state, &options);
/// assert_eq!(first.len(), 1);
/// // Not confirmed (the send failed): the next diff sends it again.
/// assert_eq!(diff([&ana], &state, &options).len(), 1);
/// state.confirm(&first);
/// assert!(diff([&ana], &state, &options).is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncState {
    contacts: KindState,
    companies: KindState,
}

impl SyncState {
    /// An empty state: the next diff sends every record with every non-null property.
    pub fn new() -> SyncState {
        SyncState::default()
    }

    pub(crate) fn kind(&self, kind: RecordKind) -> &KindState {
        match kind {
            RecordKind::User => &self.contacts,
            RecordKind::Account => &self.companies,
        }
    }

    fn kind_mut(&mut self, kind: RecordKind) -> &mut KindState {
        match kind {
            RecordKind::User => &mut self.contacts,
            RecordKind::Account => &mut self.companies,
        }
    }

    /// How many records of a kind have a confirmed send.
    pub fn len(&self, kind: RecordKind) -> usize {
        self.kind(kind).records.len()
    }

    /// Whether nothing was ever confirmed.
    pub fn is_empty(&self) -> bool {
        self.contacts.records.is_empty() && self.companies.records.is_empty()
    }

    /// Whether a record (by CRM key) has a confirmed send.
    pub fn contains(&self, kind: RecordKind, key: &str) -> bool {
        self.kind(kind).record(key).is_some()
    }

    /// Whether the CRM is known to hold a (non-null) value we sent for a property.
    pub fn has_value(&self, kind: RecordKind, key: &str, crm_name: &str) -> bool {
        let ks = self.kind(kind);
        match (ks.record(key), ks.name_index(crm_name)) {
            (Some(rs), Some(n)) => rs.get(n).is_some(),
            _ => false,
        }
    }

    /// Records a whole changeset as sent: every change, and the records whose only
    /// difference was a null not sent (so later diffs skip them fast).
    pub fn confirm(&mut self, changeset: &Changeset) {
        for change in changeset.iter() {
            self.confirm_change(change);
        }
        for (kind, key, hash) in changeset.refreshed() {
            self.kind_mut(kind).refresh(key, hash);
        }
    }

    /// Records one record's change as sent (for per-record results such as
    /// Salesforce's `allOrNone: false`).
    pub fn confirm_change(&mut self, change: &RecordChange) {
        self.kind_mut(change.kind()).confirm(change);
    }

    /// Records the changes carried by one request (built from `changeset`) as sent;
    /// returns how many records were confirmed.
    ///
    /// Errors when the request was built from another changeset.
    pub fn confirm_request(
        &mut self,
        changeset: &Changeset,
        request: &Request,
    ) -> Result<usize, CrmError> {
        let Some((id, kind, indices)) = request.coverage() else {
            return Ok(0);
        };
        if id != changeset.id() {
            return Err(CrmError::RequestMismatch);
        }
        let changes = changeset.changes(kind);
        let mut n = 0;
        for &i in indices {
            if let Some(change) = changes.get(i) {
                self.confirm_change(change);
                n += 1;
            }
        }
        Ok(n)
    }

    /// Forgets a record: its next diff sends every non-null property again.
    pub fn forget(&mut self, kind: RecordKind, key: &str) -> bool {
        self.kind_mut(kind).records.remove(&key_fp(key)).is_some()
    }
}

// ---- serde: a stable, self-describing layout, validated on load ----

/// The format written: 2 since the fingerprints became SipHash-1-3.
const STATE_VERSION: u32 = 2;

/// The format before it. Its fingerprints came from the former function and
/// match no fingerprint computed now, so a state of that format loads as one
/// whose every property differs: the first diff after the upgrade sends each
/// record's properties once more, which the CRM takes as the same values again.
const FORMER_VERSION: u32 = 1;

#[derive(serde::Serialize)]
struct KindRef<'a> {
    names: &'a [Arc<str>],
    records: BTreeMap<&'a str, &'a RecordState>,
}

impl<'a> From<&'a KindState> for KindRef<'a> {
    fn from(k: &'a KindState) -> Self {
        KindRef {
            names: &k.names,
            records: k.records.values().map(|(k, v)| (&**k, v)).collect(),
        }
    }
}

#[derive(serde::Serialize)]
struct StateRef<'a> {
    version: u32,
    contacts: KindRef<'a>,
    companies: KindRef<'a>,
}

impl serde::Serialize for SyncState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StateRef {
            version: STATE_VERSION,
            contacts: (&self.contacts).into(),
            companies: (&self.companies).into(),
        }
        .serialize(s)
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KindOwned {
    names: Vec<String>,
    records: HashMap<String, RecordState>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StateOwned {
    version: u32,
    contacts: KindOwned,
    companies: KindOwned,
}

fn load_kind(raw: KindOwned, which: &str) -> Result<KindState, CrmError> {
    let names: Vec<Arc<str>> = raw.names.into_iter().map(Arc::from).collect();
    let mut index = HashMap::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| CrmError::InvalidState {
            reason: format!("{which}: more than 2^32 property names"),
        })?;
        if index.insert(n.clone(), i).is_some() {
            return Err(CrmError::InvalidState {
                reason: format!("{which}: property name `{n}` appears twice in `names`"),
            });
        }
    }
    let mut records = HashMap::with_capacity_and_hasher(raw.records.len(), FpBuild::default());
    for (key, mut rs) in raw.records {
        if let Some((bad, _)) = rs.props.iter().find(|(n, _)| *n as usize >= names.len()) {
            return Err(CrmError::InvalidState {
                reason: format!(
                    "{which} record `{key}` refers to property #{bad}, but only {} names are stored",
                    names.len()
                ),
            });
        }
        rs.props.sort_unstable_by_key(|(n, _)| *n);
        rs.props.dedup_by_key(|(n, _)| *n);
        records.insert(key_fp(&key), (key.into_boxed_str(), rs));
    }
    Ok(KindState {
        names,
        index,
        records,
    })
}

impl<'de> serde::Deserialize<'de> for SyncState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SyncState, D::Error> {
        use serde::de::Error;
        let raw = StateOwned::deserialize(d)?;
        if raw.version != STATE_VERSION && raw.version != FORMER_VERSION {
            return Err(D::Error::custom(CrmError::InvalidState {
                reason: format!(
                    "version {} is not supported (this version reads {FORMER_VERSION} and {STATE_VERSION}); was it written by a newer pulsecheck?",
                    raw.version
                ),
            }));
        }
        let contacts = load_kind(raw.contacts, "contacts").map_err(D::Error::custom)?;
        let companies = load_kind(raw.companies, "companies").map_err(D::Error::custom)?;
        Ok(SyncState {
            contacts,
            companies,
        })
    }
}
