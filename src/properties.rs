//! The computed properties, in record order, with their types.

use std::sync::Arc;

use crate::config::Config;
use crate::config::compiled::UsageSpec;
use crate::schema::{PropertyType, RecordKind, Schema};

/// `lifecycle_stage` values.
pub(crate) const LIFECYCLE_STAGES: [&str; 5] =
    ["new", "active", "resurrected", "dormant", "inactive"];
/// `engagement_trend_label` values.
pub(crate) const TREND_LABELS: [&str; 3] = ["rising", "steady", "falling"];

fn shared(kind: RecordKind) -> Vec<(&'static str, PropertyType)> {
    use PropertyType::*;
    let mut p = vec![
        ("created_at", DateTime),
        ("tenure_days", Int),
        ("first_seen_at", DateTime),
        ("last_seen_at", DateTime),
        ("days_since_last_seen", Int),
        ("raw_score", Int),
        ("engagement_score", Int),
        ("engagement_score_previous", Int),
        ("engagement_trend", Int),
        (
            "engagement_trend_label",
            PropertyType::enumeration(TREND_LABELS),
        ),
        ("active_days", Int),
        ("event_count", Int),
    ];
    if kind == RecordKind::Account {
        p.extend([
            ("active_users", Int),
            ("total_users", Int),
            ("active_user_pct", Int),
            ("seat_utilization_pct", Int),
        ]);
    }
    p.extend([
        ("features_used", StringList),
        ("adoption_rate", Int),
        ("adoption_rate_lifetime", Int),
        ("milestones_completed", StringList),
        ("activation_rate", Int),
        ("activated", Bool),
        ("activated_at", DateTime),
        (
            "lifecycle_stage",
            PropertyType::enumeration(LIFECYCLE_STAGES),
        ),
    ]);
    p
}

/// `nps_category` values.
pub(crate) const NPS_CATEGORIES: [&str; 3] = ["promoter", "passive", "detractor"];
/// `revenue_movement` values.
pub(crate) const REVENUE_MOVEMENTS: [&str; 7] = [
    "new",
    "reactivated",
    "expansion",
    "contraction",
    "churned",
    "flat",
    "none",
];
/// `health_label` values.
pub(crate) const HEALTH_LABELS: [&str; 3] = ["red", "yellow", "green"];

/// The properties the `health` section adds to a kind (`nps`: whether NPS is
/// configured), in record order.
pub(crate) fn health(kind: RecordKind, nps: bool) -> Vec<(&'static str, PropertyType)> {
    use PropertyType::*;
    let mut p = Vec::new();
    match kind {
        RecordKind::User => {
            if nps {
                p.extend([
                    ("nps_score", Int),
                    ("nps_category", PropertyType::enumeration(NPS_CATEGORIES)),
                    ("nps_responded_at", DateTime),
                ]);
            }
        }
        RecordKind::Account => {
            if nps {
                p.extend([("nps", Int), ("nps_responses", Int)]);
            }
            p.extend([
                ("mrr_previous", Decimal),
                ("mrr_change", Decimal),
                (
                    "revenue_movement",
                    PropertyType::enumeration(REVENUE_MOVEMENTS),
                ),
                ("churned", Bool),
                ("churned_at", DateTime),
                ("retained_users_pct", Int),
            ]);
        }
    }
    p.extend([
        ("health_score", Int),
        ("health_label", PropertyType::enumeration(HEALTH_LABELS)),
    ]);
    p
}

/// Every property name a configuration gives a kind before usage metrics,
/// segments and actions: the base ones and the `health` ones.
pub(crate) fn fixed_names(config: &Config, kind: RecordKind) -> Vec<&'static str> {
    let mut names = base_names(kind);
    if let Some(h) = config.health() {
        names.extend(health(kind, h.nps().is_some()).into_iter().map(|(n, _)| n));
    }
    names
}

/// Every base property name of a kind (before usage metrics, segments and actions).
pub(crate) fn base_names(kind: RecordKind) -> Vec<&'static str> {
    base(kind).into_iter().map(|(n, _)| n).collect()
}

fn base(kind: RecordKind) -> Vec<(&'static str, PropertyType)> {
    use PropertyType::*;
    let mut p = match kind {
        RecordKind::User => vec![
            ("user_id", String),
            ("email", String),
            ("first_name", String),
            ("last_name", String),
            ("greeting_name", String),
            ("account_id", String),
        ],
        RecordKind::Account => vec![
            ("account_id", String),
            ("name", String),
            ("domain", String),
            ("plan", String),
            ("seats", Int),
            ("mrr", Decimal),
        ],
    };
    p.extend(shared(kind));
    if kind == RecordKind::User {
        p.extend([
            ("primary_device", String),
            ("device_types", StringList),
            ("last_contacted_at", DateTime),
            ("last_contact_purpose", String),
            ("days_since_last_contact", Int),
            ("contact_effective", Bool),
        ]);
    }
    p
}

/// The suffixes each usage metric `{usage}` expands to, per kind.
pub(crate) fn usage_suffixes(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::User => &["", "_previous", "_growth_pct"],
        RecordKind::Account => &[
            "",
            "_previous",
            "_growth_pct",
            "_share_pct",
            "_cumulative_share_pct",
        ],
    }
}

/// The full schema of a record kind under a configuration.
pub(crate) fn schema(config: &Config, kind: RecordKind) -> Arc<Schema> {
    let mut schema = Schema::new(kind);
    for (name, ty) in base(kind) {
        schema.push(name, ty);
    }
    if let Some(h) = config.health() {
        for (name, ty) in health(kind, h.nps().is_some()) {
            schema.push(name, ty);
        }
    }
    for (usage, _) in config.usage().iter() {
        for suffix in usage_suffixes(kind) {
            schema.push(&format!("{usage}{suffix}"), PropertyType::Decimal);
        }
    }
    let (segments, actions) = match kind {
        RecordKind::User => (config.segments().user(), config.actions().user()),
        RecordKind::Account => (config.segments().account(), config.actions().account()),
    };
    let _ = segments;
    schema.push("segments", PropertyType::StringList);
    let mut options: Vec<&str> = Vec::new();
    for a in actions {
        if !options.contains(&a.action()) {
            options.push(a.action());
        }
    }
    schema.push("next_action", PropertyType::enumeration(options));
    Arc::new(schema)
}

/// The suffixes of the properties a usage metric expands to, in [`Columns::usage`] order.
const USAGE_COLUMNS: [&str; 5] = [
    "",
    "_previous",
    "_growth_pct",
    "_share_pct",
    "_cumulative_share_pct",
];

macro_rules! columns {
    ($($name:ident),* $(,)?) => {
        /// Schema positions of the computed properties, resolved once per
        /// configuration so building a record never hashes a property name.
        /// `usize::MAX` marks a property the record kind does not have.
        #[derive(Debug, Clone)]
        pub(crate) struct Columns {
            $(pub $name: usize,)*
            /// Per usage metric: value, previous, growth, share, cumulative share.
            pub usage: Vec<[usize; 5]>,
        }

        impl Columns {
            pub fn new(schema: &Schema, usage: &[UsageSpec]) -> Columns {
                let at = |name: &str| schema.index_of(name).unwrap_or(usize::MAX);
                Columns {
                    $($name: at(stringify!($name)),)*
                    usage: usage
                        .iter()
                        .map(|u| USAGE_COLUMNS.map(|suffix| at(&format!("{}{suffix}", u.name))))
                        .collect(),
                }
            }
        }
    };
}

columns!(
    user_id,
    email,
    first_name,
    last_name,
    greeting_name,
    account_id,
    name,
    domain,
    plan,
    seats,
    mrr,
    created_at,
    tenure_days,
    first_seen_at,
    last_seen_at,
    days_since_last_seen,
    raw_score,
    engagement_score,
    engagement_score_previous,
    engagement_trend,
    engagement_trend_label,
    active_days,
    event_count,
    active_users,
    total_users,
    active_user_pct,
    seat_utilization_pct,
    features_used,
    adoption_rate,
    adoption_rate_lifetime,
    milestones_completed,
    activation_rate,
    activated,
    activated_at,
    lifecycle_stage,
    primary_device,
    device_types,
    last_contacted_at,
    last_contact_purpose,
    days_since_last_contact,
    contact_effective,
    nps_score,
    nps_category,
    nps_responded_at,
    nps,
    nps_responses,
    mrr_previous,
    mrr_change,
    revenue_movement,
    churned,
    churned_at,
    retained_users_pct,
    health_score,
    health_label,
    segments,
    next_action,
);
