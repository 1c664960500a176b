//! pulsecheck (crate docs are written with the engine).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
mod engine;
mod event;
mod hash;
mod id;
mod ingest;
#[cfg(feature = "json")]
mod json;
pub mod metrics;
mod properties;
mod record;
pub mod sample;
mod schema;
mod snapshot;
mod time;
mod value;

pub use config::{
    ActionDef, Config, ConfigBuilder, ConfigError, ConfigErrors, Curve, Milestone, SegmentDef,
    Usage,
};
pub use engine::{Engine, MergeError, MergeStats};
pub use event::{
    Activity, Actor, Alias, Call, Context, Group, Identify, PAGE_VIEWED, Page, Properties,
    SCREEN_VIEWED, Screen, Track,
};
pub use id::{AccountId, AnonymousId, MessageId, UserId};
pub use ingest::{IngestReport, Outcome, Rejection, Warning};
pub use record::Record;
pub use schema::{PropertyType, RecordKind, Schema};
pub use snapshot::Snapshot;
pub use value::Value;
