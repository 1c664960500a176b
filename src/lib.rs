//! pulsecheck (crate docs are written with the engine).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod id;
mod record;
mod schema;
mod value;

pub use id::{AccountId, AnonymousId, MessageId, UserId};
pub use record::Record;
pub use schema::{PropertyType, RecordKind, Schema};
pub use value::Value;
