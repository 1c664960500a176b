//! A deterministic, realistic sample stream: the data behind the quickstart, the
//! tests and the benches.
//!
//! Accounts of ten users each (by default) on free, pro and enterprise plans; users
//! sign up on different days (browsing anonymously first, then identifying), and
//! their activity is skewed the way product usage is: a few heavy users, a long
//! tail of light ones, some who go quiet and some who come back. The same seed
//! always gives the same calls.
//!
//! ```
//! use pulsecheck::sample::Sample;
//! use pulsecheck::Engine;
//!
//! let sample = Sample::new().accounts(3).days(60);
//! let mut engine = Engine::new(pulsecheck::sample::config()).unwrap();
//! for call in sample.calls() {
//!     engine.ingest(&call).unwrap();
//! }
//! let snapshot = engine.snapshot(sample.end());
//! assert_eq!(snapshot.accounts().len(), 3);
//! assert_eq!(snapshot.users().len(), 30);
//! ```

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::config::{Config, ConfigBuilder, Curve, Health, Milestone, Nps, Usage};
use crate::event::{Alias, Call, Group, Identify, Page, Screen, Track};
use crate::id::{AccountId, AnonymousId, UserId};
use crate::schema::RecordKind;

/// The example configuration of the crate docs (28-day window, weighted scoring,
/// two features, user and account milestones, two usage metrics, segments,
/// actions).
pub fn config() -> Config {
    engagement_actions(base())
        .build()
        .expect("the sample configuration is valid")
}

/// [`config`] with a `health` section: NPS from the `NPS Submitted` event's
/// `score` (180-day lookback), revenue movement over 30 days, the default weights
/// and thresholds, and a playbook that sends a person to large accounts in poor
/// health and an email to the small ones, before the engagement playbook. Pair
/// it with [`Sample::health`].
///
/// ```
/// use pulsecheck::Engine;
/// use pulsecheck::sample::{self, Sample};
///
/// let sample = Sample::new().health(true);
/// let mut engine = Engine::new(sample::health_config()).unwrap();
/// for call in sample.calls() {
///     engine.ingest(&call).unwrap();
/// }
/// let snapshot = engine.snapshot(sample.end());
/// let movements: Vec<_> = snapshot
///     .accounts()
///     .iter()
///     .filter_map(|a| a.get("revenue_movement").and_then(|v| v.as_str()))
///     .collect();
/// assert!(movements.contains(&"churned") && movements.contains(&"contraction"));
/// assert!(snapshot.users().iter().any(|u| u.get("nps_score").is_some_and(|v| !v.is_null())));
/// ```
pub fn health_config() -> Config {
    let builder = base()
        .health(Health::new().with_nps(Nps::default()))
        .account_action(
            "health_label = \"red\" and mrr >= 1000",
            "personal_outreach",
        )
        .account_action("health_label = \"red\"", "automated_email");
    engagement_actions(builder)
        .build()
        .expect("the sample health configuration is valid")
}

/// Everything of [`config`] but its account playbook.
fn base() -> ConfigBuilder {
    Config::builder()
        .window_days(28)
        .lookback_days(90)
        .trend_threshold(10)
        .score_event("Report Run", 5)
        .score_event("Task Created", 2)
        .score_event("Board Viewed", 1)
        .percentile(90.0)
        .curve(Curve::Log)
        .feature("reporting", ["Report Run"])
        .feature("planning", ["Task Created", "Board Viewed"])
        .user_milestone(Milestone::event("first_task", "Task Created"))
        .user_milestone(
            Milestone::event("five_reports", "Report Run")
                .with_min_count(5)
                .with_within_days(14),
        )
        .rule_milestone(RecordKind::Account, "team", "active_users >= 3")
        .usage("api_calls", Usage::count("API Called"))
        .usage("storage_mb", Usage::sum("File Uploaded", "megabytes"))
        .segment_with_exit(
            RecordKind::User,
            "at_risk",
            "engagement_score < 25 and days_since_last_seen >= 14",
            "engagement_score >= 35",
        )
        .account_segment("champion", "api_calls_cumulative_share_pct <= 50")
}

/// The engagement playbook: a person for large accounts whose engagement falls,
/// an email for low engagement.
fn engagement_actions(builder: ConfigBuilder) -> ConfigBuilder {
    builder
        .account_action(
            "mrr >= 1000 and engagement_trend_label = \"falling\"",
            "personal_outreach",
        )
        .account_action("engagement_score < 25", "automated_email")
}

/// A deterministic generator of Segment calls. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    accounts: usize,
    users_per_account: usize,
    days: u32,
    end: NaiveDate,
    seed: u64,
    health: bool,
}

impl Default for Sample {
    fn default() -> Self {
        Sample::new()
    }
}

const FIRST: [&str; 12] = [
    "Ana", "Emilio", "Lucía", "Marc", "Sofía", "Jordi", "Carmen", "Pablo", "Laia", "Diego",
    "Elena", "Hugo",
];
const LAST: [&str; 8] = [
    "García",
    "Martínez",
    "Roca",
    "López",
    "Puig",
    "Sánchez",
    "Ferrer",
    "Navarro",
];
const COMPANIES: [&str; 8] = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne",
];
const DEVICES: [&str; 3] = ["desktop", "mobile", "tablet"];

impl Sample {
    /// Six accounts of ten users over 90 days ending 2026-10-31, seed 42.
    pub fn new() -> Sample {
        Sample {
            accounts: 6,
            users_per_account: 10,
            days: 90,
            end: NaiveDate::from_ymd_opt(2026, 10, 31).expect("valid date"),
            seed: 42,
            health: false,
        }
    }

    /// Also NPS survey responses (about one user in three answers, a few of them
    /// twice) and `mrr` changes in the last 45 days: a free account upgrades, paying
    /// ones expand, contract, churn, or churn and come back. Off by default, so the
    /// other calls are the same either way.
    #[must_use]
    pub fn health(mut self, on: bool) -> Sample {
        self.health = on;
        self
    }

    /// How many accounts.
    #[must_use]
    pub fn accounts(mut self, n: usize) -> Sample {
        self.accounts = n;
        self
    }

    /// Users per account (default 10).
    #[must_use]
    pub fn users_per_account(mut self, n: usize) -> Sample {
        self.users_per_account = n;
        self
    }

    /// How many days of history.
    #[must_use]
    pub fn days(mut self, n: u32) -> Sample {
        self.days = n.max(1);
        self
    }

    /// The last day of history.
    #[must_use]
    pub fn end_on(mut self, day: NaiveDate) -> Sample {
        self.end = day;
        self
    }

    /// The random seed.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Sample {
        self.seed = seed;
        self
    }

    /// The last day of history (snapshot this day to see everything).
    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// Total users.
    pub fn user_count(&self) -> usize {
        self.accounts * self.users_per_account
    }

    /// The calls, user by user (each user's calls in time order).
    pub fn calls(&self) -> impl Iterator<Item = Call> + '_ {
        (0..self.accounts).flat_map(move |a| {
            let mut account = self.account_calls(a);
            if self.health {
                account.extend(self.revenue_calls(a));
            }
            let users = (0..self.users_per_account).flat_map(move |u| {
                let mut calls = self.user_calls(a, u);
                if self.health {
                    calls.extend(self.nps_calls(a, u));
                }
                calls
            });
            account.into_iter().chain(users)
        })
    }

    fn start(&self) -> DateTime<Utc> {
        let first = self.end - Duration::days(i64::from(self.days) - 1);
        first
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
    }

    fn account_name(a: usize) -> String {
        let base = COMPANIES[a % COMPANIES.len()];
        if a < COMPANIES.len() {
            base.to_owned()
        } else {
            format!("{base} {}", a / COMPANIES.len() + 1)
        }
    }

    fn account_calls(&self, a: usize) -> Vec<Call> {
        let mut rng = Rng::new(self.seed ^ (a as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let name = Self::account_name(a);
        let domain = format!("{}.com", name.to_lowercase().replace(' ', "-"));
        let (plan, mrr) = match rng.below(10) {
            0..=3 => ("free", Decimal::ZERO),
            4..=7 => ("pro", Decimal::from(49 * (1 + rng.below(20) as i64))),
            _ => (
                "enterprise",
                Decimal::from(1_000 * (1 + rng.below(10) as i64)),
            ),
        };
        let seats = self.users_per_account as i64 + rng.below(10) as i64;
        let at = self.start() + Duration::minutes(rng.below(60 * 24) as i64);
        vec![
            Group::account_only(AccountId::new(format!("acc_{a:05}")), at)
                .with_trait("name", name)
                .with_trait("domain", format!("https://www.{domain}/"))
                .with_trait("plan", plan)
                .with_trait("seats", seats)
                .with_trait("mrr", mrr)
                .with_message_id(format!("g-{}-{a}", self.seed))
                .into(),
        ]
    }

    /// `mrr` changes of account `a` (see [`health`](Self::health)), by `a % 6`:
    /// upgrade from free, expansion, contraction, churn, churn and come back, none.
    fn revenue_calls(&self, a: usize) -> Vec<Call> {
        let mut rng = Rng::new(self.seed ^ 0x6865_616c_7468 ^ (a as u64).wrapping_mul(0x9e37));
        let base = Decimal::from(49 * (2 + rng.below(20) as i64));
        let steps: Vec<(i64, Decimal)> = match a % 6 {
            0 => vec![(45, Decimal::ZERO), (12, base)],
            1 => vec![(45, base), (10, base * Decimal::TWO)],
            2 => vec![(45, base * Decimal::TWO), (8, base)],
            3 => vec![(45, base), (6, Decimal::ZERO)],
            4 => vec![(45, base), (40, Decimal::ZERO), (5, base)],
            _ => Vec::new(),
        };
        steps
            .into_iter()
            .enumerate()
            .map(|(i, (d, mrr))| {
                Group::account_only(
                    AccountId::new(format!("acc_{a:05}")),
                    self.working_hours(d, &mut rng),
                )
                .with_trait("mrr", mrr)
                .with_message_id(format!("r-{}-{a}-{i}", self.seed))
                .into()
            })
            .collect()
    }

    /// A random instant between 08:00 and 18:00 UTC, `days` days before the end.
    fn working_hours(&self, days: i64, rng: &mut Rng) -> DateTime<Utc> {
        let end = self
            .end
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc();
        end - Duration::days(days) + Duration::minutes(480 + rng.below(600) as i64)
    }

    /// NPS responses of user `u` of account `a` (see [`health`](Self::health)).
    fn nps_calls(&self, a: usize, u: usize) -> Vec<Call> {
        let index = a * self.users_per_account + u;
        let mut rng = Rng::new(self.seed ^ 0x006e_7073 ^ (index as u64 + 1).wrapping_mul(0xbf58));
        if rng.below(3) != 0 {
            return Vec::new();
        }
        let answers = 1 + usize::from(rng.below(4) == 0);
        let days = i64::from(self.days.min(120));
        (0..answers)
            .map(|i| {
                let at = self.working_hours(rng.below(days as u64) as i64, &mut rng);
                // Skewed towards the happy end, as survey answers are.
                let score = (11.0 * rng.unit().sqrt()).min(10.0) as i64;
                Track::new(UserId::new(format!("user_{index:06}")), "NPS Submitted", at)
                    .with_property("score", score)
                    .with_message_id(format!("n-{}-{index}-{i}", self.seed))
                    .into()
            })
            .collect()
    }

    fn user_calls(&self, a: usize, u: usize) -> Vec<Call> {
        let index = a * self.users_per_account + u;
        let mut rng = Rng::new(
            self.seed.wrapping_add(1) ^ (index as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9),
        );
        let user = UserId::new(format!("user_{index:06}"));
        let account = AccountId::new(format!("acc_{a:05}"));
        let anonymous = AnonymousId::new(format!("anon-{index:06}"));
        let days = i64::from(self.days);
        // Heavy-tailed intensity: most users light, a few very heavy.
        let intensity = 0.05 + 3.0 * rng.unit().powi(4);
        let signup = rng.below(days as u64) as i64 * rng.below(2) as i64;
        let quits = if rng.below(5) == 0 {
            signup + rng.below((days - signup).max(1) as u64) as i64
        } else {
            days
        };
        let returns = if rng.below(3) == 0 {
            quits + rng.below(30) as i64
        } else {
            days
        };
        let device = DEVICES[rng.below(10).min(2) as usize / 2 + rng.below(2) as usize];
        let seq = |n: &mut u64| {
            *n += 1;
            format!("m-{}-{index}-{n}", self.seed)
        };
        let mut n = 0u64;
        let mut calls: Vec<Call> = Vec::new();
        let signup_at =
            self.start() + Duration::days(signup) + Duration::minutes(480 + rng.below(600) as i64);
        calls.push(
            Page::with_actor(
                anonymous.clone(),
                "Pricing",
                signup_at - Duration::minutes(30),
            )
            .with_device_type(device)
            .with_message_id(seq(&mut n))
            .into(),
        );
        let first = FIRST[rng.below(FIRST.len() as u64) as usize];
        let last = LAST[rng.below(LAST.len() as u64) as usize];
        let mut identify = Identify::new(user.clone(), signup_at)
            .with_anonymous_id(anonymous)
            .with_trait(
                "email",
                format!(
                    "{}.{}@{}",
                    ascii(first),
                    ascii(last),
                    Self::account_name(a).to_lowercase().replace(' ', "-") + ".com"
                ),
            )
            .with_trait("firstName", first)
            .with_trait("lastName", last)
            .with_trait("createdAt", signup_at.to_rfc3339())
            .with_trait(
                "role",
                ["engineer", "manager", "analyst", "founder"][rng.below(4) as usize],
            )
            .with_message_id(seq(&mut n));
        if rng.below(4) == 0 {
            identify = identify
                .with_trait("name", format!("{first} Eduardo {last}"))
                .with_trait("preferredName", first.to_owned());
        }
        calls.push(identify.into());
        calls.push(
            Group::new(user.clone(), account.clone(), signup_at)
                .with_message_id(seq(&mut n))
                .into(),
        );
        if rng.below(8) == 0 {
            // An older id merged into the current one, as after an account migration.
            let old = format!("legacy_{index:06}");
            calls.push(
                Track::new(UserId::new(old.clone()), "Board Viewed", signup_at)
                    .with_message_id(seq(&mut n))
                    .into(),
            );
            calls.push(
                Alias::new(old, user.clone(), signup_at + Duration::minutes(1))
                    .with_message_id(seq(&mut n))
                    .into(),
            );
        }
        for d in signup..days {
            if d >= quits && d < returns {
                continue;
            }
            // Weekends are quieter.
            let weekday_factor = if d % 7 >= 5 { 0.3 } else { 1.0 };
            if rng.unit() > (0.15 + intensity * 0.3).min(0.95) * weekday_factor {
                continue;
            }
            let events = 1 + (rng.unit() * intensity * 8.0) as u64;
            let mut at =
                self.start() + Duration::days(d) + Duration::minutes(420 + rng.below(540) as i64);
            for _ in 0..events {
                at += Duration::seconds(20 + rng.below(900) as i64);
                let pick = rng.below(100);
                let call: Call = match pick {
                    0..=29 => Page::new(user.clone(), at)
                        .with_device_type(device)
                        .with_message_id(seq(&mut n))
                        .into(),
                    30..=49 => Track::new(user.clone(), "Board Viewed", at)
                        .with_device_type(device)
                        .with_message_id(seq(&mut n))
                        .into(),
                    50..=64 => Track::new(user.clone(), "Task Created", at)
                        .with_device_type(device)
                        .with_message_id(seq(&mut n))
                        .into(),
                    65..=74 => Track::new(user.clone(), "Report Run", at)
                        .with_device_type(device)
                        .with_message_id(seq(&mut n))
                        .into(),
                    75..=89 => Track::new(user.clone(), "API Called", at)
                        .with_group_id(account.clone())
                        .with_message_id(seq(&mut n))
                        .into(),
                    90..=94 => Track::new(user.clone(), "File Uploaded", at)
                        .with_device_type(device)
                        .with_property("megabytes", Decimal::new(1 + rng.below(5_000) as i64, 1))
                        .with_message_id(seq(&mut n))
                        .into(),
                    _ => Screen::new(user.clone(), at)
                        .with_device_type("mobile")
                        .with_message_id(seq(&mut n))
                        .into(),
                };
                calls.push(call);
            }
        }
        calls
    }
}

fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' => 'u',
            other => other,
        })
        .collect::<String>()
        .to_lowercase()
}

/// SplitMix64: tiny, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x2545_f491_4f6c_dd1d)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
