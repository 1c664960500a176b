//! Newtype identifiers, so a user id can never be passed where an account id is meant.

use std::fmt;

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident, $example:literal) => {
        $(#[$doc])*
        ///
        /// ```
        #[doc = concat!("use pulsecheck::", stringify!($name), ";")]
        ///
        #[doc = concat!("let id = ", stringify!($name), "::from(\"", $example, "\");")]
        #[doc = concat!("assert_eq!(id.as_str(), \"", $example, "\");")]
        #[doc = concat!("assert_eq!(id.to_string(), \"", $example, "\");")]
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier as sent by the host.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the identifier.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_newtype!(
    /// A known user: Segment's `userId`, the key of a CRM Contact.
    UserId,
    "user_42"
);
id_newtype!(
    /// A pre-signup visitor: Segment's `anonymousId`.
    AnonymousId,
    "a1b2c3"
);
id_newtype!(
    /// An account (company, workspace, team): Segment's `groupId`, the key of a CRM Company.
    AccountId,
    "acme"
);
id_newtype!(
    /// The unique id of one call (Segment's `messageId`), used to ignore duplicates.
    MessageId,
    "ajs-next-1f3c"
);
