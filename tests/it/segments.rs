//! Segments, hysteresis and actions end to end: through the engine and its snapshots.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use pulsecheck::rule::Direction;
use pulsecheck::{Config, Engine, Memberships, RecordKind, Track, UserId, Value};

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + Duration::days(n)
}

/// One user whose raw score (events of the day, window of 1 day) follows `per_day`.
fn engine(per_day: &[u32]) -> Engine {
    let config = Config::builder()
        .window_days(1)
        .segment_with_exit(RecordKind::User, "low", "raw_score < 3", "raw_score > 6")
        .user_action("\"low\" in segments", "nudge")
        .user_action("raw_score >= 7", "celebrate")
        .build()
        .unwrap();
    let mut engine = Engine::new(config).unwrap();
    for (d, &n) in per_day.iter().enumerate() {
        for i in 0..n {
            let at = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap()
                + Duration::days(d as i64)
                + Duration::minutes(i.into());
            engine
                .ingest(
                    &Track::new(UserId::from("u1"), "Report Run", at)
                        .with_message_id(format!("{d}-{i}"))
                        .into(),
                )
                .unwrap();
        }
    }
    engine
}

#[test]
fn a_wobbling_score_enters_once_and_leaves_only_on_exit() {
    let per_day = [2, 4, 2, 5, 2, 4, 7, 4];
    let engine = engine(&per_day);
    let mut memberships = Memberships::new();
    let mut seen = Vec::new();
    let mut transitions = 0;
    for d in 0..per_day.len() as i64 {
        let snapshot = engine.snapshot_tracked(day(d), &mut memberships);
        let user = snapshot.user("u1").unwrap();
        let in_low = user
            .get("segments")
            .unwrap()
            .as_list()
            .unwrap()
            .contains(&Value::from("low"));
        seen.push((in_low, user.get("next_action").unwrap().clone()));
        transitions += snapshot.transitions().len();
        for t in snapshot.transitions() {
            assert_eq!(
                (t.kind(), t.id(), t.segment(), t.day()),
                (RecordKind::User, "u1", "low", day(d))
            );
            assert_eq!(
                t.direction(),
                if d == 0 {
                    Direction::Entered
                } else {
                    Direction::Exited
                }
            );
            assert!(d == 0 || d == 6, "transition on day {d}");
        }
    }
    assert_eq!(transitions, 2, "one entry, one exit");
    let membership: Vec<bool> = seen.iter().map(|(m, _)| *m).collect();
    // In from the first day (2 < 3) through the wobble (4, 5 are not > 6), out at 7,
    // and not back in at 4 (4 is not < 3).
    assert_eq!(
        membership,
        [true, true, true, true, true, true, false, false]
    );
    assert_eq!(seen[1].1, Value::from("nudge"));
    assert_eq!(seen[6].1, Value::from("celebrate"));
    assert_eq!(seen[7].1, Value::Null);
}

#[test]
fn without_history_a_snapshot_decides_from_the_day_alone() {
    let engine = engine(&[2, 4]);
    let user = |d| {
        engine
            .snapshot(day(d))
            .user("u1")
            .unwrap()
            .get("segments")
            .unwrap()
            .clone()
    };
    assert_eq!(user(0), Value::string_list(["low"]));
    // 4 is neither < 3 nor > 6: with no memory of yesterday, not in.
    assert_eq!(user(1), Value::List(vec![]));
    assert!(engine.snapshot(day(1)).transitions().is_empty());
}

/// Tracked snapshots over several weeks of the sample, taken on 1, 2 and 3 threads:
/// the same records, transitions and memberships. 600 accounts and 6,000 users give
/// every thread hundreds of records of each kind to build, and user rules read their
/// account's record, which another thread may have built.
#[test]
fn snapshots_are_the_same_on_any_number_of_threads() {
    use pulsecheck::sample::{self, Sample};

    let sample = Sample::new().accounts(600);
    let mut config_json = serde_json::to_value(sample::config()).unwrap();
    config_json["actions"]["user"]
        .as_array_mut()
        .unwrap()
        .insert(
            0,
            serde_json::json!({"when": "\"champion\" in account.segments", "action": "ask_for_review"}),
        );
    let config: Config = serde_json::from_value(config_json).unwrap();
    let mut engine = Engine::new(config).unwrap();
    for call in sample.calls() {
        engine.ingest(&call).unwrap();
    }
    let mut runs = Vec::new();
    for threads in [1, 2, 3] {
        engine.set_snapshot_threads(threads);
        let mut memberships = Memberships::new();
        let mut snapshots = Vec::new();
        for back in [21, 14, 7, 0] {
            let day = sample.end() - Duration::days(back);
            snapshots.push(engine.snapshot_tracked(day, &mut memberships));
        }
        runs.push((snapshots, memberships));
    }
    let (first, _) = &runs[0];
    let last = first.last().unwrap();
    assert_eq!(last.users().len(), 6_000);
    assert!(last.accounts().len() >= 600, "{}", last.accounts().len());
    assert!(first.iter().any(|s| !s.transitions().is_empty()));
    assert!(
        last.users()
            .iter()
            .any(|u| u.get("next_action") == Some(&Value::from("ask_for_review")))
    );
    for (snapshots, memberships) in &runs[1..] {
        assert_eq!(snapshots, first);
        assert_eq!(memberships, &runs[0].1);
    }
}

/// Users named so that every account's members are spread over every thread's
/// range (members are `u0000`, `u0007`, … for account 0): each account's sums are
/// then added up from several threads, and must come out as one thread's.
#[test]
fn account_sums_gathered_from_several_threads_are_one_threads() {
    use pulsecheck::sample;
    use pulsecheck::{AccountId, Group};

    let mut engine = Engine::new(sample::config()).unwrap();
    let start = Utc.with_ymd_and_hms(2026, 9, 1, 8, 0, 0).unwrap();
    let events = [
        "Report Run",
        "Task Created",
        "Board Viewed",
        "API Called",
        "File Uploaded",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for u in 0..2_000u32 {
        let user = UserId::new(format!("u{u:04}"));
        let account = AccountId::new(format!("acc_{}", u % 7));
        let joined = start + Duration::hours(next(24 * 40) as i64);
        engine
            .ingest(&Group::new(user.clone(), account, joined).into())
            .unwrap();
        for e in 0..next(12) {
            let at = joined + Duration::hours(next(24 * 30) as i64);
            let event = events[next(events.len() as u64) as usize];
            let call = Track::new(user.clone(), event, at)
                .with_message_id(format!("{u}-{e}"))
                .with_property("megabytes", next(1_000) as i64);
            engine.ingest(&call.into()).unwrap();
        }
    }
    let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let one = engine.snapshot(day);
    assert_eq!(one.accounts().len(), 7);
    assert!(
        one.accounts()
            .iter()
            .all(|a| a.get("active_users") != Some(&Value::Int(0)))
    );
    for threads in [2, 3, 4] {
        engine.set_snapshot_threads(threads);
        assert_eq!(engine.snapshot(day), one, "{threads} threads");
    }
}
