//! Rule evaluation hot paths: one compiled 4-clause rule over one record, and a
//! 10-segment set over 1M records.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use indexmap::IndexMap;
use pulsecheck::rule::{EvalInput, Membership, Rule, RuleContext, SegmentDef, SegmentSet};
use pulsecheck::{PropertyType, Record, RecordKind, Schema};
use rust_decimal::Decimal;

fn users() -> Arc<Schema> {
    Arc::new(
        Schema::new(RecordKind::User)
            .with("user_id", PropertyType::String)
            .with("email", PropertyType::String)
            .with("engagement_score", PropertyType::Int)
            .with("engagement_trend", PropertyType::Int)
            .with("days_since_last_seen", PropertyType::Int)
            .with("last_seen_at", PropertyType::DateTime)
            .with("created_at", PropertyType::DateTime)
            .with("active_days", PropertyType::Int)
            .with("features_used", PropertyType::StringList)
            .with(
                "lifecycle_stage",
                PropertyType::enumeration(["new", "active", "resurrected", "dormant", "inactive"]),
            )
            .with("adoption_rate", PropertyType::Int)
            .with("activated", PropertyType::Bool),
    )
}

fn accounts() -> Arc<Schema> {
    Arc::new(
        Schema::new(RecordKind::Account)
            .with("account_id", PropertyType::String)
            .with("plan", PropertyType::String)
            .with("mrr", PropertyType::Decimal)
            .with("seats", PropertyType::Int)
            .with("active_users", PropertyType::Int),
    )
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
}

fn user(schema: &Arc<Schema>, i: u64) -> Record {
    let mut r = Record::new(schema.clone(), format!("user_{i}"));
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let seen = (h >> 7) % 60;
    r.set("user_id", format!("user_{i}"));
    r.set("email", format!("u{i}@acme.com"));
    r.set("engagement_score", ((h >> 3) % 101) as i64);
    r.set("engagement_trend", ((h >> 11) % 41) as i64 - 20);
    r.set("days_since_last_seen", seen as i64);
    let t = DateTime::<Utc>::from_timestamp(1_793_000_000 - (seen as i64) * 86_400, 0).unwrap();
    r.set("last_seen_at", t);
    r.set("created_at", t - chrono::Duration::days(200));
    r.set("active_days", ((h >> 17) % 30) as i64);
    let features: &[&str] = match (h >> 23) % 4 {
        0 => &[],
        1 => &["planning"],
        2 => &["reporting"],
        _ => &["planning", "reporting"],
    };
    r.set(
        "features_used",
        pulsecheck::Value::string_list(features.iter().copied()),
    );
    r.set(
        "lifecycle_stage",
        ["new", "active", "resurrected", "dormant", "inactive"][((h >> 29) % 5) as usize],
    );
    r.set("adoption_rate", ((h >> 31) % 101) as i64);
    r.set("activated", (h >> 37).is_multiple_of(2));
    r
}

fn account(schema: &Arc<Schema>, i: u64) -> Record {
    let mut r = Record::new(schema.clone(), format!("acct_{i}"));
    r.set("account_id", format!("acct_{i}"));
    r.set("plan", ["free", "pro", "enterprise"][(i % 3) as usize]);
    r.set("mrr", Decimal::new((i as i64 % 50) * 10_000, 2));
    r.set("seats", (i % 20 + 1) as i64);
    r.set("active_users", (i % 7) as i64);
    r
}

fn four_clause(c: &mut Criterion) {
    let (u, a) = (users(), accounts());
    let ctx = RuleContext::new(u.clone()).with_account(a.clone());
    let rule = Rule::parse(
        "engagement_score >= 40 and account.plan in [\"pro\", \"enterprise\"] and last_seen_at within 30 days and days_since_last_seen < 14",
    )
    .unwrap()
    .compile(&ctx)
    .unwrap();
    // Every clause holds, so all four are evaluated (no short-circuit).
    let mut rec = user(&u, 1);
    rec.set("engagement_score", 73);
    rec.set("days_since_last_seen", 3);
    rec.set(
        "last_seen_at",
        DateTime::parse_from_rfc3339("2026-10-28T12:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let acct = account(&a, 2);
    let input = EvalInput::new(&rec, day()).with_account(Some(&acct));
    assert!(rule.eval(&input));
    c.bench_function("rule/4-clause eval (1 record)", |b| {
        b.iter(|| rule.eval(black_box(&input)))
    });
}

fn segments_1m(c: &mut Criterion) {
    let (u, a) = (users(), accounts());
    let ctx = RuleContext::new(u.clone()).with_account(a.clone());
    let rules = [
        (
            "at_risk",
            "engagement_score < 25 and days_since_last_seen >= 14",
            Some("engagement_score >= 35"),
        ),
        (
            "champions",
            "engagement_score >= 80 and active_days >= 15",
            None,
        ),
        ("no_reporting", "not (\"reporting\" in features_used)", None),
        ("paying", "account.plan in [\"pro\", \"enterprise\"]", None),
        ("big_accounts", "account.mrr >= 300.00", None),
        ("recent", "last_seen_at within 7 days", None),
        (
            "gone",
            "last_seen_at before 30 days ago",
            Some("last_seen_at within 3 days"),
        ),
        ("falling", "engagement_trend <= -10", None),
        (
            "new_users",
            "lifecycle_stage = \"new\" and created_at within 30 days",
            None,
        ),
        ("low_adoption", "adoption_rate < 30 and activated", None),
    ];
    let mut defs = IndexMap::new();
    for (name, enter, exit) in rules {
        let mut def = SegmentDef::new(Rule::parse(enter).unwrap());
        if let Some(exit) = exit {
            def = def.with_exit(Rule::parse(exit).unwrap());
        }
        defs.insert(name.to_owned(), def);
    }
    let set = SegmentSet::compile(&defs, &ctx).unwrap();
    let accts: Vec<Record> = (0..10_000).map(|i| account(&a, i)).collect();
    let recs: Vec<Record> = (0..1_000_000).map(|i| user(&u, i)).collect();
    let mut group = c.benchmark_group("segments");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("10 segments x 1M records", |b| {
        b.iter(|| {
            let mut members = 0usize;
            for (i, r) in recs.iter().enumerate() {
                let input = EvalInput::new(r, day()).with_account(Some(&accts[i % accts.len()]));
                members += set.evaluate(&input, Membership::empty()).len();
            }
            black_box(members)
        })
    });
    group.finish();
}

criterion_group!(benches, four_clause, segments_1m);
criterion_main!(benches);
