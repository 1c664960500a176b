//! pulsecheck turns a SaaS product's usage events into the few properties a CRM can
//! act on.
//!
//! Feed an [`Engine`] the product's Segment-spec calls (`track`, `page`, `screen`,
//! `identify`, `group`, `alias`) as typed values or JSON, in any order, duplicates
//! and garbage included; ask it for a [`Snapshot`] as of any day; get, for every
//! user (a CRM Contact) and every account (a CRM Company), a [`Record`] of typed
//! properties: a normalized 0–100 engagement score and its trend, activation,
//! adoption of key features, frequency, recency, tenure, active users, usage and its
//! growth, lifecycle stage, devices and outreach effectiveness; and, with a
//! [`health`](config::Health) section, customer health: NPS, revenue movement and
//! churn from the `mrr` trait, user retention and a 0–100 health score.
//!
//! The crate is pure logic: no I/O, no clock of its own, and no threads unless the
//! host asks a snapshot for them ([`Engine::set_snapshot_threads`]). Everything is
//! computed as of a day the host names, the same calls in any order give the same
//! answer, and engines that ingested parts of a stream [merge](Engine::merge) into
//! the engine that ingested all of it.
//!
//! # Example
//!
//! ```
//! use chrono::{NaiveDate, TimeZone, Utc};
//! use pulsecheck::{AccountId, Config, Engine, Group, Identify, Milestone, Track, UserId};
//!
//! let config = Config::builder()
//!     .window_days(28)
//!     .score_event("Report Run", 5)
//!     .score_event("Task Created", 2)
//!     .feature("reporting", ["Report Run"])
//!     .feature("planning", ["Task Created"])
//!     .user_milestone(Milestone::event("first_task", "Task Created"))
//!     .build()?;
//! let mut engine = Engine::new(config)?;
//!
//! let at = |d, h| Utc.with_ymd_and_hms(2026, 10, d, h, 0, 0).unwrap();
//! let ana = UserId::from("ana");
//! engine.ingest(&Identify::new(ana.clone(), at(1, 9)).with_trait("firstName", "Ana").into())?;
//! engine.ingest(&Group::new(ana.clone(), AccountId::from("acme"), at(1, 9)).with_trait("plan", "pro").into())?;
//! engine.ingest(&Track::new(ana.clone(), "Task Created", at(10, 10)).with_message_id("m1").into())?;
//! engine.ingest(&Track::new(ana.clone(), "Report Run", at(20, 11)).with_message_id("m2").into())?;
//!
//! let snapshot = engine.snapshot(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
//! let user = snapshot.user("ana").unwrap();
//! assert_eq!(user.get("greeting_name").unwrap().as_str(), Some("Ana"));
//! assert_eq!(user.get("raw_score").unwrap().as_i64(), Some(7));
//! assert_eq!(user.get("adoption_rate").unwrap().as_i64(), Some(100));
//! assert_eq!(user.get("activated").unwrap().as_bool(), Some(true));
//!
//! let account = snapshot.account("acme").unwrap();
//! assert_eq!(account.get("active_users").unwrap().as_i64(), Some(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # A map of the crate
//!
//! - Calls in: [`Call`] and its kinds ([`Track`], [`Page`], [`Screen`], [`Identify`],
//!   [`Group`], [`Alias`]); bad input becomes a typed [`Rejection`], counted in an
//!   [`IngestReport`].
//! - Configuration: [`Config`] (from JSON, or built with
//!   [`Config::builder`]), validated with every problem reported at once.
//! - The [`Engine`]: ingest, [`record_contact`](Engine::record_contact),
//!   [`snapshot`](Engine::snapshot) / [`snapshot_tracked`](Engine::snapshot_tracked)
//!   (on several threads with [`set_snapshot_threads`](Engine::set_snapshot_threads)),
//!   [`merge`](Engine::merge), [`evict_before`](Engine::evict_before) (bounded
//!   history), [`shrink_to_fit`](Engine::shrink_to_fit) (less memory and faster
//!   snapshots after a bulk load), serde.
//! - [`rule`]: the segment and action language (and JsonLogic import).
//! - [`crm`]: identity keys, change detection against a [`SyncState`], and the
//!   exact HubSpot / Salesforce request bodies.
//! - [`portfolio`]: the whole customer base as of a day ([`Engine::portfolio`]), as
//!   data and, with the `report` feature, as a self-contained HTML page
//!   ([`Portfolio::to_html`]).
//! - [`metrics`]: the arithmetic (percentile, score curve, rounding), public so a
//!   figure can be reproduced by hand; [`sample`]: a deterministic sample stream.
//!
//! # Crate features
//!
//! - **`json`** (default): Segment-spec JSON ingestion ([`Call::from_json`],
//!   [`Engine::ingest_json`], [`Engine::ingest_ndjson`]) and JSON rendering of calls.
//!   Pulls in `serde_json`. Without it the crate takes typed calls only.
//! - **`report`** (default): [`Portfolio::to_html`], the portfolio's report page. No
//!   dependency.
//!
//! # Dependencies in the API
//!
//! Calls and snapshots speak [`chrono`] (timestamps, days), [`rust_decimal`]
//! (exact usage and revenue) and [`indexmap`] (ordered properties). The crate
//! re-exports all three, so a host can write `pulsecheck::chrono::NaiveDate` and
//! always name the versions this crate was built with:
//!
//! ```
//! use pulsecheck::chrono::NaiveDate;
//! use pulsecheck::rust_decimal::Decimal;
//! use pulsecheck::{Properties, Value};
//!
//! let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
//! let mut props = Properties::new();
//! props.insert("megabytes".to_owned(), Value::from(Decimal::new(125, 1)));
//! assert_eq!(day.to_string(), "2026-10-31");
//! ```
//!
//! `serde` support is always on: [`Config`], [`Value`], [`Record`],
//! [`IngestReport`], [`Call`], [`Snapshot`], [`Changeset`] and the [`Engine`]
//! itself (its state) serialize; calls, snapshots and changesets also read back
//! equal to what was written.
//!
//! # Definitions at the edges
//!
//! How the engine decides the cases a metric's one-line definition leaves open.
//!
//! - **Identity.** `userId`s and `anonymousId`s share one namespace. `identify` with
//!   both ids and `alias` link an id to a user as of the call's day; a snapshot of an
//!   earlier day does not see the link. Only ids that appeared as a `userId` become
//!   user records; purely anonymous visitors do not.
//! - **Account of an activity.** `context.groupId` when present, else the account of
//!   the user's latest `group` call on or before D. A user's `account_id` is that
//!   account, else the account of their latest activity that named one.
//! - **Traits.** The latest value per trait as of D (by timestamp, ties broken by a
//!   fingerprint of the `messageId` and value, so the result does not depend on
//!   arrival order). `firstName`, `lastName`, `preferredName`, `createdAt` are read as
//!   their snake_case names. `created_at` accepts RFC 3339, a date, or Unix seconds.
//! - **Features.** Without `features`, each listed scored event is its own feature;
//!   with the all-events scoring default there is no finite list of key features, so
//!   adoption is null until features are named.
//! - **Duplicates.** A `messageId` is remembered with its sender (the user or
//!   anonymous id the call is stored under; the account for a `group` call without
//!   one) as its call's day and a 40-bit fingerprint: the same id from the same
//!   sender is ignored in any order; the same id from another sender is a different
//!   message. Copies of a message carry the same timestamp, hence the same day, so
//!   a new message is compared only with its sender's messages of that day, and is
//!   wrongly taken for a copy with probability at most n / 2⁴⁰ for n of them (below
//!   10⁻⁹ per call at 1,000 calls a day).
//! - **History** is kept until the host calls
//!   [`Engine::evict_before`]: the engine never decides on its own to forget, so a
//!   call stamped far in the future cannot wipe it.
//! - **Usage** sums are exact decimals. A usage property that is not a number is a
//!   warning; the event still counts as activity and as a usage *count*.
//! - **Lifecycle**: "activity" is any `track`/`page`/`screen` (scored or not).
//! - **`contact_effective`** compares exact timestamps: activity in the
//!   `contact_effect_days` after the last contact and none in the 7 days before it.
//! - **Customer health** exists only with a `health` section: without one no health
//!   property exists and every other output is unchanged. In `health.weights`, the
//!   weights named replace their defaults and the others keep theirs; without
//!   `health.nps` there are no NPS properties (`"nps": {}` takes its defaults).
//! - **NPS.** A response is a number with no fractional part from 0 to 10 (`9.0`
//!   counts); text such as `"9"` is not, and gets a `bad_nps_score` warning like 11,
//!   7.5 or a missing score. One response per user and day is kept (the latest; of
//!   two at the same millisecond the lower score), which is all "the latest response
//!   of the last NL days" needs. An account's members are the users whose
//!   `account_id` is that account as of D. Responses older than the retained
//!   history are forgotten: `history_days` is at least `nps.lookback_days`.
//! - **Revenue.** mrr(X) is the account's `mrr` trait as of the end of day X, the
//!   same value the `mrr` property shows on X; missing, null or non-numeric counts
//!   as 0 (and `mrr_previous` is then null), and in the movement branches "0" is
//!   anything not above 0, so a negative `mrr` churns like 0. Every `group` call
//!   carrying `mrr` is a call that sets it; for churn the engine keeps, per account
//!   and day, the latest call above 0 and the calls not above 0 after it (kept
//!   whole, like traits), so `churned_at` is exact even within one day and in any
//!   ingest order.
//! - **Health score** components are combined exactly (integers scaled by
//!   `2 · lookback_days`), so a mean of exactly x.5 always rounds up. Rule milestones
//!   are decided before the score (activation is a component), so they see
//!   `health_score` and `health_label` as null.
//! - **Retention.** `retained_users_pct` counts members with any activity (not
//!   only scored events) for the account, attributed as for `total_users`.
//! - **Portfolio.** Revenue figures read each account's `mrr`, `mrr_previous`,
//!   `mrr_change` and `revenue_movement` as the records show them; without a
//!   `health` section only `paying_accounts` and `mrr` (from the `mrr` trait) are
//!   filled, the movements are 0 and the retention ratios null. A negative `mrr`
//!   counts as 0. User retention and the cohorts read a person's activity under
//!   every id merged into them as of D; a cohort member is a user record of D whose
//!   `created_at` falls in the cohort's week.
//! - **Nulls.** A metric that does not apply (no activity yet, no seats, no
//!   milestones configured) is [`Value::Null`], never a made-up 0.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod crm;
mod engine;
mod event;
mod hash;
mod id;
mod intern;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "json")]
pub use json::JsonScratch;
#[cfg(feature = "json")]
#[doc(hidden)]
pub use json::readers;
pub mod metrics;
mod outcome;
pub mod portfolio;
mod properties;
mod record;
pub mod rule;
pub mod sample;
mod schema;
mod snapshot;
mod source;
#[cfg(test)]
mod testing;
mod time;
mod trim;
mod value;

/// Dates and times: calls carry `chrono::DateTime<Utc>` and snapshots are taken as
/// of a `chrono::NaiveDate`; use this re-export to name the same chrono version.
pub use chrono;
/// Ordered maps: [`Properties`] and the portfolio's tables are `indexmap::IndexMap`;
/// use this re-export to name the same indexmap version.
pub use indexmap;
/// Exact decimals: usage sums and MRR are `rust_decimal::Decimal` (in [`Value`]
/// and [`Portfolio`]); use this re-export to name the same rust_decimal version.
pub use rust_decimal;

pub use config::{Config, ConfigBuilder, ConfigError, ConfigErrors, Curve, Milestone, Usage};
pub use crm::{Changeset, DiffOptions, HubSpot, Request, Salesforce, SyncState};
pub use engine::{Engine, Eviction, MergeError, MergeStats};
pub use event::{
    Activity, Actor, Alias, Call, Context, Group, Identify, PAGE_VIEWED, Page, Properties,
    SCREEN_VIEWED, Screen, Track,
};
pub use id::{AccountId, AnonymousId, MessageId, UserId};
pub use outcome::{IngestReport, Outcome, Rejection, Warning};
pub use portfolio::Portfolio;
pub use record::Record;
pub use rule::{
    ActionDef, CompiledRule, EvalInput, Membership, Memberships, Rule, RuleContext, RuleError,
    RuleErrors, SegmentDef, Transition,
};
pub use schema::{PropertyType, RecordKind, Schema};
pub use snapshot::Snapshot;
pub use source::ErrorSource;
pub use value::{Text, Value};

/// The README's Rust examples, compiled and run as doc tests so they cannot go stale
/// (they use the default features).
#[cfg(all(doctest, feature = "json", feature = "report"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
