//! Assembling property records from a day's aggregates.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::account::AccountRecords;
use super::aggregate::{Agg, Window, aggregate};
use super::health;
use super::parallel;
use super::traits::TraitKeys;
use super::user::UserRecords;
use crate::config::compiled::{Compiled, MilestoneSpec};
use crate::engine::Engine;
use crate::engine::state::NpsResponse;
use crate::metrics;
use crate::properties::Columns;
use crate::record::Record;
use crate::rule::{CompiledRule, EvalInput, Membership, Memberships, RuleSet, Transition};
use crate::time::{DayNumber, datetime_of, day_number, day_of_ms, day_start_ms};
use crate::value::Value;

/// What users and accounts share: scores, frequency, adoption, lifecycle.
pub(super) struct Common<'a> {
    pub c: &'a Compiled,
    pub k: &'a Columns,
    pub day: DayNumber,
    pub date: NaiveDate,
    pub keys: &'a TraitKeys,
    /// The memberships a tracked snapshot started from.
    pub previous: Option<&'a Memberships>,
    /// Whether to decide each record's `next_action` (the portfolio does not).
    pub actions: bool,
    /// What the `health` section reads across records.
    pub health: &'a HealthInputs,
}

/// What health properties read across records: each person's NPS response and
/// each account's tally of them (empty without NPS), and the `mrr` trait's key.
pub(super) struct HealthInputs {
    pub responses: Vec<Option<NpsResponse>>,
    pub tallies: Vec<[u32; 3]>,
    pub mrr_key: Option<u32>,
}

impl Common<'_> {
    pub(super) fn dt(ms: Option<i64>) -> Value {
        ms.map_or(Value::Null, |ms| Value::DateTime(datetime_of(ms)))
    }

    pub(super) fn days_since(&self, ms: Option<i64>) -> Value {
        ms.map_or(Value::Null, |ms| {
            Value::Int(i64::from(self.day - day_of_ms(ms, self.c.offset)))
        })
    }

    fn features(&self, mask: u64) -> Value {
        Value::string_list(
            self.c
                .features
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, n)| n.as_str()),
        )
    }

    fn adoption(&self, mask: u64) -> Value {
        let n = self.c.features.len() as u64;
        metrics::percent(u64::from(mask.count_ones()), n).map_or(Value::Null, Value::Int)
    }

    fn lifecycle(&self, created_ms: Option<i64>, now_events: u64, previous_events: u64) -> Value {
        let window_start = self.day - self.c.window + 1;
        let created_in_window = created_ms.is_some_and(|ms| {
            let d = day_of_ms(ms, self.c.offset);
            d >= window_start && d <= self.day
        });
        let stage = match (created_in_window, now_events > 0, previous_events > 0) {
            (true, _, _) => "new",
            (false, true, true) => "active",
            (false, true, false) => "resurrected",
            (false, false, true) => "dormant",
            (false, false, false) => "inactive",
        };
        Value::from(stage)
    }

    /// Fills the properties users and accounts share, in schema order.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fill(
        &self,
        r: &mut Record,
        created_ms: Option<i64>,
        agg: &Agg,
        score: i64,
        previous: i64,
        previous_events: u64,
    ) {
        let k = self.k;
        r.put(k.created_at, Self::dt(created_ms));
        r.put(k.tenure_days, self.days_since(created_ms));
        r.put(k.first_seen_at, Self::dt(agg.first_ms));
        r.put(k.last_seen_at, Self::dt(agg.last_ms));
        r.put(k.days_since_last_seen, self.days_since(agg.last_ms));
        r.put(k.raw_score, Value::Int(agg.raw as i64));
        r.put(k.engagement_score, score);
        r.put(k.engagement_score_previous, previous);
        let trend = score - previous;
        r.put(k.engagement_trend, trend);
        let label = if trend >= self.c.threshold {
            "rising"
        } else if trend <= -self.c.threshold {
            "falling"
        } else {
            "steady"
        };
        r.put(k.engagement_trend_label, label);
        r.put(k.active_days, i64::from(agg.active_days));
        r.put(k.event_count, Value::Int(agg.events as i64));
        r.put(k.features_used, self.features(agg.features));
        r.put(k.adoption_rate, self.adoption(agg.features));
        r.put(
            k.adoption_rate_lifetime,
            self.adoption(agg.features_lifetime),
        );
        r.put(
            k.lifecycle_stage,
            self.lifecycle(created_ms, agg.events, previous_events),
        );
    }

    /// Milestones met by the day: `(name, met_at)` for event milestones met; rule
    /// milestones are decided by the rule stage.
    /// Decides the milestones, last: rule milestones read the finished record.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn activation(
        &self,
        r: &mut Record,
        specs: &[MilestoneSpec],
        rules: &[Option<CompiledRule>],
        account: Option<&Record>,
        times: &[Vec<i64>],
        created_ms: Option<i64>,
    ) {
        let k = self.k;
        if specs.is_empty() {
            return;
        }
        let cutoff = day_start_ms(self.day + 1, self.c.offset);
        // The record's list itself, not a scratch list of names copied into it.
        let mut met: Vec<Value> = Vec::new();
        let mut latest: Option<i64> = None;
        for (i, spec) in specs.iter().enumerate() {
            if let (MilestoneSpec::Rule { name }, Some(Some(rule))) = (spec, rules.get(i)) {
                let input = EvalInput::new(r, self.date)
                    .with_account(account)
                    .with_utc_offset_minutes(self.c.offset);
                if rule.eval(&input) {
                    met.push(Value::from(name.as_str()));
                }
            }
            if let MilestoneSpec::Event {
                name,
                tracked,
                k,
                within_ms,
            } = spec
            {
                let deadline = match (within_ms, created_ms) {
                    (Some(w), Some(created)) => created.saturating_add(*w).min(cutoff),
                    _ => cutoff,
                };
                let times = times.get(*tracked).map_or(&[][..], Vec::as_slice);
                let counted = times.partition_point(|&t| t < deadline);
                if counted >= *k as usize {
                    let at = times[*k as usize - 1];
                    latest = Some(latest.map_or(at, |l| l.max(at)));
                    met.push(Value::from(name.as_str()));
                }
            }
        }
        let all = met.len() == specs.len();
        let rate = metrics::percent(met.len() as u64, specs.len() as u64);
        r.put(k.milestones_completed, Value::List(met));
        r.put(k.activation_rate, rate.map_or(Value::Null, Value::Int));
        r.put(k.activated, all);
        r.put(
            k.activated_at,
            if all { Self::dt(latest) } else { Value::Null },
        );
    }
}

/// Records built from one range of users or accounts, and the segments each is in
/// (which a tracked snapshot records once every record is built).
pub(super) struct Built {
    pub records: Vec<Record>,
    pub segments: Vec<Membership>,
}

impl Built {
    pub(super) fn with_capacity(n: usize) -> Built {
        Built {
            records: Vec::with_capacity(n),
            segments: Vec::with_capacity(n),
        }
    }

    pub(super) fn push(&mut self, record: Record, segments: Membership) {
        self.records.push(record);
        self.segments.push(segments);
    }

    /// The ranges' records and segments, in range order.
    fn concat(parts: Vec<Built>) -> Built {
        let (records, segments) = parts.into_iter().map(|b| (b.records, b.segments)).unzip();
        Built {
            records: parallel::concat(records),
            segments: parallel::concat(segments),
        }
    }
}

/// What every record of a day reads across records: the aggregates as of D and
/// D − N, the trait keys, and the health inputs.
pub(super) struct DayInputs {
    pub now: Window,
    pub before: Window,
    pub keys: TraitKeys,
    pub health: HealthInputs,
}

impl DayInputs {
    /// The day's aggregates (on up to `threads` threads) and what the records share.
    pub(super) fn new(engine: &Engine, day: DayNumber, threads: usize) -> DayInputs {
        let c = engine.compiled();
        let state = engine.state();
        let (now, before) = aggregate(state, c, day, threads);
        let keys = TraitKeys::new(state, &c.user_schema, &c.account_schema);
        let responses = health::responses(state, c, &now);
        let health = HealthInputs {
            tallies: health::account_tallies(state, &now, &responses),
            responses,
            mrr_key: state.trait_keys.get("mrr"),
        };
        DayInputs {
            now,
            before,
            keys,
            health,
        }
    }

    /// What the records of one kind (`k`: its columns) share.
    pub(super) fn common<'a>(
        &'a self,
        c: &'a Compiled,
        k: &'a Columns,
        date: NaiveDate,
        previous: Option<&'a Memberships>,
    ) -> Common<'a> {
        Common {
            c,
            k,
            day: day_number(date),
            date,
            keys: &self.keys,
            previous,
            actions: true,
            health: &self.health,
        }
    }

    /// Every account record of the day, built on up to `threads` threads.
    pub(super) fn accounts(
        &self,
        engine: &Engine,
        date: NaiveDate,
        previous: Option<&Memberships>,
        threads: usize,
        actions: bool,
    ) -> Built {
        let c = engine.compiled();
        let mut common = self.common(c, &c.account_columns, date, previous);
        common.actions = actions;
        let accounts = AccountRecords::new(engine.state(), &common, &self.now, &self.before);
        Built::concat(parallel::split(accounts.len(), threads, |range| {
            accounts.build(range)
        }))
    }
}

/// Every record of the day, with segments and next actions; transitions when a
/// membership history is given. Records are built on up to `threads` threads.
pub(crate) fn build(
    engine: &Engine,
    date: NaiveDate,
    mut memberships: Option<&mut Memberships>,
    threads: usize,
) -> (Vec<Record>, Vec<Record>, Vec<Transition>) {
    let c = engine.compiled();
    let state = engine.state();
    let inputs = DayInputs::new(engine, day_number(date), threads);
    let mut transitions = Vec::new();
    // Accounts first: user rules may read `account.…`, segments included.
    let accounts = inputs.accounts(engine, date, memberships.as_deref(), threads, true);
    record_segments(
        &mut memberships,
        &c.rules.account,
        date,
        &accounts,
        &mut transitions,
    );
    let accounts = accounts.records;

    let user_common = inputs.common(c, &c.user_columns, date, memberships.as_deref());
    let users = UserRecords::new(
        state,
        &user_common,
        (&inputs.now, &inputs.before),
        &accounts,
    );
    let users = Built::concat(parallel::split(inputs.now.people.len(), threads, |range| {
        users.build(range)
    }));
    record_segments(
        &mut memberships,
        &c.rules.user,
        date,
        &users,
        &mut transitions,
    );
    (users.records, accounts, transitions)
}

/// Moves each record's segments into `memberships`, in record order, noting every
/// change. Done after the records are built (maybe on several threads), which is the
/// same as doing it record by record: a record's previous segments are its own.
fn record_segments(
    memberships: &mut Option<&mut Memberships>,
    rules: &RuleSet,
    date: NaiveDate,
    built: &Built,
    transitions: &mut Vec<Transition>,
) {
    let Some(m) = memberships.as_deref_mut() else {
        return;
    };
    for (r, &now) in built.records.iter().zip(&built.segments) {
        transitions.extend(m.update(rules.segments(), r.kind(), r.id(), date, now));
    }
}

impl Common<'_> {
    /// Decides the record's segments (with hysteresis against the memberships the
    /// snapshot started from) and its first matching action, as soon as the record
    /// is built, while it is still in cache. Returns the segments.
    pub(super) fn classify(
        &self,
        r: &mut Record,
        account: Option<&Record>,
        rules: &RuleSet,
    ) -> Membership {
        let set = rules.segments();
        let input = EvalInput::new(r, self.date)
            .with_account(account)
            .with_utc_offset_minutes(self.c.offset);
        let previous = self
            .previous
            .map_or(Membership::empty(), |m| m.current(set, r.kind(), r.id()));
        let now = set.evaluate(&input, previous);
        r.put(self.k.segments, now.to_value(set));
        let input = EvalInput::new(r, self.date)
            .with_account(account)
            .with_utc_offset_minutes(self.c.offset);
        if self.actions {
            let action = rules.actions().first_match(&input).map(str::to_owned);
            r.put(self.k.next_action, action);
        }
        now
    }
}

/// One usage metric's properties: the window's sum, the previous window's, and the
/// growth between them.
pub(super) fn usage_values(
    r: &mut Record,
    columns: &[usize; 5],
    current: Decimal,
    previous: Decimal,
) {
    r.put(columns[0], current.normalize());
    r.put(columns[1], previous.normalize());
    r.put(
        columns[2],
        metrics::growth_pct(current, previous).map_or(Value::Null, Value::Decimal),
    );
}
