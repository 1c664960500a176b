//! The order of the configured things a saved state refers to by position.
//!
//! The configuration is saved beside the state as JSON objects, and stores that
//! keep JSON as data rather than text may give its keys back in another order.
//! Rather than renumber the state, loading puts the configuration back in the
//! order the state was saved with: the loaded engine is then the saved one,
//! down to the order of its snapshot's columns and of its next save.

use super::v3::Order;
use crate::config::Config;

/// What each table is called in an error.
const TABLES: [&str; 6] = [
    "key features",
    "usage metrics",
    "user milestones",
    "account milestones",
    "user segments",
    "account segments",
];

/// The order of `config`'s positions.
pub(super) fn of(config: &Config) -> Order {
    let [
        features,
        usage,
        user_milestones,
        account_milestones,
        user_segments,
        account_segments,
    ] = config.position_order();
    Order {
        features,
        usage,
        user_milestones,
        account_milestones,
        user_segments,
        account_segments,
    }
}

/// Puts `config` in the order of `saved`, or says why the state cannot be read
/// with it.
pub(super) fn restore(config: &mut Config, saved: &Order) -> Result<(), String> {
    let configured = config.position_order();
    let saved = [
        &saved.features,
        &saved.usage,
        &saved.user_milestones,
        &saved.account_milestones,
        &saved.user_segments,
        &saved.account_segments,
    ];
    if saved.iter().zip(&configured).all(|(s, c)| *s == c) {
        return Ok(());
    }
    for ((table, saved), configured) in TABLES.iter().zip(saved).zip(&configured) {
        if !same_names(saved, configured) {
            return Err(format!(
                "the saved state refers to the {table} {saved:?}, but the configuration \
                 saved with it has {configured:?}: the file was edited or assembled from \
                 two engines; load it with the configuration it was saved with, or rebuild \
                 the engine by ingesting the calls again"
            ));
        }
    }
    config.set_position_order(&saved.map(Clone::clone));
    Ok(())
}

/// Whether two lists hold the same names, each once.
fn same_names(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b && a.windows(2).all(|w| w[0] != w[1])
}
