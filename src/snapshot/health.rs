//! Customer health: NPS, revenue movement, churn, retention and the health score.

use rust_decimal::Decimal;

use super::aggregate::Window;
use super::traits;
use crate::config::compiled::{Compiled, HealthSpec};
use crate::engine::State;
use crate::engine::state::{AccountState, NpsResponse, mrr_history};
use crate::metrics;
use crate::properties::Columns;
use crate::record::Record;
use crate::time::{DayNumber, datetime_of};
use crate::value::Value;

/// An `mrr` trait read as a decimal (`None`: absent, null, or not a number).
pub(crate) fn mrr_amount(v: Option<&Value>) -> Option<Decimal> {
    traits::decimal(v.filter(|v| !v.is_null()))
}

/// The NPS response that counts for each person as of the day (empty without NPS).
pub(super) fn responses(state: &State, c: &Compiled, now: &Window) -> Vec<Option<NpsResponse>> {
    let Some(nps) = c.health.as_ref().and_then(|h| h.nps.as_ref()) else {
        return Vec::new();
    };
    let day = now.day;
    let first = day.saturating_sub(nps.lookback).saturating_add(1);
    (0..now.people.len())
        .map(|p| {
            now.people
                .actors(state, p)
                .filter_map(|a| {
                    // One response per day: the latest day's on or before D.
                    let known = a.nps().partition_point(|n| n.day <= day);
                    known
                        .checked_sub(1)
                        .map(|i| a.nps()[i])
                        .filter(|n| n.day >= first)
                })
                .max_by_key(NpsResponse::rank)
        })
        .collect()
}

/// `promoter` (9–10), `passive` (7–8) or `detractor` (0–6).
fn category(score: u8) -> &'static str {
    match score {
        9.. => "promoter",
        7 | 8 => "passive",
        _ => "detractor",
    }
}

/// The user's NPS properties.
pub(super) fn user_nps(r: &mut Record, k: &Columns, response: Option<&NpsResponse>) {
    if let Some(n) = response {
        r.put(k.nps_score, i64::from(n.score));
        r.put(k.nps_category, category(n.score));
        r.put(k.nps_responded_at, Value::DateTime(datetime_of(n.ms)));
    }
}

/// Promoters, passives and detractors among each account's members (users whose
/// account as of the day is that account), `[account]`.
pub(super) fn account_tallies(
    state: &State,
    now: &Window,
    responses: &[Option<NpsResponse>],
) -> Vec<[u32; 3]> {
    if responses.is_empty() {
        return Vec::new();
    }
    let mut tallies = vec![[0u32; 3]; state.accounts.len()];
    for (p, response) in responses.iter().enumerate() {
        if let (Some(n), Some(a)) = (response, now.shown_account(state, p)) {
            let i = match n.score {
                9.. => 0,
                7 | 8 => 1,
                _ => 2,
            };
            tallies[a as usize][i] += 1;
        }
    }
    tallies
}

/// The account's NPS, revenue movement, churn and retention properties.
#[allow(clippy::too_many_arguments)]
pub(super) fn account(
    r: &mut Record,
    k: &Columns,
    h: &HealthSpec,
    mrr_key: Option<u32>,
    account: &AccountState,
    day: DayNumber,
    tally: Option<&[u32; 3]>,
    (retained, previous): (u32, u32),
) {
    if h.nps.is_some() {
        let [promoters, passives, detractors] = tally.copied().unwrap_or_default();
        let responses = promoters + passives + detractors;
        r.put(k.nps_responses, i64::from(responses));
        r.put(
            k.nps,
            metrics::nps(promoters.into(), detractors.into(), responses.into())
                .map_or(Value::Null, Value::Int),
        );
    }
    let then = day.saturating_sub(h.revenue_days);
    let m1 = mrr_as_of(account, mrr_key, day);
    let m0 = mrr_as_of(account, mrr_key, then);
    r.put(k.mrr_previous, m0.map(|d| d.normalize()));
    let (m0, m1) = (m0.unwrap_or_default(), m1.unwrap_or_default());
    r.put(k.mrr_change, m1.saturating_sub(m0).normalize());
    let (paid_then, _) = mrr_history(&account.mrr, then);
    r.put(k.revenue_movement, revenue_movement(m0, m1, paid_then));
    let (paid, churned_at) = mrr_history(&account.mrr, day);
    let churned = paid && m1 <= Decimal::ZERO;
    r.put(k.churned, churned);
    r.put(
        k.churned_at,
        churned_at
            .filter(|_| churned)
            .map_or(Value::Null, |ms| Value::DateTime(datetime_of(ms))),
    );
    r.put(
        k.retained_users_pct,
        metrics::percent(retained.into(), previous.into()),
    );
}

/// `mrr` as of the end of `day`: its latest version (the engine keeps one per day).
fn mrr_as_of(account: &AccountState, key: Option<u32>, day: DayNumber) -> Option<Decimal> {
    let key = key?;
    let versions = &account.traits;
    let start = versions.partition_point(|v| v.key < key);
    let end = start + versions[start..].partition_point(|v| v.key == key && v.day <= day);
    end.checked_sub(1)
        .filter(|&i| i >= start)
        .and_then(|i| mrr_amount(Some(&versions[i].value)))
}

/// How revenue moved from `m0` (R days ago) to `m1` (now); "0" is anything not
/// above 0. `paid_then`: some call had set `mrr` above 0 by R days ago.
fn revenue_movement(m0: Decimal, m1: Decimal, paid_then: bool) -> &'static str {
    let zero = Decimal::ZERO;
    match (m0 > zero, m1 > zero) {
        (false, false) => "none",
        (false, true) if paid_then => "reactivated",
        (false, true) => "new",
        (true, false) => "churned",
        (true, true) if m1 > m0 => "expansion",
        (true, true) if m1 < m0 => "contraction",
        (true, true) => "flat",
    }
}

/// `health_score` and `health_label`, from the record's finished properties.
/// Every component is scaled by `2 · lookback_days` so the weighted mean is
/// computed exactly in integers (the recency component is a fraction of days).
pub(super) fn score(r: &mut Record, k: &Columns, c: &Compiled, h: &HealthSpec, is_user: bool) {
    let int = |index: usize| r.value_at(index).and_then(Value::as_i64);
    let l = i128::from(c.lookback.max(1));
    let s = 2 * l;
    let nps = if is_user {
        int(k.nps_score).map(|n| 20 * i128::from(n) * l)
    } else {
        int(k.nps).map(|n| (i128::from(n) + 100) * l)
    };
    let components: [Option<i128>; 7] = [
        int(k.engagement_score).map(|e| i128::from(e) * s),
        int(k.engagement_trend).map(|t| (100 + i128::from(t)).clamp(0, 200) * l),
        int(k.activation_rate).map(|a| i128::from(a) * s),
        int(k.adoption_rate).map(|a| i128::from(a) * s),
        int(k.days_since_last_seen).map(|d| (200 * (l - i128::from(d))).max(0)),
        if is_user {
            None
        } else {
            int(k.seat_utilization_pct).map(|p| i128::from(p).min(100) * s)
        },
        nps,
    ];
    let parts = h
        .weights
        .iter()
        .zip(components)
        .filter_map(|(&w, c)| c.map(|c| (u128::from(w), c.max(0) as u128)));
    let score = metrics::weighted_score(parts, s as u128);
    r.put(k.health_score, score.map_or(Value::Null, Value::Int));
    r.put(
        k.health_label,
        score.map_or(Value::Null, |score| {
            Value::from(if score < h.red_below {
                "red"
            } else if score >= h.green_from {
                "green"
            } else {
                "yellow"
            })
        }),
    );
}
