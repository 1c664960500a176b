//! Property records: what lands on a CRM Contact or Company.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::schema::{RecordKind, Schema};
use crate::value::{Text, Value};

/// The properties of one user or account as of a day: an ordered map from property
/// name to typed [`Value`].
///
/// The computed properties come first, in [`Schema`] order (every record of a
/// snapshot shares one schema, so looking up a computed property is an index, not a
/// hash of its name), followed by the traits passed through as sent.
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};
///
/// let schema = Arc::new(Schema::new(RecordKind::User).with("engagement_score", PropertyType::Int));
/// let mut record = Record::new(schema, "user_42");
/// record.set("engagement_score", 73);
/// record.set_trait("role", "engineer");
///
/// assert_eq!(record.get("engagement_score"), Some(&Value::Int(73)));
/// assert_eq!(record.get("role"), Some(&Value::from("engineer")));
/// let names: Vec<&str> = record.iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["engagement_score", "role"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    schema: Arc<Schema>,
    id: Text,
    values: Vec<Value>,
    traits: Vec<(Arc<str>, Value)>,
}

impl Record {
    /// A record whose computed properties are all null.
    pub fn new(schema: Arc<Schema>, id: impl Into<Text>) -> Record {
        // Not `vec![Value::Null; n]`: that clones the element n − 1 times through
        // `Value::clone`, measurably slower for the snapshot's hundred thousand
        // records than writing the null directly.
        let mut values = Vec::with_capacity(schema.len());
        values.resize_with(schema.len(), || Value::Null);
        Record {
            schema,
            id: id.into(),
            values,
            traits: Vec::new(),
        }
    }

    /// `User` or `Account`.
    pub fn kind(&self) -> RecordKind {
        self.schema.kind()
    }

    /// The user id or account id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The schema the computed properties follow.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// A property by name: a computed one, else a trait.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self.schema.index_of(name) {
            Some(i) => self.values.get(i),
            None => self.trait_value(name),
        }
    }

    /// A computed property by its schema index (what compiled rules use).
    pub fn value_at(&self, index: usize) -> Option<&Value> {
        self.values.get(index)
    }

    /// A passed-through trait by name (not the computed properties).
    pub fn trait_value(&self, name: &str) -> Option<&Value> {
        self.traits
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| v)
    }

    /// Sets a computed property; returns `false` (and changes nothing) when the
    /// schema has no property of that name.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) -> bool {
        match self.schema.index_of(name) {
            Some(i) => {
                self.values[i] = value.into();
                true
            }
            None => false,
        }
    }

    /// Sets a computed property by schema index; an index the schema lacks (a
    /// property of the other record kind) is ignored.
    #[inline]
    pub(crate) fn put(&mut self, index: usize, value: impl Into<Value>) {
        if let Some(slot) = self.values.get_mut(index) {
            // The slot nearly always holds the null `new` wrote.
            std::mem::replace(slot, value.into()).discard();
        }
    }

    /// Sets (or replaces) a passed-through trait.
    pub fn set_trait(&mut self, name: impl Into<Arc<str>>, value: impl Into<Value>) {
        let name = name.into();
        let value = value.into();
        match self.traits.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.traits.push((name, value)),
        }
    }

    /// Appends a trait known not to be present yet (the snapshot's traits are unique).
    pub(crate) fn push_trait(&mut self, name: Arc<str>, value: Value) {
        self.traits.push((name, value));
    }

    /// The computed values, in schema order.
    pub(crate) fn computed_values(&self) -> &[Value] {
        &self.values
    }

    /// The passed-through traits, in order.
    pub(crate) fn trait_entries(&self) -> &[(Arc<str>, Value)] {
        &self.traits
    }

    /// How many properties (computed and traits).
    pub fn len(&self) -> usize {
        self.values.len() + self.traits.len()
    }

    /// Whether the record has no properties at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every property in order: computed ones, then traits.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        let computed =
            (0..self.values.len()).map(|i| (&**self.schema.name_arc(i), &self.values[i]));
        computed.chain(self.traits.iter().map(|(k, v)| (&**k, v)))
    }

    /// The properties as an owned ordered map.
    pub fn to_map(&self) -> IndexMap<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect()
    }
}

impl Drop for Record {
    // The values go one by one through `Value::discard`: a snapshot's drop is
    // mostly the drop of its records' values, most of which own nothing.
    fn drop(&mut self) {
        for v in std::mem::take(&mut self.values) {
            v.discard();
        }
    }
}

impl serde::Serialize for Record {
    /// Serializes as `{"object": "contact", "id": "…", "properties": {…}}`, the line
    /// format of the `batch` example.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Props<'a>(&'a Record);
        impl serde::Serialize for Props<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter())
            }
        }
        let mut st = s.serialize_struct("Record", 3)?;
        st.serialize_field("object", self.kind().crm_object())?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("properties", &Props(self))?;
        st.end()
    }
}
