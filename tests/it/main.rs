//! Every integration test, in one binary (one link instead of one per file).

mod api;
mod common;
mod config;
mod crm;
mod crm_conformance;
mod fixtures_account;
mod fixtures_health;
mod fixtures_score;
mod fixtures_time;
mod fixtures_user;
mod history;
mod hostile;
mod json_fast;
mod jsonlogic;
mod portfolio;
mod properties;
mod round_trip;
mod rules;
mod saved_state;
mod segments;
mod stack;
