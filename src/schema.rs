//! The shape of a property record: which properties it has, in which order, of which type.

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

/// Which CRM object a record becomes.
///
/// ```
/// use pulsecheck::RecordKind;
///
/// assert_eq!(RecordKind::User.crm_object(), "contact");
/// assert_eq!(RecordKind::Account.crm_object(), "company");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A user of the product: a CRM Contact.
    User,
    /// An account (company, workspace): a CRM Company.
    Account,
}

impl RecordKind {
    /// The CRM object name: `"contact"` or `"company"`.
    pub fn crm_object(self) -> &'static str {
        match self {
            RecordKind::User => "contact",
            RecordKind::Account => "company",
        }
    }

    /// The domain name: `"user"` or `"account"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::User => "user",
            RecordKind::Account => "account",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The type of one property, as the rule checker and the CRM adapters see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PropertyType {
    /// `true` / `false`.
    Bool,
    /// A whole number.
    Int,
    /// A floating-point number.
    Number,
    /// An exact decimal (money, usage).
    Decimal,
    /// Free text.
    String,
    /// One of a fixed set of strings (`lifecycle_stage`, `next_action`…).
    Enum(Arc<[Box<str>]>),
    /// A calendar date.
    Date,
    /// An instant.
    DateTime,
    /// A list of strings.
    StringList,
    /// A trait whose type is only known at run time.
    Any,
}

impl PropertyType {
    /// An enumeration of the given options.
    pub fn enumeration<I, S>(options: I) -> PropertyType
    where
        I: IntoIterator<Item = S>,
        S: Into<Box<str>>,
    {
        PropertyType::Enum(options.into_iter().map(Into::into).collect())
    }

    /// A short name for messages: `int`, `string`, `list`, …
    pub fn name(&self) -> &'static str {
        match self {
            PropertyType::Bool => "bool",
            PropertyType::Int => "int",
            PropertyType::Number => "number",
            PropertyType::Decimal => "decimal",
            PropertyType::String => "string",
            PropertyType::Enum(_) => "enum",
            PropertyType::Date => "date",
            PropertyType::DateTime => "datetime",
            PropertyType::StringList => "list",
            PropertyType::Any => "any",
        }
    }
}

/// The ordered list of properties a record kind has, with their types.
///
/// Records share their schema (`Arc<Schema>`), so a property is found by index in
/// constant time and a compiled rule can hold that index instead of a name.
///
/// ```
/// use pulsecheck::{PropertyType, RecordKind, Schema};
///
/// let schema = Schema::new(RecordKind::User)
///     .with("engagement_score", PropertyType::Int)
///     .with("email", PropertyType::String);
/// assert_eq!(schema.index_of("email"), Some(1));
/// assert_eq!(schema.property_type("engagement_score"), Some(&PropertyType::Int));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    kind: RecordKind,
    properties: IndexMap<Arc<str>, PropertyType>,
}

impl Schema {
    /// An empty schema for a record kind.
    pub fn new(kind: RecordKind) -> Schema {
        Schema {
            kind,
            properties: IndexMap::new(),
        }
    }

    /// Adds a property at the end (replacing the type if the name exists).
    #[must_use]
    pub fn with(mut self, name: &str, ty: PropertyType) -> Schema {
        self.push(name, ty);
        self
    }

    /// Adds a property at the end (replacing the type if the name exists); returns its index.
    pub fn push(&mut self, name: &str, ty: PropertyType) -> usize {
        self.properties.insert_full(Arc::from(name), ty).0
    }

    /// The record kind described.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// How many properties.
    pub fn len(&self) -> usize {
        self.properties.len()
    }

    /// Whether there are no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// The position of a property.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.properties.get_index_of(name)
    }

    /// The type of a property.
    pub fn property_type(&self, name: &str) -> Option<&PropertyType> {
        self.properties.get(name)
    }

    /// The name and type at a position.
    pub fn get_index(&self, index: usize) -> Option<(&str, &PropertyType)> {
        self.properties.get_index(index).map(|(k, v)| (&**k, v))
    }

    /// The shared name at a position (cheap to clone into records and output).
    pub(crate) fn name_arc(&self, index: usize) -> &Arc<str> {
        self.properties
            .get_index(index)
            .map(|(k, _)| k)
            .expect("index from this schema")
    }

    /// Names and types, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &PropertyType)> + '_ {
        self.properties.iter().map(|(k, v)| (&**k, v))
    }
}
