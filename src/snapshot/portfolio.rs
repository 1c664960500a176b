//! The portfolio of a day: the snapshot's records counted as they are built, and
//! each person's activity days, in one walk over the people.

use chrono::NaiveDate;
use indexmap::IndexMap;
use rust_decimal::Decimal;

use super::build::{Built, DayInputs};
use super::parallel;
use super::user::{Needs, UserRecords};
use crate::config::Milestone;
use crate::config::compiled::Compiled;
use crate::engine::{Engine, State};
use crate::metrics;
use crate::portfolio::{
    COHORT_WEEKS, Champion, Champions, Cohort, CurvePoint, HealthCounts, Labels, MrrMovements,
    Portfolio, SegmentCounts, decimal_pct, pct1,
};
use crate::properties::Columns;
use crate::record::Record;
use crate::rule::Membership;
use crate::rule::Rule;
use crate::time::{DayNumber, date_of, day_number, day_of_ms};
use crate::value::Value;

/// Days of activity a portfolio reads, ending on D: the 30 of `mau`, the 12 weeks
/// of the cohorts (the oldest starts at most 83 days before D), and both windows of
/// user retention.
fn span(c: &Compiled) -> usize {
    let windows = usize::try_from(c.window).unwrap_or(0).saturating_mul(2);
    windows.max(COHORT_WEEKS * 7).max(30)
}

/// The Monday of the week holding `day` (day 0, 1970-01-01, is a Thursday).
fn monday(day: DayNumber) -> DayNumber {
    day.saturating_sub((day.saturating_add(3)).rem_euclid(7))
}

impl Engine {
    /// The whole customer base as of `day`: revenue and its movements, retention,
    /// active users, NPS, health, segments, champions and signup cohorts. See
    /// [`Portfolio`] for each figure.
    ///
    /// It is computed from the same state, and record by record with the same
    /// arithmetic, as [`snapshot`](Self::snapshot) of the same day, so it agrees
    /// with the records; it keeps none of them, which makes it cheaper. Like the
    /// snapshot, it is the same for any ingest order and for merged engines, and
    /// uses [`snapshot_threads`](Self::snapshot_threads) threads.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use pulsecheck::{Config, Engine, Track, UserId};
    ///
    /// let mut engine = Engine::new(Config::default()).unwrap();
    /// let at = |d| Utc.with_ymd_and_hms(2026, 10, d, 9, 0, 0).unwrap();
    /// for (user, day) in [("ana", 31), ("ana", 30), ("bo", 20)] {
    ///     engine.ingest(&Track::new(UserId::from(user), "Report Run", at(day)).into()).unwrap();
    /// }
    /// let portfolio = engine.portfolio(NaiveDate::from_ymd_opt(2026, 10, 31).unwrap());
    /// assert_eq!((portfolio.dau(), portfolio.wau(), portfolio.mau()), (1, 1, 2));
    /// // 3 user-days of activity over 30 days, for 2 monthly users: 100 · 0.1 / 2.
    /// assert_eq!(portfolio.stickiness_pct(), Some(5.0));
    /// ```
    pub fn portfolio(&self, day: NaiveDate) -> Portfolio {
        compute(self, day, self.snapshot_threads())
    }
}

fn compute(engine: &Engine, date: NaiveDate, threads: usize) -> Portfolio {
    let c = engine.compiled();
    let state = engine.state();
    let day = day_number(date);
    let inputs = DayInputs::new(engine, day, threads);
    // Next actions are not part of the portfolio: they are not decided.
    let accounts = inputs.accounts(engine, date, None, threads, false);
    let mut common = inputs.common(c, &c.user_columns, date, None);
    common.actions = false;
    let users = UserRecords::new(
        state,
        &common,
        (&inputs.now, &inputs.before),
        &accounts.records,
    )
    .with_needs(user_needs(engine));
    let people = inputs.now.people.len();
    let parts = parallel::split(people, threads, |range| {
        let mut tally = UserTally::new(c);
        users.each(range, |p, r, segments| {
            tally.add(state, c, &inputs, p, &r, segments);
        });
        tally
    });
    let mut parts = parts.into_iter();
    let mut tally = parts.next().unwrap_or_else(|| UserTally::new(c));
    for more in parts {
        tally.absorb(more);
    }

    let mut portfolio = Portfolio {
        day: date,
        accounts: accounts.records.len() as u64,
        users: people as u64,
        paying_accounts: 0,
        mrr: Decimal::ZERO,
        revenue_days: c
            .health
            .as_ref()
            .and_then(|h| u32::try_from(h.revenue_days).ok()),
        mrr_movements: MrrMovements::default(),
        logo_churn_pct: None,
        gross_revenue_retention_pct: None,
        net_revenue_retention_pct: None,
        dau: tally.dau,
        wau: tally.wau,
        mau: tally.mau,
        stickiness_pct: pct1(tally.active_days_30, tally.mau.saturating_mul(30)),
        user_retention_pct: pct1(tally.retained, tally.previous),
        nps: metrics::nps(tally.nps[0], tally.nps[2], tally.nps.iter().sum())
            .filter(|_| nps_configured(c)),
        promoters: tally.nps[0],
        passives: tally.nps[1],
        detractors: tally.nps[2],
        health: HealthCounts {
            user: tally.labels,
            account: Labels::default(),
        },
        segments: SegmentCounts {
            user: counts(c.rules.user.segments().names(), &tally.segments),
            account: IndexMap::new(),
        },
        champions: champions(c, &accounts.records),
        cohorts: tally.cohorts(day),
    };
    revenue_and_accounts(c, &accounts, &mut portfolio);
    portfolio
}

/// What of a user record the user rules (segments and rule milestones) read,
/// besides what the health score and the portfolio read.
fn user_needs(engine: &Engine) -> Needs {
    let config = engine.config();
    let mut rules: Vec<&Rule> = Vec::new();
    for (_, segment) in config.segments().user().iter() {
        rules.push(segment.enter());
        rules.extend(segment.exit());
    }
    rules.extend(
        config
            .activation()
            .user()
            .iter()
            .filter_map(Milestone::rule_def),
    );
    let properties: Vec<String> = rules.iter().flat_map(|r| r.properties()).collect();
    Needs::of(engine.compiled(), properties.iter().map(String::as_str))
}

fn nps_configured(c: &Compiled) -> bool {
    c.health.as_ref().is_some_and(|h| h.nps.is_some())
}

fn counts<'a>(names: impl Iterator<Item = &'a str>, members: &[u64]) -> IndexMap<String, u64> {
    names
        .map(str::to_owned)
        .zip(members.iter().copied())
        .collect()
}

fn count_label(labels: &mut Labels, label: Option<&Value>) {
    match label.and_then(Value::as_str) {
        Some("red") => labels.red += 1,
        Some("yellow") => labels.yellow += 1,
        Some("green") => labels.green += 1,
        _ => {}
    }
}

fn count_segments(members: &mut [u64], segments: Membership) {
    for (i, n) in members.iter_mut().enumerate() {
        *n += u64::from(segments.contains(i));
    }
}

/// Revenue (from each account's `mrr`, `mrr_previous`, `mrr_change` and
/// `revenue_movement`), account health and account segments.
fn revenue_and_accounts(c: &Compiled, accounts: &Built, portfolio: &mut Portfolio) {
    let k = &c.account_columns;
    let decimal = |r: &Record, column: usize| r.value_at(column).and_then(Value::as_decimal);
    let zero = Decimal::ZERO;
    let mut members = vec![0u64; c.rules.account.segments().len()];
    let (mut paid_then, mut churned) = (0u64, 0u64);
    let (mut m0_sum, mut kept, mut m1_sum) = (zero, zero, zero);
    let moves = &mut portfolio.mrr_movements;
    for (r, &segments) in accounts.records.iter().zip(&accounts.segments) {
        count_label(&mut portfolio.health.account, r.value_at(k.health_label));
        count_segments(&mut members, segments);
        // "0" is anything not above 0, as in the revenue movement.
        let m1 = decimal(r, k.mrr).unwrap_or_default().max(zero);
        if m1 > zero {
            portfolio.paying_accounts += 1;
            portfolio.mrr = portfolio.mrr.saturating_add(m1);
        }
        if c.health.is_none() {
            continue;
        }
        let change = decimal(r, k.mrr_change).unwrap_or_default().abs();
        let slot = match r.value_at(k.revenue_movement).and_then(Value::as_str) {
            Some("new") => Some(&mut moves.new),
            Some("reactivated") => Some(&mut moves.reactivated),
            Some("expansion") => Some(&mut moves.expansion),
            Some("contraction") => Some(&mut moves.contraction),
            Some("churned") => Some(&mut moves.churned),
            _ => None,
        };
        if let Some(slot) = slot {
            *slot = slot.saturating_add(change);
        }
        let m0 = decimal(r, k.mrr_previous).unwrap_or_default();
        if m0 > zero {
            paid_then += 1;
            churned += u64::from(m1 == zero);
            m0_sum = m0_sum.saturating_add(m0);
            kept = kept.saturating_add(m0.min(m1));
            m1_sum = m1_sum.saturating_add(m1);
        }
    }
    portfolio.mrr = portfolio.mrr.normalize();
    for d in [
        &mut moves.new,
        &mut moves.reactivated,
        &mut moves.expansion,
        &mut moves.contraction,
        &mut moves.churned,
    ] {
        *d = d.normalize();
    }
    portfolio.logo_churn_pct = pct1(churned, paid_then);
    portfolio.gross_revenue_retention_pct = decimal_pct(metrics::share_pct(kept, m0_sum));
    portfolio.net_revenue_retention_pct = decimal_pct(metrics::share_pct(m1_sum, m0_sum));
    portfolio.segments.account = counts(c.rules.account.segments().names(), &members);
}

/// Each usage metric's champions and cumulative curve, from the account records'
/// usage, share and cumulative share.
fn champions(c: &Compiled, accounts: &[Record]) -> IndexMap<String, Champions> {
    let k: &Columns = &c.account_columns;
    let mut out = IndexMap::new();
    for (spec, columns) in c.usage.iter().zip(&k.usage) {
        let value = |r: &Record, i: usize| r.value_at(columns[i]).and_then(Value::as_decimal);
        // Largest usage first, ties by id: the order of the cumulative share.
        let mut order: Vec<(Decimal, &Record)> = accounts
            .iter()
            .map(|r| (value(r, 0).unwrap_or_default(), r))
            .collect();
        order.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id().cmp(b.1.id())));
        let total = order
            .iter()
            .fold(Decimal::ZERO, |t, (u, _)| t.saturating_add(*u));
        let fifty = Decimal::from(50);
        let accounts_of: Vec<Champion> = order
            .iter()
            .filter_map(|&(usage, r)| {
                let cumulative = value(r, 4).filter(|&s| s <= fifty)?;
                Some(Champion {
                    account_id: r.id().to_owned(),
                    name: r.get("name").and_then(Value::as_str).map(str::to_owned),
                    usage: usage.normalize(),
                    share_pct: decimal_pct(value(r, 3)).unwrap_or(0.0),
                    cumulative_share_pct: decimal_pct(Some(cumulative)).unwrap_or(0.0),
                })
            })
            .collect();
        let n = order.len();
        let mut running = Decimal::ZERO;
        let mut taken = 0usize;
        let mut curve: Vec<CurvePoint> = Vec::new();
        if total > Decimal::ZERO {
            for i in 0..=n.min(100) {
                // At most 101 points, evenly spread over the accounts.
                let upto = if n <= 100 { i } else { (i * n).div_ceil(100) };
                while taken < upto {
                    running = running.saturating_add(order[taken].0);
                    taken += 1;
                }
                curve.push(CurvePoint {
                    accounts: upto as u64,
                    cumulative_share_pct: decimal_pct(metrics::share_pct(running, total))
                        .unwrap_or(0.0),
                });
            }
        }
        out.insert(
            spec.name.clone(),
            Champions {
                total: total.normalize(),
                accounts: accounts_of,
                curve,
            },
        );
    }
    out
}

/// What the users of a range add up to.
struct UserTally {
    /// The days a person was active, one bit per day back from D (bit 0: D).
    days: Vec<u64>,
    span: usize,
    window: usize,
    offset: i32,
    dau: u64,
    wau: u64,
    mau: u64,
    /// Σ over the 30 days of the users active that day.
    active_days_30: u64,
    retained: u64,
    previous: u64,
    nps: [u64; 3],
    labels: Labels,
    segments: Vec<u64>,
    /// Per cohort (oldest first): its users, and of them those active in week k.
    cohort_users: [u64; COHORT_WEEKS],
    cohort_active: [[u64; COHORT_WEEKS]; COHORT_WEEKS],
}

impl UserTally {
    fn new(c: &Compiled) -> UserTally {
        let span = span(c);
        UserTally {
            days: vec![0; span.div_ceil(64)],
            span,
            window: usize::try_from(c.window).unwrap_or(0),
            offset: c.offset,
            dau: 0,
            wau: 0,
            mau: 0,
            active_days_30: 0,
            retained: 0,
            previous: 0,
            nps: [0; 3],
            labels: Labels::default(),
            segments: vec![0; c.rules.user.segments().len()],
            cohort_users: [0; COHORT_WEEKS],
            cohort_active: [[0; COHORT_WEEKS]; COHORT_WEEKS],
        }
    }

    /// Whether any day `back` days before D, for `back` in `range`, had activity.
    fn any(&self, range: std::ops::Range<usize>) -> bool {
        range
            .into_iter()
            .any(|b| self.days[b / 64] & (1 << (b % 64)) != 0)
    }

    fn count(&self, range: std::ops::Range<usize>) -> u64 {
        range
            .into_iter()
            .filter(|b| self.days[b / 64] & (1 << (b % 64)) != 0)
            .count() as u64
    }

    /// Adds person `p`, whose record is `r` and segments `segments`.
    fn add(
        &mut self,
        state: &State,
        c: &Compiled,
        inputs: &DayInputs,
        p: usize,
        r: &Record,
        segments: Membership,
    ) {
        let k = &c.user_columns;
        let day = inputs.now.day;
        self.days.iter_mut().for_each(|w| *w = 0);
        let first = day.saturating_sub(self.span as DayNumber - 1);
        for actor in inputs.now.people.actors(state, p) {
            let start = actor.cells.partition_point(|cell| cell.day < first);
            for cell in actor.cells[start..]
                .iter()
                .take_while(|cell| cell.day <= day)
            {
                let back = (day - cell.day) as usize;
                self.days[back / 64] |= 1 << (back % 64);
            }
        }
        self.dau += u64::from(self.any(0..1));
        self.wau += u64::from(self.any(0..7));
        self.mau += u64::from(self.any(0..30));
        self.active_days_30 += self.count(0..30);
        let n = self.window;
        if self.any(n..2 * n) {
            self.previous += 1;
            self.retained += u64::from(self.any(0..n));
        }
        if let Some(Some(response)) = inputs.health.responses.get(p) {
            self.nps[match response.score {
                9.. => 0,
                7 | 8 => 1,
                _ => 2,
            }] += 1;
        }
        count_label(&mut self.labels, r.value_at(k.health_label));
        count_segments(&mut self.segments, segments);

        // The signup cohort: weeks back from D's week to the week of `created_at`.
        let Some(created) = r.value_at(k.created_at).and_then(Value::as_datetime) else {
            return;
        };
        let created = day_of_ms(created.timestamp_millis(), self.offset);
        let weeks_back = (i64::from(monday(day)) - i64::from(monday(created))) / 7;
        let Ok(weeks_back) = usize::try_from(weeks_back) else {
            return;
        };
        if weeks_back >= COHORT_WEEKS {
            return;
        }
        let cohort = COHORT_WEEKS - 1 - weeks_back;
        self.cohort_users[cohort] += 1;
        let week_start = monday(created);
        for week in 0..=weeks_back {
            let starts = week_start + 7 * week as DayNumber;
            let back_hi = (day - starts) as usize;
            let back_lo = back_hi.saturating_sub(6);
            self.cohort_active[cohort][week] += u64::from(self.any(back_lo..back_hi + 1));
        }
    }

    fn absorb(&mut self, o: UserTally) {
        self.dau += o.dau;
        self.wau += o.wau;
        self.mau += o.mau;
        self.active_days_30 += o.active_days_30;
        self.retained += o.retained;
        self.previous += o.previous;
        for (a, b) in self.nps.iter_mut().zip(o.nps) {
            *a += b;
        }
        self.labels.red += o.labels.red;
        self.labels.yellow += o.labels.yellow;
        self.labels.green += o.labels.green;
        for (a, b) in self.segments.iter_mut().zip(o.segments) {
            *a += b;
        }
        for i in 0..COHORT_WEEKS {
            self.cohort_users[i] += o.cohort_users[i];
            for (a, b) in self.cohort_active[i].iter_mut().zip(o.cohort_active[i]) {
                *a += b;
            }
        }
    }

    /// The cohorts, oldest first, each with the weeks that have started by D.
    fn cohorts(&self, day: DayNumber) -> Vec<Cohort> {
        let this_week = monday(day);
        (0..COHORT_WEEKS)
            .map(|i| {
                let weeks_back = COHORT_WEEKS - 1 - i;
                let users = self.cohort_users[i];
                Cohort {
                    week_start: date_of(this_week.saturating_sub(7 * weeks_back as DayNumber)),
                    users,
                    retention_pct: (0..=weeks_back)
                        .map(|k| pct1(self.cohort_active[i][k], users))
                        .collect(),
                }
            })
            .collect()
    }
}
