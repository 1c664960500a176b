//! CRM output: identity, change detection and request bodies.
//!
//! The flow for one destination (a HubSpot portal or a Salesforce org):
//!
//! 1. Optionally give account-less users an account by email domain
//!    ([`AccountMatcher`]; free-mail domains never match).
//! 2. [`diff`](diff()) the snapshot's records against the [`SyncState`] of that destination:
//!    only records with changed properties, and only those properties, come out, keyed
//!    the way the CRM matches records ([`ContactKey`], [`CompanyKey`]). Records without a
//!    usable key are listed in [`Changeset::skipped`].
//! 3. Build the requests ([`HubSpot::requests`], [`Salesforce::requests`]) and send them
//!    (the crate makes no HTTP calls).
//! 4. Confirm what succeeded ([`SyncState::confirm`], [`SyncState::confirm_request`],
//!    [`SyncState::confirm_change`]) and persist the state (serde). Whatever is not
//!    confirmed is sent again by the next diff.
//!
//! Decisions:
//! - Nulls never overwrite a CRM value unless [`DiffOptions::with_send_nulls`]; even then a
//!   null is only sent over a value this state knows was sent (a null over nothing
//!   would be noise, or would clear a value someone else typed in).
//! - The state keeps 64-bit fingerprints, not values: a million contacts fit in memory
//!   and on disk. Datetimes are compared to the millisecond (what CRMs store), decimals
//!   by value (`1.50` = `1.5`).
//! - The state is keyed by CRM property names, so renaming a property resends it.
//! - Emails are lowercased whole; domains lose scheme, path, port and leading
//!   `www.`, other subdomains are kept; an email-like domain input gives its domain.
//! - Property names are checked against the CRM's rules when building requests (every
//!   invalid name is listed), and up front with [`PropertyMap::validate`].
//!
//! ```
//! use std::sync::Arc;
//! use pulsecheck::{PropertyType, Record, RecordKind, Schema};
//! use pulsecheck::crm::{diff, DiffOptions, HubSpot, HubSpotOptions, PropertyMap, SyncState};
//!
//! let schema = Arc::new(Schema::new(RecordKind::User)
//!     .with("email", PropertyType::String)
//!     .with("engagement_score", PropertyType::Int));
//! let mut ana = Record::new(schema, "u1");
//! ana.set("email", "ana@acme.com");
//! ana.set("engagement_score", 73);
//!
//! let options = DiffOptions::new().with_properties(PropertyMap::all().prefix("pc_"));
//! let hubspot = HubSpot::new(HubSpotOptions::new());
//! let mut state = SyncState::new();
//!
//! let changes = diff([&ana], &state, &options);
//! for request in hubspot.requests(&changes).expect("valid names") {
//!     // send `request` (method, path, body); then:
//!     state.confirm_request(&changes, &request).expect("same changeset");
//! }
//! assert!(diff([&ana], &state, &options).is_empty());
//! ```

mod diff;
mod error;
mod fingerprint;
mod hubspot;
mod identity;
mod naming;
mod request;
mod salesforce;
mod sync_state;

pub use diff::{
    Changeset, DiffOptions, PropertyChange, RecordChange, SkipReason, SkippedRecord, diff,
};
pub use error::{Crm, CrmError, NameError, NameRule};
pub use hubspot::{
    HUBSPOT_MAX_BATCH, HubSpot, HubSpotBatchUpdate, HubSpotInput, HubSpotOption, HubSpotOptions,
    HubSpotProperty, HubSpotPropertyBatch, HubSpotPropertyGroup, IdProperty, hubspot_value,
    is_hubspot_builtin,
};
pub use identity::{
    AccountMatcher, CompanyKey, ContactKey, DomainMatch, DomainMatchReport, FreeMailDomains,
    email_domain, normalize_domain, normalize_email,
};
pub use naming::{
    HUBSPOT_ACCOUNT_ID_PROPERTY, HUBSPOT_USER_ID_PROPERTY, PropertyMap, PropertySelection,
    validate_name,
};
pub use request::{Method, Request, RequestBody};
pub use salesforce::{
    SALESFORCE_MAX_BATCH, Salesforce, SalesforceAttributes, SalesforceField,
    SalesforceFieldMetadata, SalesforceOptions, SalesforcePicklistValue, SalesforceRecord,
    SalesforceUpsert, SalesforceValue, SalesforceValueSet, SalesforceValueSetDefinition,
    salesforce_value,
};
pub use sync_state::SyncState;
