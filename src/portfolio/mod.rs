//! The portfolio: the whole customer base as of a day, in one object.
//!
//! A [`Record`](crate::Record) answers "how is this customer?"; a [`Portfolio`]
//! answers the weekly review's "how is the base?": revenue and its movements, net
//! and gross revenue retention, logo churn, daily / weekly / monthly active users
//! and stickiness, user retention, NPS, how many users and accounts are red, yellow
//! or green, how many are in each segment, which accounts make half of each usage
//! metric, and how each weekly signup cohort comes back week after week.
//!
//! [`Engine::portfolio`](crate::Engine::portfolio) computes it from the same state
//! and the same per-record arithmetic as the snapshot of the day, so each figure
//! agrees with the records (the NRR is made of the accounts' `mrr_previous` and
//! `mrr`, the health counts of their `health_label`s); it keeps no record, so it
//! costs less than the snapshot. With the `report` feature,
//! [`Portfolio::to_html`] draws it as one self-contained page.
//!
//! Percentages have one decimal (rounded half away from zero), and a ratio over
//! nothing is `None` (JSON `null`), never a made-up 0.
//!
//! ```
//! use pulsecheck::Engine;
//! use pulsecheck::sample::{self, Sample};
//!
//! let sample = Sample::new().health(true);
//! let mut engine = Engine::new(sample::health_config()).unwrap();
//! for call in sample.calls() {
//!     engine.ingest(&call).unwrap();
//! }
//! let portfolio = engine.portfolio(sample.end());
//! assert_eq!(portfolio.accounts(), 6);
//! assert_eq!(portfolio.users(), 60);
//! assert!(portfolio.mau() <= portfolio.users());
//! assert_eq!(portfolio.cohorts().len(), 12);
//! let health = portfolio.health().user();
//! assert_eq!(health.red + health.yellow + health.green, 60);
//! ```

#[cfg(feature = "report")]
mod html;

use chrono::NaiveDate;
use indexmap::IndexMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How many weekly signup cohorts a portfolio shows: the week holding the day and
/// the eleven before it.
pub const COHORT_WEEKS: usize = 12;

/// The whole customer base as of a day. See the [module docs](self).
///
/// Serializes to one JSON object whose keys are the names of the getters below
/// (money and percentages as JSON numbers, missing ratios as `null`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Portfolio {
    pub(crate) day: NaiveDate,
    pub(crate) accounts: u64,
    pub(crate) users: u64,
    pub(crate) paying_accounts: u64,
    #[serde(with = "rust_decimal::serde::float")]
    pub(crate) mrr: Decimal,
    pub(crate) revenue_days: Option<u32>,
    pub(crate) mrr_movements: MrrMovements,
    pub(crate) logo_churn_pct: Option<f64>,
    pub(crate) gross_revenue_retention_pct: Option<f64>,
    pub(crate) net_revenue_retention_pct: Option<f64>,
    pub(crate) dau: u64,
    pub(crate) wau: u64,
    pub(crate) mau: u64,
    pub(crate) stickiness_pct: Option<f64>,
    pub(crate) user_retention_pct: Option<f64>,
    pub(crate) nps: Option<i64>,
    pub(crate) promoters: u64,
    pub(crate) passives: u64,
    pub(crate) detractors: u64,
    pub(crate) health: HealthCounts,
    pub(crate) segments: SegmentCounts,
    pub(crate) champions: IndexMap<String, Champions>,
    pub(crate) cohorts: Vec<Cohort>,
}

impl Portfolio {
    /// The day D the portfolio is computed as of.
    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// Account records in the snapshot of D.
    pub fn accounts(&self) -> u64 {
        self.accounts
    }

    /// User records in the snapshot of D.
    pub fn users(&self) -> u64 {
        self.users
    }

    /// Accounts paying on D: their `mrr` as of the end of D is above 0.
    pub fn paying_accounts(&self) -> u64 {
        self.paying_accounts
    }

    /// Monthly recurring revenue on D: the sum of the paying accounts' `mrr`.
    pub fn mrr(&self) -> Decimal {
        self.mrr
    }

    /// The days R revenue movements are measured over (`health.revenue_days`);
    /// `None` without a `health` section.
    pub fn revenue_days(&self) -> Option<u32> {
        self.revenue_days
    }

    /// How revenue moved over the last `revenue_days`: per kind of
    /// `revenue_movement`, the sum of the accounts' absolute `mrr_change`.
    /// All zero without a `health` section.
    pub fn mrr_movements(&self) -> &MrrMovements {
        &self.mrr_movements
    }

    /// Of the accounts paying `revenue_days` ago (m0 > 0), the share no longer
    /// paying on D, in %. `None` when none was paying then (or without `health`).
    pub fn logo_churn_pct(&self) -> Option<f64> {
        self.logo_churn_pct
    }

    /// Gross revenue retention: over the accounts paying `revenue_days` ago,
    /// `100 · Σ min(m0, m1) / Σ m0` (what they still pay, expansions left out).
    pub fn gross_revenue_retention_pct(&self) -> Option<f64> {
        self.gross_revenue_retention_pct
    }

    /// Net revenue retention: over the same accounts, `100 · Σ m1 / Σ m0`
    /// (expansions in, new and reactivated accounts out).
    pub fn net_revenue_retention_pct(&self) -> Option<f64> {
        self.net_revenue_retention_pct
    }

    /// Users with activity on D.
    pub fn dau(&self) -> u64 {
        self.dau
    }

    /// Users with activity in the 7 days ending on D.
    pub fn wau(&self) -> u64 {
        self.wau
    }

    /// Users with activity in the 30 days ending on D.
    pub fn mau(&self) -> u64 {
        self.mau
    }

    /// Stickiness: the mean daily active users over those 30 days, as a share of
    /// [`mau`](Self::mau), in %. `None` when `mau` is 0.
    pub fn stickiness_pct(&self) -> Option<f64> {
        self.stickiness_pct
    }

    /// Of the users with activity in the previous window, the share with activity
    /// in the window too, in %.
    pub fn user_retention_pct(&self) -> Option<f64> {
        self.user_retention_pct
    }

    /// The Net Promoter Score of every user's `nps_score`: `100 · (promoters −
    /// detractors) / responses`, rounded. `None` without responses.
    pub fn nps(&self) -> Option<i64> {
        self.nps
    }

    /// Users whose `nps_score` is 9 or 10.
    pub fn promoters(&self) -> u64 {
        self.promoters
    }

    /// Users whose `nps_score` is 7 or 8.
    pub fn passives(&self) -> u64 {
        self.passives
    }

    /// Users whose `nps_score` is 0 to 6.
    pub fn detractors(&self) -> u64 {
        self.detractors
    }

    /// Users and accounts by `health_label`.
    pub fn health(&self) -> &HealthCounts {
        &self.health
    }

    /// Members of each segment, in configuration order.
    pub fn segments(&self) -> &SegmentCounts {
        &self.segments
    }

    /// Per usage metric (in configuration order): the champions, the accounts whose
    /// `{usage}_cumulative_share_pct` is at most 50, and the curve they sit on.
    pub fn champions(&self) -> &IndexMap<String, Champions> {
        &self.champions
    }

    /// The [`COHORT_WEEKS`] latest weekly signup cohorts, oldest first.
    pub fn cohorts(&self) -> &[Cohort] {
        &self.cohorts
    }
}

/// The sums of absolute `mrr_change` per kind of `revenue_movement`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MrrMovements {
    /// Accounts paying for the first time.
    #[serde(with = "rust_decimal::serde::float")]
    pub new: Decimal,
    /// Accounts paying again after having stopped.
    #[serde(with = "rust_decimal::serde::float")]
    pub reactivated: Decimal,
    /// Accounts paying more.
    #[serde(with = "rust_decimal::serde::float")]
    pub expansion: Decimal,
    /// Accounts paying less, but still paying.
    #[serde(with = "rust_decimal::serde::float")]
    pub contraction: Decimal,
    /// Accounts that stopped paying.
    #[serde(with = "rust_decimal::serde::float")]
    pub churned: Decimal,
}

/// How many records carry each `health_label`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Labels {
    /// `health_label = "red"`.
    pub red: u64,
    /// `health_label = "yellow"`.
    pub yellow: u64,
    /// `health_label = "green"`.
    pub green: u64,
}

/// Users and accounts by `health_label` (records without one, when there is no
/// `health` section, are in no count).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HealthCounts {
    pub(crate) user: Labels,
    pub(crate) account: Labels,
}

impl HealthCounts {
    /// The users' labels.
    pub fn user(&self) -> Labels {
        self.user
    }

    /// The accounts' labels.
    pub fn account(&self) -> Labels {
        self.account
    }
}

/// Members of each configured segment as of the day, decided from that day alone
/// (as [`Engine::snapshot`](crate::Engine::snapshot) does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SegmentCounts {
    pub(crate) user: IndexMap<String, u64>,
    pub(crate) account: IndexMap<String, u64>,
}

impl SegmentCounts {
    /// User segments and their members, in configuration order.
    pub fn user(&self) -> &IndexMap<String, u64> {
        &self.user
    }

    /// Account segments and their members, in configuration order.
    pub fn account(&self) -> &IndexMap<String, u64> {
        &self.account
    }
}

/// One usage metric's champions: the accounts that, taken by usage from the
/// largest down, make the first half of the window's usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Champions {
    /// All accounts' usage in the window.
    #[serde(with = "rust_decimal::serde::float")]
    pub total: Decimal,
    /// The champions, largest usage first.
    pub accounts: Vec<Champion>,
    /// The cumulative usage curve of all accounts by usage, largest first: at most
    /// 101 points, from 0 accounts (0 %) to all of them (100 %).
    pub curve: Vec<CurvePoint>,
}

/// An account among a usage metric's champions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Champion {
    /// The account's id.
    pub account_id: String,
    /// Its `name` trait, if any.
    pub name: Option<String>,
    /// Its usage in the window.
    #[serde(with = "rust_decimal::serde::float")]
    pub usage: Decimal,
    /// `{usage}_share_pct`.
    pub share_pct: f64,
    /// `{usage}_cumulative_share_pct`.
    pub cumulative_share_pct: f64,
}

/// A point of a cumulative usage curve: the `accounts` largest make
/// `cumulative_share_pct` of the usage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CurvePoint {
    /// How many accounts, largest usage first.
    pub accounts: u64,
    /// Their share of all accounts' usage, in %.
    pub cumulative_share_pct: f64,
}

/// A weekly signup cohort: the users whose `created_at` falls in one week (weeks
/// start on Monday, in the configured offset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Cohort {
    /// The Monday the week starts on.
    pub week_start: NaiveDate,
    /// Users in the cohort.
    pub users: u64,
    /// `retention_pct[k]`: the share of the cohort with activity in week k after
    /// its own (k = 0 is its own week; a week still under way counts up to D),
    /// for each week that has started by D. `None` for an empty cohort.
    pub retention_pct: Vec<Option<f64>>,
}

/// `100 · part / whole` with one decimal, rounded half away from zero, exactly;
/// `None` when `whole` is 0.
pub(crate) fn pct1(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| {
        let tenths = (2000 * u128::from(part) + u128::from(whole)) / (2 * u128::from(whole));
        tenths as f64 / 10.0
    })
}

/// A one-decimal percentage computed as a decimal, as the nearest `f64`.
pub(crate) fn decimal_pct(d: Option<Decimal>) -> Option<f64> {
    d.and_then(|d| d.to_string().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::pct1;

    #[test]
    fn one_decimal_percentages_round_half_away() {
        assert_eq!(pct1(1, 3), Some(33.3));
        assert_eq!(pct1(2, 3), Some(66.7));
        assert_eq!(pct1(1, 16), Some(6.3)); // 6.25
        assert_eq!(pct1(0, 5), Some(0.0));
        assert_eq!(pct1(3, 0), None);
    }
}
