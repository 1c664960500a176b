//! One pass over the state for a day: the window sums behind scores, frequency,
//! adoption, usage and active users, for every person and every account.
//!
//! The snapshot of D runs it for D and for D − N, in one walk over the people.

use std::ops::Range;

use rust_decimal::Decimal;

use super::parallel;
use super::people::People;
use crate::config::compiled::Compiled;
use crate::engine::State;
use crate::engine::state::{ActorState, IMPLICIT, link_as_of};
use crate::metrics;
use crate::time::{DayNumber, day_of_ms, day_start_ms, ms_in_day};

const NO_ACCOUNT: u32 = u32::MAX;

#[derive(Debug, Clone, Default)]
pub(crate) struct Agg {
    pub raw: u64,
    pub active_days: u32,
    pub events: u64,
    pub features: u64,
    pub features_lifetime: u64,
    /// Earliest / latest activity on or before the day (UTC ms).
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

impl Agg {
    fn seen(&mut self, first: i64, last: i64) {
        self.first_ms = Some(self.first_ms.map_or(first, |f| f.min(first)));
        self.last_ms = Some(self.last_ms.map_or(last, |l| l.max(last)));
    }
}

impl AccountAgg {
    /// Adds another range's sums for the same account (`active_days` is counted
    /// from `days` at the end).
    fn absorb(&mut self, other: AccountAgg) {
        let (a, b) = (&mut self.agg, other.agg);
        a.raw += b.raw;
        a.events += b.events;
        a.features |= b.features;
        a.features_lifetime |= b.features_lifetime;
        if let (Some(first), Some(last)) = (b.first_ms, b.last_ms) {
            a.seen(first, last);
        }
        self.active_users += other.active_users;
        self.total_users += other.total_users;
        self.retained_users += other.retained_users;
        self.previous_users += other.previous_users;
        for (w, bits) in self.days.iter_mut().zip(other.days) {
            *w |= bits;
        }
        self.exists |= other.exists;
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct AccountAgg {
    pub agg: Agg,
    pub active_users: u32,
    pub total_users: u32,
    /// Of the `total_users` members with activity for the account in the previous
    /// window, those with activity for it in the window too, and all of them.
    pub retained_users: u32,
    pub previous_users: u32,
    pub score_sum: i64,
    /// Distinct scored days in the window, one bit per day.
    days: Vec<u64>,
    pub exists: bool,
}

/// A day's aggregates.
pub(crate) struct Window {
    pub day: DayNumber,
    offset: i32,
    pub people: People,
    pub person: Vec<Agg>,
    /// Each person's account as of the day.
    pub person_account: Vec<u32>,
    pub account: Vec<AccountAgg>,
    /// Usage sums, `[entity * metrics + metric]`.
    pub person_usage: Vec<Decimal>,
    pub account_usage: Vec<Decimal>,
    pub scores: Vec<i64>,
    pub account_scores: Vec<i64>,
}

impl Window {
    /// The account the person's activity without `context.groupId` counts toward.
    pub fn account_of(&self, p: usize) -> Option<u32> {
        (self.person_account[p] != NO_ACCOUNT).then_some(self.person_account[p])
    }

    /// The account the person is shown as belonging to (`account_id`): that of
    /// their latest `group` call, else that of their latest activity naming one.
    pub fn shown_account(&self, state: &State, p: usize) -> Option<u32> {
        self.account_of(p).or_else(|| {
            let named = latest_named_account(state, &self.people, p, self.day, self.offset);
            (named != NO_ACCOUNT).then_some(named)
        })
    }
}

/// The account a person's activity without `context.groupId` belongs to, as of
/// `day`: the account of its latest `group` call , if any.
fn group_account(state: &State, people: &People, p: usize, day: DayNumber) -> u32 {
    let mut best = None;
    for a in people.actors(state, p) {
        if let Some(link) = link_as_of(a.groups(), day) {
            let key = (link.day, link.stamp, link.target);
            if best.is_none_or(|b| key > b) {
                best = Some(key);
            }
        }
    }
    best.map_or(NO_ACCOUNT, |(_, _, account)| account)
}

/// The account of a person's latest activity that named one (`context.groupId`)
/// on or before `day`: what a user with no `group` call is shown as belonging to.
fn latest_named_account(
    state: &State,
    people: &People,
    p: usize,
    day: DayNumber,
    offset: i32,
) -> u32 {
    let mut latest: Option<(DayNumber, u32, &str, u32)> = None;
    for a in people.actors(state, p) {
        // Every named cell of the actor's latest day that has one competes: cells
        // of a day are in account-id order, which is arrival order, not time.
        let mut named_day = None;
        for c in a.cells.iter().rev().skip_while(|c| c.day > day) {
            if named_day.is_some_and(|d| c.day < d) {
                break;
            }
            if c.account != IMPLICIT {
                named_day = Some(c.day);
                let key = (
                    c.day,
                    c.last_ms,
                    state.account_ids.name(c.account),
                    c.account,
                );
                if latest.is_none_or(|l| (key.0, key.1, key.2) > (l.0, l.1, l.2)) {
                    latest = Some(key);
                }
            }
        }
    }
    if latest.is_none() {
        // Only forgotten days named an account: the latest of their lifetime facts.
        for a in people.actors(state, p) {
            for f in a.folded().iter().filter(|f| f.account != IMPLICIT) {
                let key = (
                    day_of_ms(f.last_ms, offset),
                    ms_in_day(f.last_ms, offset),
                    state.account_ids.name(f.account),
                    f.account,
                );
                if latest.is_none_or(|l| (key.0, key.1, key.2) > (l.0, l.1, l.2)) {
                    latest = Some(key);
                }
            }
        }
    }
    latest.map_or(NO_ACCOUNT, |l| l.3)
}

fn set_bit(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

fn count_bits(bits: &[u64]) -> u32 {
    bits.iter().map(|w| w.count_ones()).sum()
}

/// One person's activity for one account, gathered before it is added to the
/// account: the account array is touched once per person, not once per cell.
struct Partial {
    account: u32,
    raw: u64,
    events: u64,
    features: u64,
    features_lifetime: u64,
    first_ms: i64,
    last_ms: i64,
    active: bool,
    total: bool,
    /// Any activity in the window / in the previous window.
    recent: bool,
    previous: bool,
}

/// The position of `account`'s partial, added (with its scored-day words) if new.
fn partial_index(
    partials: &mut Vec<Partial>,
    partial_days: &mut Vec<u64>,
    words: usize,
    account: u32,
) -> usize {
    // The cells of a person nearly all name the same account: try the last one
    // added before searching.
    if partials.last().is_some_and(|m| m.account == account) {
        return partials.len() - 1;
    }
    match partials.iter().position(|m| m.account == account) {
        Some(i) => i,
        None => {
            partials.push(Partial {
                account,
                raw: 0,
                events: 0,
                features: 0,
                features_lifetime: 0,
                first_ms: i64::MAX,
                last_ms: i64::MIN,
                active: false,
                total: false,
                recent: false,
                previous: false,
            });
            partial_days.extend(std::iter::repeat_n(0, words));
            partials.len() - 1
        }
    }
}

fn partial<'p>(
    partials: &'p mut Vec<Partial>,
    partial_days: &mut Vec<u64>,
    words: usize,
    account: u32,
) -> &'p mut Partial {
    let i = partial_index(partials, partial_days, words, account);
    &mut partials[i]
}

/// What a pass computes: everything (the day D), or only the window sums,
/// scores and usage (the previous window's pass, D − N).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Full,
    WindowOnly,
}

/// The aggregates of D and of D − N (the previous window, the previous score and
/// the lifecycle's "previous window activity"), on up to `threads` threads.
///
/// Both passes walk the people in one loop, each person of D next to the same
/// person as of D − N, so the second read of an actor's cells, usage and groups
/// finds them in cache instead of missing on them again. Threads take contiguous
/// ranges of people and sum into accounts of their own, which are added up at the
/// end: the sums are of integers, bits, minima and maxima, and decimals (exact
/// short of 28 significant digits), so they are the ones a single walk gives.
pub(crate) fn aggregate(
    state: &State,
    c: &Compiled,
    day: DayNumber,
    threads: usize,
) -> (Window, Window) {
    let before_day = day - c.window;
    let cutoff = |day: DayNumber| day_start_ms(day + 1, c.offset);
    let [people_now, people_before] =
        People::resolve_pair(state, (day, cutoff(day)), (before_day, cutoff(before_day)));
    // The same root's person as of D − N.
    let previous_of = |p: usize| people_before.of_root(people_now.roots[p]);
    // Both people lists are sorted by root name, so a root's position as of D − N
    // only grows with its position as of D. A range of D's people therefore takes
    // the people of D − N from just past the last one an earlier person of D had,
    // up to where the next range starts; people of D − N alone (merged into another
    // person by D) are added where they fall between.
    let before_from = |p: usize| (0..p).rev().find_map(previous_of).map_or(0, |q| q + 1);
    let n = people_now.len();
    let parts = parallel::split(n, threads, |range| {
        let before_range = before_from(range.start)..if range.end == n {
            people_before.len()
        } else {
            before_from(range.end)
        };
        let mut now = Pass::Full.start(state, c, day, range.clone());
        let mut before = Pass::WindowOnly.start(state, c, before_day, before_range.clone());
        let mut next = before_range.start;
        for p in range {
            now.add(state, c, &people_now, p);
            if let Some(q) = previous_of(p) {
                while next <= q {
                    before.add(state, c, &people_before, next);
                    next += 1;
                }
            }
        }
        for q in next..before_range.end {
            before.add(state, c, &people_before, q);
        }
        (now, before)
    });
    let mut parts = parts.into_iter();
    let (mut now, mut before) = parts.next().expect("split always returns a range");
    for (more_now, more_before) in parts {
        now.absorb(more_now);
        before.absorb(more_before);
    }
    (now.finish(c, people_now), before.finish(c, people_before))
}

impl Pass {
    /// A pass over the people `range` (indexes into the day's people).
    fn start(self, state: &State, c: &Compiled, day: DayNumber, range: Range<usize>) -> Aggregator {
        let cutoff = day_start_ms(day + 1, c.offset);
        let window_start = day - c.window + 1;
        let lookback_start = day - c.lookback + 1;
        let words = (c.window as usize).div_ceil(64);
        let metrics_n = c.usage.len();
        let accounts_n = state.accounts.len();
        let mut account = vec![
            AccountAgg {
                days: vec![0; words],
                ..AccountAgg::default()
            };
            accounts_n
        ];
        for (i, a) in state.accounts.iter().enumerate() {
            account[i].exists = a.first_call < cutoff;
        }
        let people = range.len();
        Aggregator {
            pass: self,
            day,
            window_start,
            previous_start: window_start.saturating_sub(c.window),
            lookback_start,
            // The window-only pass needs no cell older than the window or the lookback.
            scan_start: match self {
                Pass::Full => DayNumber::MIN,
                Pass::WindowOnly => window_start.min(lookback_start),
            },
            words,
            metrics_n,
            first: range.start,
            person: vec![Agg::default(); people],
            person_account: vec![NO_ACCOUNT; people],
            account,
            person_usage: vec![Decimal::ZERO; people * metrics_n],
            account_usage: vec![Decimal::ZERO; accounts_n * metrics_n],
            days: vec![0; words],
            partials: Vec::new(),
            partial_days: Vec::new(),
            members_total: Vec::new(),
        }
    }
}

/// One day's pass, person by person.
struct Aggregator {
    pass: Pass,
    day: DayNumber,
    window_start: DayNumber,
    /// The first day of the previous window.
    previous_start: DayNumber,
    lookback_start: DayNumber,
    scan_start: DayNumber,
    /// Words of a scored-days bit set.
    words: usize,
    metrics_n: usize,
    /// The first person of the range; `person[i]` is person `first + i`.
    first: usize,
    person: Vec<Agg>,
    person_account: Vec<u32>,
    account: Vec<AccountAgg>,
    person_usage: Vec<Decimal>,
    account_usage: Vec<Decimal>,
    // Per person scratch: distinct scored days, and the per-account partials with
    // their scored days (`partial_days[i * words..]`).
    days: Vec<u64>,
    partials: Vec<Partial>,
    partial_days: Vec<u64>,
    members_total: Vec<(u32, u32)>,
}

impl Aggregator {
    /// Adds person `p`'s activity to their sums and to their accounts'.
    fn add(&mut self, state: &State, c: &Compiled, people: &People, p: usize) {
        let (day, window_start, words) = (self.day, self.window_start, self.words);
        let previous_start = self.previous_start;
        let own = group_account(state, people, p, day);
        let at = p - self.first;
        self.person_account[at] = own;
        self.days.iter_mut().for_each(|w| *w = 0);
        self.partials.clear();
        self.partial_days.clear();
        let (mut raw, mut events, mut features, mut lifetime) = (0u64, 0u64, 0u64, 0u64);
        let (mut first_ms, mut last_ms) = (i64::MAX, i64::MIN);
        // Usage before the cells, not after each actor's cells: its lists are then
        // read before the cell loops instead of after them (measured slightly
        // faster). Usage sums are added in the same order either way.
        if self.metrics_n > 0 {
            for actor in people.actors(state, p) {
                add_usage(
                    actor,
                    own,
                    day,
                    window_start,
                    self.metrics_n,
                    at,
                    &mut self.person_usage,
                    &mut self.account_usage,
                );
            }
        }
        for actor in people.actors(state, p) {
            // A linear scan, not a binary search: the cells are read in memory
            // order, which the prefetcher follows, while each probe of a binary
            // search is a dependent cache miss. The cells skipped are at most those
            // the full pass reads anyway.
            let cells = actor
                .cells
                .iter()
                .skip_while(|cell| cell.day < self.scan_start)
                .take_while(|cell| cell.day <= day);
            for cell in cells {
                let acct = if cell.account == IMPLICIT {
                    own
                } else {
                    cell.account
                };
                let base = day_start_ms(cell.day, c.offset);
                let (first, last) = (
                    base + i64::from(cell.first_ms),
                    base + i64::from(cell.last_ms),
                );
                first_ms = first_ms.min(first);
                last_ms = last_ms.max(last);
                lifetime |= cell.features;
                let in_window = cell.day >= window_start;
                let scored = in_window && cell.weight > 0;
                if in_window {
                    raw += u64::from(cell.weight);
                    events += u64::from(cell.count);
                    features |= cell.features;
                    if scored {
                        set_bit(&mut self.days, (cell.day - window_start) as usize);
                    }
                }
                if acct == NO_ACCOUNT {
                    continue;
                }
                let i = partial_index(&mut self.partials, &mut self.partial_days, words, acct);
                let m = &mut self.partials[i];
                m.first_ms = m.first_ms.min(first);
                m.last_ms = m.last_ms.max(last);
                m.features_lifetime |= cell.features;
                if in_window {
                    m.raw += u64::from(cell.weight);
                    m.events += u64::from(cell.count);
                    m.features |= cell.features;
                    if scored {
                        set_bit(
                            &mut self.partial_days[i * words..(i + 1) * words],
                            (cell.day - window_start) as usize,
                        );
                    }
                }
                m.active |= scored;
                m.total |= cell.day >= self.lookback_start;
                m.recent |= in_window;
                m.previous |= !in_window && cell.day >= previous_start;
            }
            if self.pass == Pass::Full {
                for f in actor.folded() {
                    first_ms = first_ms.min(f.first_ms);
                    last_ms = last_ms.max(f.last_ms);
                    lifetime |= f.features;
                    let acct = if f.account == IMPLICIT {
                        own
                    } else {
                        f.account
                    };
                    if acct != NO_ACCOUNT {
                        let m = partial(&mut self.partials, &mut self.partial_days, words, acct);
                        m.first_ms = m.first_ms.min(f.first_ms);
                        m.last_ms = m.last_ms.max(f.last_ms);
                        m.features_lifetime |= f.features;
                    }
                }
            }
        }
        let agg = &mut self.person[at];
        agg.raw = raw;
        agg.events = events;
        agg.features = features;
        agg.features_lifetime = lifetime;
        if first_ms <= last_ms {
            agg.first_ms = Some(first_ms);
            agg.last_ms = Some(last_ms);
        }
        agg.active_days = count_bits(&self.days);
        for (i, m) in self.partials.iter().enumerate() {
            let a = &mut self.account[m.account as usize];
            a.exists = true;
            a.agg.raw += m.raw;
            a.agg.events += m.events;
            a.agg.features |= m.features;
            a.agg.features_lifetime |= m.features_lifetime;
            a.agg.seen(m.first_ms, m.last_ms);
            for (w, bits) in a.days.iter_mut().zip(&self.partial_days[i * words..]) {
                *w |= bits;
            }
            a.active_users += u32::from(m.active);
            if m.total {
                a.total_users += 1;
                if m.previous {
                    a.previous_users += 1;
                    a.retained_users += u32::from(m.recent);
                }
                self.members_total.push((m.account, p as u32));
            }
        }
    }

    /// Adds the sums of the range that follows this one.
    fn absorb(&mut self, next: Aggregator) {
        debug_assert_eq!(next.first, self.first + self.person.len());
        self.person.extend(next.person);
        self.person_account.extend(next.person_account);
        self.person_usage.extend(next.person_usage);
        for (a, b) in self.account.iter_mut().zip(next.account) {
            a.absorb(b);
        }
        for (a, b) in self.account_usage.iter_mut().zip(next.account_usage) {
            *a = a.saturating_add(b);
        }
        self.members_total.extend(next.members_total);
    }

    /// Scores, once every person is in.
    fn finish(self, c: &Compiled, people: People) -> Window {
        let mut account = self.account;
        for a in &mut account {
            a.agg.active_days = count_bits(&a.days);
        }
        let person = self.person;
        let mut positive: Vec<f64> = person
            .iter()
            .filter(|a| a.raw > 0)
            .map(|a| a.raw as f64)
            .collect();
        let benchmark = metrics::percentile(&mut positive, c.percentile).unwrap_or(0.0);
        let scores: Vec<i64> = person
            .iter()
            .map(|a| metrics::engagement_score(a.raw, benchmark, c.curve))
            .collect();
        for &(acct, p) in &self.members_total {
            account[acct as usize].score_sum += scores[p as usize];
        }
        let account_scores = account
            .iter()
            .map(|a| {
                if a.total_users == 0 {
                    0
                } else {
                    metrics::round_half_away(a.score_sum as f64 / f64::from(a.total_users))
                }
            })
            .collect();
        Window {
            day: self.day,
            offset: c.offset,
            people,
            person,
            person_account: self.person_account,
            account,
            person_usage: self.person_usage,
            account_usage: self.account_usage,
            scores,
            account_scores,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn add_usage(
    actor: &ActorState,
    own: u32,
    day: DayNumber,
    window_start: DayNumber,
    metrics_n: usize,
    p: usize,
    person_usage: &mut [Decimal],
    account_usage: &mut [Decimal],
) {
    // Linear, like the cells: usage lists are short and read in memory order.
    let cells = actor
        .usage
        .iter()
        .skip_while(|u| u.day < window_start)
        .take_while(|u| u.day <= day);
    for u in cells {
        let (m, sum) = (usize::from(u.metric()), u.sum());
        let slot = &mut person_usage[p * metrics_n + m];
        *slot = slot.saturating_add(sum);
        let acct = if u.account == IMPLICIT {
            own
        } else {
            u.account
        };
        if acct != NO_ACCOUNT {
            let slot = &mut account_usage[acct as usize * metrics_n + m];
            *slot = slot.saturating_add(sum);
        }
    }
}
