//! What a rule is checked against (schemas) and evaluated on (records, the day).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::record::Record;
use crate::schema::Schema;

/// The properties a rule may read: the record's schema, the account schema for user
/// rules (`account.<name>`), and names the rule must not read.
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, RecordKind, Schema};
/// use pulsecheck::rule::{Rule, RuleContext};
///
/// let users = Arc::new(Schema::new(RecordKind::User)
///     .with("engagement_score", PropertyType::Int)
///     .with("segments", PropertyType::StringList));
/// let accounts = Arc::new(Schema::new(RecordKind::Account).with("plan", PropertyType::String));
/// let ctx = RuleContext::new(users).with_account(accounts).forbid("segments");
///
/// assert!(Rule::parse("account.plan = \"pro\"").unwrap().compile(&ctx).is_ok());
/// assert!(Rule::parse("\"x\" in segments").unwrap().compile(&ctx).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RuleContext {
    schema: Arc<Schema>,
    account: Option<Arc<Schema>>,
    forbidden: BTreeSet<String>,
    forbidden_account: BTreeSet<String>,
}

impl RuleContext {
    /// Rules over records of this schema.
    pub fn new(schema: Arc<Schema>) -> RuleContext {
        RuleContext {
            schema,
            account: None,
            forbidden: BTreeSet::new(),
            forbidden_account: BTreeSet::new(),
        }
    }

    /// Lets (user) rules read the account's properties as `account.<name>`.
    #[must_use]
    pub fn with_account(mut self, account: Arc<Schema>) -> RuleContext {
        self.account = Some(account);
        self
    }

    /// Forbids reading a property of the record (e.g. `segments` from a segment rule,
    /// which would be circular).
    #[must_use]
    pub fn forbid(mut self, name: impl Into<String>) -> RuleContext {
        self.forbidden.insert(name.into());
        self
    }

    /// Forbids reading an account property through `account.<name>`.
    #[must_use]
    pub fn forbid_account(mut self, name: impl Into<String>) -> RuleContext {
        self.forbidden_account.insert(name.into());
        self
    }

    /// The record schema.
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The account schema, when `account.` is readable.
    pub fn account_schema(&self) -> Option<&Arc<Schema>> {
        self.account.as_ref()
    }

    /// Whether a record property is forbidden.
    pub fn is_forbidden(&self, name: &str) -> bool {
        self.forbidden.contains(name)
    }

    /// Whether an account property is forbidden.
    pub fn is_account_forbidden(&self, name: &str) -> bool {
        self.forbidden_account.contains(name)
    }
}

/// One record to evaluate a rule on, as of day D.
///
/// Datetimes become days in the given UTC offset (the engine's
/// `utc_offset_minutes`), so `last_seen_at within 30 days` is counted in the host's
/// calendar.
///
/// ```
/// use std::sync::Arc;
/// use chrono::NaiveDate;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::rule::EvalInput;
///
/// let schema = Arc::new(Schema::new(RecordKind::User).with("engagement_score", PropertyType::Int));
/// let record = Record::new(schema, "u1");
/// let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
/// let input = EvalInput::new(&record, day).with_utc_offset_minutes(120);
/// assert_eq!(input.today(), day);
/// assert_eq!(input.utc_offset_minutes(), 120);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct EvalInput<'a> {
    record: &'a Record,
    account: Option<&'a Record>,
    today: NaiveDate,
    utc_offset_minutes: i32,
}

impl<'a> EvalInput<'a> {
    /// A record evaluated as of `today`, in UTC, with no account.
    pub fn new(record: &'a Record, today: NaiveDate) -> EvalInput<'a> {
        EvalInput {
            record,
            account: None,
            today,
            utc_offset_minutes: 0,
        }
    }

    /// The user's account record, read by `account.<name>` (`None`: those read null).
    #[must_use]
    pub fn with_account(mut self, account: Option<&'a Record>) -> EvalInput<'a> {
        self.account = account;
        self
    }

    /// Where a day starts, in minutes east of UTC.
    #[must_use]
    pub fn with_utc_offset_minutes(mut self, minutes: i32) -> EvalInput<'a> {
        self.utc_offset_minutes = minutes;
        self
    }

    /// The record.
    pub fn record(&self) -> &'a Record {
        self.record
    }

    /// The account record, if any.
    pub fn account(&self) -> Option<&'a Record> {
        self.account
    }

    /// The as-of day D.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The UTC offset in minutes.
    pub fn utc_offset_minutes(&self) -> i32 {
        self.utc_offset_minutes
    }
}
