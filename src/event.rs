//! Typed Segment-spec calls: `track`, `page`, `screen`, `identify`, `group`, `alias`.
//!
//! Build them in code with their constructors and chained setters, or read them from
//! Segment JSON with [`Call::from_json`] (feature `json`).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use pulsecheck::{Call, Identify, Track, UserId};
//!
//! let at = Utc.with_ymd_and_hms(2026, 10, 31, 9, 30, 0).unwrap();
//! let track: Call = Track::new(UserId::from("u1"), "Report Run", at)
//!     .with_message_id("m-1")
//!     .with_group_id("acme")
//!     .with_device_type("mobile")
//!     .with_property("rows", 120)
//!     .into();
//! let identify: Call = Identify::new(UserId::from("u1"), at).with_trait("email", "ana@acme.com").into();
//! assert!(track.is_activity());
//! assert!(!identify.is_activity());
//! ```

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::id::{AccountId, AnonymousId, MessageId, UserId};
use crate::value::Value;

/// Properties or traits as sent: an ordered map of name → value.
pub type Properties = IndexMap<String, Value>;

/// Adds `more` to `traits` as one insert each would (a name already there takes
/// the new value), moving the map whole when `traits` is empty.
fn add_traits(traits: &mut Properties, more: Properties) {
    if traits.is_empty() {
        *traits = more;
    } else {
        traits.extend(more);
    }
}

/// Who a call is about: a known user, an anonymous visitor, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Actor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anonymous_id: Option<AnonymousId>,
}

impl Actor {
    /// A known user.
    pub fn user(id: UserId) -> Actor {
        Actor {
            user_id: Some(id),
            anonymous_id: None,
        }
    }

    /// An anonymous visitor.
    pub fn anonymous(id: AnonymousId) -> Actor {
        Actor {
            user_id: None,
            anonymous_id: Some(id),
        }
    }

    /// The `userId`, if any.
    pub fn user_id(&self) -> Option<&UserId> {
        self.user_id.as_ref()
    }

    /// The `anonymousId`, if any.
    pub fn anonymous_id(&self) -> Option<&AnonymousId> {
        self.anonymous_id.as_ref()
    }

    pub(crate) fn with_anonymous(mut self, id: AnonymousId) -> Actor {
        self.anonymous_id = Some(id);
        self
    }
}

impl From<UserId> for Actor {
    fn from(id: UserId) -> Actor {
        Actor::user(id)
    }
}

impl From<AnonymousId> for Actor {
    fn from(id: AnonymousId) -> Actor {
        Actor::anonymous(id)
    }
}

/// The parts of Segment's `context` the engine reads.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Context {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group_id: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    os_name: Option<String>,
}

impl Context {
    /// `context.groupId`: the account this activity belongs to.
    pub fn group_id(&self) -> Option<&AccountId> {
        self.group_id.as_ref()
    }

    /// `context.device.type` (`ios`, `android`, `mobile`, `desktop`…).
    pub fn device_type(&self) -> Option<&str> {
        self.device_type.as_deref()
    }

    /// `context.os.name`.
    pub fn os_name(&self) -> Option<&str> {
        self.os_name.as_deref()
    }
}

/// One activity call: what `track`, `page` and `screen` share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Activity {
    actor: Actor,
    event: String,
    #[serde(default, with = "crate::value::exact::map")]
    properties: Properties,
    timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_id: Option<MessageId>,
    #[serde(default)]
    context: Context,
}

impl Activity {
    /// The event name (`"Page Viewed"` / `"Screen Viewed"` for pages and screens).
    pub fn event(&self) -> &str {
        &self.event
    }
    /// Who did it.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// `properties` as sent.
    pub fn properties(&self) -> &Properties {
        &self.properties
    }
    /// When it happened.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }
    /// The `messageId`, if sent.
    pub fn message_id(&self) -> Option<&MessageId> {
        self.message_id.as_ref()
    }
    /// The `context` fields the engine reads.
    pub fn context(&self) -> &Context {
        &self.context
    }
}

macro_rules! activity_call {
    ($(#[$doc:meta])* $name:ident, $ctor_doc:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Activity);

        impl $name {
            #[doc = $ctor_doc]
            pub fn with_actor(actor: impl Into<Actor>, event: impl Into<String>, timestamp: DateTime<Utc>) -> Self {
                Self(Activity {
                    actor: actor.into(),
                    event: event.into(),
                    properties: Properties::new(),
                    timestamp,
                    message_id: None,
                    context: Context::default(),
                })
            }

            /// Sets the `messageId` used to recognise duplicates.
            #[must_use]
            pub fn with_message_id(mut self, id: impl Into<MessageId>) -> Self {
                self.0.message_id = Some(id.into());
                self
            }

            /// Sets `anonymousId` alongside the user id.
            #[must_use]
            pub fn with_anonymous_id(mut self, id: impl Into<AnonymousId>) -> Self {
                self.0.actor = self.0.actor.with_anonymous(id.into());
                self
            }

            /// Sets `context.groupId`: the account the activity belongs to.
            #[must_use]
            pub fn with_group_id(mut self, id: impl Into<AccountId>) -> Self {
                self.0.context.group_id = Some(id.into());
                self
            }

            /// Sets `context.device.type`.
            #[must_use]
            pub fn with_device_type(mut self, device: impl Into<String>) -> Self {
                self.0.context.device_type = Some(device.into());
                self
            }

            /// Sets `context.os.name`.
            #[must_use]
            pub fn with_os_name(mut self, os: impl Into<String>) -> Self {
                self.0.context.os_name = Some(os.into());
                self
            }

            /// Adds one entry to `properties`.
            #[must_use]
            pub fn with_property(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
                self.0.properties.insert(name.into(), value.into());
                self
            }

            /// The shared activity fields.
            pub fn activity(&self) -> &Activity {
                &self.0
            }
        }

        impl From<$name> for Call {
            fn from(call: $name) -> Call {
                Call::$name(call)
            }
        }
    };
}

activity_call!(
    /// A `track` call: the user did something named.
    Track,
    "A `track` call for any actor (user or anonymous)."
);
activity_call!(
    /// A `page` call: counts as the activity `"Page Viewed"`.
    Page,
    "A `page` call for any actor; `event` is the page name (informational)."
);
activity_call!(
    /// A `screen` call: counts as the activity `"Screen Viewed"`.
    Screen,
    "A `screen` call for any actor; `event` is the screen name (informational)."
);

impl Track {
    /// A `track` call by a known user.
    pub fn new(user: UserId, event: impl Into<String>, timestamp: DateTime<Utc>) -> Track {
        Track::with_actor(user, event, timestamp)
    }
}

impl Page {
    /// A `page` call by a known user.
    pub fn new(user: UserId, timestamp: DateTime<Utc>) -> Page {
        Page::with_actor(user, "", timestamp)
    }
}

impl Screen {
    /// A `screen` call by a known user.
    pub fn new(user: UserId, timestamp: DateTime<Utc>) -> Screen {
        Screen::with_actor(user, "", timestamp)
    }
}

/// An `identify` call: who a user is (traits), and which anonymous history is theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Identify {
    actor: Actor,
    #[serde(default, with = "crate::value::exact::map")]
    traits: Properties,
    timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_id: Option<MessageId>,
}

impl Identify {
    /// An `identify` for a known user.
    pub fn new(user: UserId, timestamp: DateTime<Utc>) -> Identify {
        Identify::with_actor(user, timestamp)
    }

    /// An `identify` for any actor; with both ids, the anonymous history joins the user.
    pub fn with_actor(actor: impl Into<Actor>, timestamp: DateTime<Utc>) -> Identify {
        Identify {
            actor: actor.into(),
            traits: Properties::new(),
            timestamp,
            message_id: None,
        }
    }

    /// Sets `anonymousId`: its history becomes this user's.
    #[must_use]
    pub fn with_anonymous_id(mut self, id: impl Into<AnonymousId>) -> Self {
        self.actor = self.actor.with_anonymous(id.into());
        self
    }

    /// Adds one trait (`email`, `first_name`, `created_at`, …).
    #[must_use]
    pub fn with_trait(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.traits.insert(name.into(), value.into());
        self
    }

    /// Adds every trait of a map at once, as [`with_trait`](Self::with_trait) would one by
    /// one (a name already set takes the new value). A map built elsewhere moves
    /// in whole, without re-inserting its entries.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use pulsecheck::{Identify, Properties, UserId, Value};
    ///
    /// let mut traits = Properties::new();
    /// traits.insert("email".to_owned(), Value::from("ana@acme.com"));
    /// let at = Utc.with_ymd_and_hms(2026, 10, 30, 9, 0, 0).unwrap();
    /// let call = Identify::new(UserId::from("u1"), at).with_traits(traits).with_trait("role", "admin");
    /// assert_eq!(call.traits().len(), 2);
    /// ```
    #[must_use]
    pub fn with_traits(mut self, traits: Properties) -> Self {
        add_traits(&mut self.traits, traits);
        self
    }

    /// Sets the `messageId`.
    #[must_use]
    pub fn with_message_id(mut self, id: impl Into<MessageId>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// Who is identified.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// The traits as sent.
    pub fn traits(&self) -> &Properties {
        &self.traits
    }
    /// When.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }
    /// The `messageId`, if sent.
    pub fn message_id(&self) -> Option<&MessageId> {
        self.message_id.as_ref()
    }
}

/// A `group` call: a user belongs to an account, and the account's traits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    #[serde(default)]
    actor: Actor,
    group_id: AccountId,
    #[serde(default, with = "crate::value::exact::map")]
    traits: Properties,
    timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_id: Option<MessageId>,
}

impl Group {
    /// A `group` call by a user: the user joins (or confirms) the account.
    pub fn new(user: UserId, group: AccountId, timestamp: DateTime<Utc>) -> Group {
        Group::with_actor(user, group, timestamp)
    }

    /// A `group` call with no user: only the account's traits.
    pub fn account_only(group: AccountId, timestamp: DateTime<Utc>) -> Group {
        Group::with_actor(Actor::default(), group, timestamp)
    }

    /// A `group` call for any actor.
    pub fn with_actor(
        actor: impl Into<Actor>,
        group: AccountId,
        timestamp: DateTime<Utc>,
    ) -> Group {
        Group {
            actor: actor.into(),
            group_id: group,
            traits: Properties::new(),
            timestamp,
            message_id: None,
        }
    }

    /// Adds one account trait (`name`, `domain`, `plan`, `seats`, `mrr`, …).
    #[must_use]
    pub fn with_trait(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.traits.insert(name.into(), value.into());
        self
    }

    /// Adds every trait of a map at once, as [`with_trait`](Self::with_trait) would one by
    /// one (a name already set takes the new value). A map built elsewhere moves
    /// in whole, without re-inserting its entries.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use pulsecheck::{AccountId, Group, Properties, UserId, Value};
    ///
    /// let mut traits = Properties::new();
    /// traits.insert("plan".to_owned(), Value::from("pro"));
    /// let at = Utc.with_ymd_and_hms(2026, 10, 30, 9, 0, 0).unwrap();
    /// let call = Group::new(UserId::from("u1"), AccountId::from("acc_1"), at).with_traits(traits).with_trait("seats", 12);
    /// assert_eq!(call.traits().len(), 2);
    /// ```
    #[must_use]
    pub fn with_traits(mut self, traits: Properties) -> Self {
        add_traits(&mut self.traits, traits);
        self
    }

    /// Sets the `messageId`.
    #[must_use]
    pub fn with_message_id(mut self, id: impl Into<MessageId>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// The member, if any.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// The account.
    pub fn group_id(&self) -> &AccountId {
        &self.group_id
    }
    /// The account traits as sent.
    pub fn traits(&self) -> &Properties {
        &self.traits
    }
    /// When.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }
    /// The `messageId`, if sent.
    pub fn message_id(&self) -> Option<&MessageId> {
        self.message_id.as_ref()
    }
}

/// An `alias` call: `previous_id`'s history becomes `user_id`'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Alias {
    previous_id: String,
    user_id: UserId,
    timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_id: Option<MessageId>,
}

impl Alias {
    /// Merges `previous_id` (an anonymous id or an earlier user id) into `user`.
    pub fn new(previous_id: impl Into<String>, user: UserId, timestamp: DateTime<Utc>) -> Alias {
        Alias {
            previous_id: previous_id.into(),
            user_id: user,
            timestamp,
            message_id: None,
        }
    }

    /// Sets the `messageId`.
    #[must_use]
    pub fn with_message_id(mut self, id: impl Into<MessageId>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// The id merged away.
    pub fn previous_id(&self) -> &str {
        &self.previous_id
    }
    /// The surviving user.
    pub fn user_id(&self) -> &UserId {
        &self.user_id
    }
    /// When.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }
    /// The `messageId`, if sent.
    pub fn message_id(&self) -> Option<&MessageId> {
        self.message_id.as_ref()
    }
}

macro_rules! into_call {
    ($($name:ident),*) => {$(
        impl From<$name> for Call {
            fn from(call: $name) -> Call {
                Call::$name(call)
            }
        }
    )*};
}
into_call!(Identify, Group, Alias);

/// Any Segment-spec call.
///
/// With serde a call is written as its fields under a `"type"` tag, each property
/// and trait value tagged with its variant, so a call reads back equal to the one
/// written (a date stays a date, a decimal a decimal). This is the crate's own
/// form, for storing calls; Segment's JSON is read by [`Call::from_json`] and
/// written by `Call::to_json` (feature `json`).
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use pulsecheck::{Call, Identify, UserId};
///
/// let at = Utc.with_ymd_and_hms(2026, 10, 31, 9, 30, 0).unwrap();
/// let call: Call = Identify::new(UserId::from("u1"), at)
///     .with_trait("created_at", NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
///     .with_message_id("m-1")
///     .into();
/// let text = serde_json::to_string(&call)?;
/// assert!(text.starts_with(r#"{"type":"identify","#));
/// assert_eq!(serde_json::from_str::<Call>(&text)?, call);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Call {
    /// `track`
    Track(Track),
    /// `page`
    Page(Page),
    /// `screen`
    Screen(Screen),
    /// `identify`
    Identify(Identify),
    /// `group`
    Group(Group),
    /// `alias`
    Alias(Alias),
}

impl Call {
    /// Whether the call counts as activity (`track`, `page`, `screen`).
    pub fn is_activity(&self) -> bool {
        self.activity().is_some()
    }

    /// The activity fields, for `track`, `page` and `screen`.
    pub fn activity(&self) -> Option<&Activity> {
        match self {
            Call::Track(t) => Some(&t.0),
            Call::Page(p) => Some(&p.0),
            Call::Screen(s) => Some(&s.0),
            _ => None,
        }
    }

    /// The event name the engine scores: the `track` event, or `"Page Viewed"` /
    /// `"Screen Viewed"`.
    pub fn event_name(&self) -> Option<&str> {
        match self {
            Call::Track(t) => Some(&t.0.event),
            Call::Page(_) => Some(PAGE_VIEWED),
            Call::Screen(_) => Some(SCREEN_VIEWED),
            _ => None,
        }
    }

    /// The Segment `type`: `"track"`, `"page"`, …
    pub fn type_name(&self) -> &'static str {
        match self {
            Call::Track(_) => "track",
            Call::Page(_) => "page",
            Call::Screen(_) => "screen",
            Call::Identify(_) => "identify",
            Call::Group(_) => "group",
            Call::Alias(_) => "alias",
        }
    }

    /// When the call happened.
    pub fn timestamp(&self) -> DateTime<Utc> {
        match self {
            Call::Track(t) => t.0.timestamp,
            Call::Page(p) => p.0.timestamp,
            Call::Screen(s) => s.0.timestamp,
            Call::Identify(i) => i.timestamp,
            Call::Group(g) => g.timestamp,
            Call::Alias(a) => a.timestamp,
        }
    }

    /// The `messageId`, if sent.
    pub fn message_id(&self) -> Option<&MessageId> {
        match self {
            Call::Track(t) => t.0.message_id.as_ref(),
            Call::Page(p) => p.0.message_id.as_ref(),
            Call::Screen(s) => s.0.message_id.as_ref(),
            Call::Identify(i) => i.message_id.as_ref(),
            Call::Group(g) => g.message_id.as_ref(),
            Call::Alias(a) => a.message_id.as_ref(),
        }
    }
}

/// The event name of a `page` call.
pub const PAGE_VIEWED: &str = "Page Viewed";
/// The event name of a `screen` call.
pub const SCREEN_VIEWED: &str = "Screen Viewed";
