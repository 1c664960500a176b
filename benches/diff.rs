//! Change detection at scale: 1M contacts, 1% changed, against a confirmed state.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use pulsecheck::crm::{DiffOptions, HubSpot, HubSpotOptions, PropertyMap, SyncState, diff};
use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};

const N: usize = 1_000_000;

fn snapshot() -> Vec<Record> {
    let schema = Arc::new(
        Schema::new(RecordKind::User)
            .with("user_id", PropertyType::String)
            .with("email", PropertyType::String)
            .with("account_id", PropertyType::String)
            .with("engagement_score", PropertyType::Int)
            .with("engagement_score_previous", PropertyType::Int)
            .with(
                "engagement_trend_label",
                PropertyType::enumeration(["rising", "steady", "falling"]),
            )
            .with("raw_score", PropertyType::Number)
            .with("active_days", PropertyType::Int)
            .with("last_seen_at", PropertyType::DateTime)
            .with("created_at", PropertyType::DateTime)
            .with(
                "lifecycle_stage",
                PropertyType::enumeration(["new", "active", "dormant"]),
            )
            .with("features_used", PropertyType::StringList)
            .with("activated", PropertyType::Bool)
            .with("segments", PropertyType::StringList),
    );
    let t0 = Utc
        .timestamp_millis_opt(1_790_000_000_000)
        .single()
        .expect("valid instant");
    (0..N)
        .map(|i| {
            let mut r = Record::new(schema.clone(), format!("user_{i}"));
            r.set("user_id", format!("user_{i}"));
            r.set("email", format!("user{i}@company{}.com", i % 5000));
            r.set("account_id", format!("acct_{}", i % 5000));
            r.set("engagement_score", (i % 101) as i64);
            r.set("engagement_score_previous", (i % 97) as i64);
            r.set("engagement_trend_label", "steady");
            r.set("raw_score", (i % 1000) as f64 * 1.5);
            r.set("active_days", (i % 30) as i64);
            r.set("last_seen_at", t0 + chrono::Duration::seconds(i as i64));
            r.set("created_at", t0 - chrono::Duration::days((i % 900) as i64));
            r.set("lifecycle_stage", "active");
            r.set(
                "features_used",
                Value::string_list(["reporting", "planning"]),
            );
            r.set("activated", i % 2 == 0);
            r.set("segments", Value::string_list(["champion"]));
            r
        })
        .collect()
}

fn bench_diff(c: &mut Criterion) {
    let mut records = snapshot();
    let options = DiffOptions::new().with_properties(PropertyMap::all().prefix("pc_"));
    let mut state = SyncState::new();
    state.confirm(&diff(&records, &state, &options));
    for r in records.iter_mut().step_by(100) {
        let score = r
            .get("engagement_score")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        r.set("engagement_score", score + 1);
    }
    let changed = diff(&records, &state, &options);
    assert_eq!(changed.len(), N / 100);
    assert_eq!(changed.property_count(), N / 100);

    let mut group = c.benchmark_group("diff");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("1M_contacts_1pct_changed", |b| {
        b.iter(|| diff(black_box(&records), black_box(&state), black_box(&options)))
    });
    let hubspot = HubSpot::new(HubSpotOptions::new());
    group.bench_function("1M_contacts_1pct_changed_plus_hubspot_requests", |b| {
        b.iter(|| {
            let changes = diff(black_box(&records), black_box(&state), black_box(&options));
            hubspot.requests(&changes).map(|r| r.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_diff);
criterion_main!(benches);
