//! Snapshots through serde: every value in the exact encoding, so a date stays a
//! date, and each schema written once rather than once per record.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Snapshot;
use crate::record::Record;
use crate::rule::Transition;
use crate::schema::{PropertyType, RecordKind, Schema};
use crate::value::Text;
use crate::value::exact::{Owned, Ref};

#[derive(Serialize)]
struct SnapshotOut<'a> {
    day: NaiveDate,
    schemas: Vec<SchemaOut<'a>>,
    users: Vec<RecordOut<'a>>,
    accounts: Vec<RecordOut<'a>>,
    transitions: &'a [Transition],
}

#[derive(Serialize)]
struct SchemaOut<'a> {
    kind: RecordKind,
    properties: Vec<(&'a str, &'a PropertyType)>,
}

#[derive(Serialize)]
struct RecordOut<'a> {
    schema: usize,
    id: &'a str,
    values: Vec<Ref<'a>>,
    traits: Vec<(&'a str, Ref<'a>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotIn {
    day: NaiveDate,
    schemas: Vec<SchemaIn>,
    users: Vec<RecordIn>,
    accounts: Vec<RecordIn>,
    #[serde(default)]
    transitions: Vec<Transition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemaIn {
    kind: RecordKind,
    properties: Vec<(String, PropertyType)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    schema: usize,
    id: Text,
    values: Vec<Owned>,
    #[serde(default)]
    traits: Vec<(String, Owned)>,
}

impl Serialize for Snapshot {
    /// Writes `{"day", "schemas", "users", "accounts", "transitions"}`: each record
    /// names its schema by index and lists its computed values in schema order,
    /// then its traits, every value tagged with its variant. For the CRM-facing
    /// shape of one record, serialize the [`Record`] itself.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut schemas: Vec<&Arc<Schema>> = Vec::new();
        let users = records_out(&self.users, &mut schemas);
        let accounts = records_out(&self.accounts, &mut schemas);
        SnapshotOut {
            day: self.day,
            schemas: schemas
                .iter()
                .map(|s| SchemaOut {
                    kind: s.kind(),
                    properties: s.iter().collect(),
                })
                .collect(),
            users,
            accounts,
            transitions: &self.transitions,
        }
        .serialize(s)
    }
}

/// The records to write, each naming its schema's index in `schemas` (added to it
/// when new).
fn records_out<'a>(
    records: &'a [Record],
    schemas: &mut Vec<&'a Arc<Schema>>,
) -> Vec<RecordOut<'a>> {
    records
        .iter()
        .map(|r| {
            // Every record of a snapshot shares its kind's schema; contents are
            // still compared so records built apart are written correctly.
            let found = schemas
                .iter()
                .position(|s| Arc::ptr_eq(s, r.schema()) || **s == *r.schema());
            let schema = found.unwrap_or_else(|| {
                schemas.push(r.schema());
                schemas.len() - 1
            });
            RecordOut {
                schema,
                id: r.id(),
                values: r.computed_values().iter().map(Ref).collect(),
                traits: r
                    .trait_entries()
                    .iter()
                    .map(|(k, v)| (&**k, Ref(v)))
                    .collect(),
            }
        })
        .collect()
}

impl<'de> Deserialize<'de> for Snapshot {
    /// Reads what [`Serialize`] wrote, checking what lookups rely on: each record
    /// has its schema's kind and every value of it, and records are sorted by id.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Snapshot, D::Error> {
        let raw = SnapshotIn::deserialize(d)?;
        let mut schemas = Vec::with_capacity(raw.schemas.len());
        for s in raw.schemas {
            let mut schema = Schema::new(s.kind);
            for (name, ty) in s.properties {
                schema.push(&name, ty);
            }
            schemas.push(Arc::new(schema));
        }
        let records = |raw: Vec<RecordIn>, kind: RecordKind| -> Result<Vec<Record>, D::Error> {
            let mut out: Vec<Record> = Vec::with_capacity(raw.len());
            for r in raw {
                let schema = schemas.get(r.schema).ok_or_else(|| {
                    D::Error::custom(format!("record `{}`: no schema {}", &*r.id, r.schema))
                })?;
                if schema.kind() != kind || r.values.len() != schema.len() {
                    return Err(D::Error::custom(format!(
                        "record `{}` does not fit schema {} ({} {} values expected)",
                        &*r.id,
                        r.schema,
                        schema.len(),
                        kind
                    )));
                }
                if out.last().is_some_and(|last| last.id() >= &*r.id) {
                    return Err(D::Error::custom(format!(
                        "{kind} records are not sorted by id at `{}`",
                        &*r.id
                    )));
                }
                let mut record = Record::new(Arc::clone(schema), r.id);
                for (i, v) in r.values.into_iter().enumerate() {
                    record.put(i, v.0);
                }
                for (k, v) in r.traits {
                    record.set_trait(k, v.0);
                }
                out.push(record);
            }
            Ok(out)
        };
        Ok(Snapshot {
            day: raw.day,
            users: records(raw.users, RecordKind::User)?,
            accounts: records(raw.accounts, RecordKind::Account)?,
            transitions: raw.transitions,
        })
    }
}
