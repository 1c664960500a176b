//! The whole job on an embedded sample: a few accounts and their users over 90 days,
//! ingested, scored and printed as CRM-ready properties.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use pulsecheck::sample::{self, Sample};
use pulsecheck::{Engine, IngestReport, Record, Value};

fn main() {
    // Six accounts of ten users, 90 days of deterministic, realistically skewed usage,
    // with NPS survey answers and revenue changes (upgrade, expansion, contraction,
    // churn, churn and return) for the customer-health properties.
    let sample = Sample::new().health(true);
    let mut engine = Engine::new(sample::health_config()).expect("the sample config is valid");

    let mut report = IngestReport::default();
    for call in sample.calls() {
        report.record(None, engine.ingest(&call));
    }
    print!("{report}");

    let day = sample.end();
    let snapshot = engine.snapshot(day);
    println!(
        "\nAs of {day}: {} accounts, {} users\n",
        snapshot.accounts().len(),
        snapshot.users().len()
    );

    println!(
        "{:<10} {:<9} {:<11} {:>5} {:>6} {:<8} {:>5} {:>6} {:>6} {:>6} {:>9} {:<11} {:<18} {:<10}",
        "ACCOUNT",
        "NAME",
        "PLAN",
        "SCORE",
        "TREND",
        "",
        "USERS",
        "ACTIVE",
        "ACTIV",
        "ADOPT",
        "API SHARE",
        "LIFECYCLE",
        "NEXT ACTION",
        "SEGMENTS"
    );
    for a in snapshot.accounts() {
        println!(
            "{:<10} {:<9} {:<11} {:>5} {:>+6} {:<8} {:>5} {:>6} {:>5}% {:>5}% {:>8}% {:<11} {:<18} {:<10}",
            a.id(),
            text(a, "name"),
            text(a, "plan"),
            text(a, "engagement_score"),
            int(a, "engagement_trend"),
            text(a, "engagement_trend_label"),
            text(a, "total_users"),
            text(a, "active_users"),
            text(a, "activation_rate"),
            text(a, "adoption_rate"),
            text(a, "api_calls_cumulative_share_pct"),
            text(a, "lifecycle_stage"),
            text(a, "next_action"),
            text(a, "segments"),
        );
    }

    println!(
        "\n{:<10} {:>8} {:>9} {:>8} {:<12} {:<8} {:<10} {:>4} {:>4} {:>7} {:>6} {:<7}",
        "ACCOUNT",
        "MRR",
        "PREVIOUS",
        "CHANGE",
        "MOVEMENT",
        "CHURNED",
        "CHURNED AT",
        "NPS",
        "RESP",
        "RETAIN",
        "HEALTH",
        "LABEL"
    );
    for a in snapshot.accounts() {
        let churned_at = a
            .get("churned_at")
            .and_then(Value::as_datetime)
            .map_or_else(|| "—".to_owned(), |t| t.date_naive().to_string());
        println!(
            "{:<10} {:>8} {:>9} {:>+8} {:<12} {:<8} {:<10} {:>4} {:>4} {:>6}% {:>6} {:<7}",
            a.id(),
            text(a, "mrr"),
            text(a, "mrr_previous"),
            text(a, "mrr_change"),
            text(a, "revenue_movement"),
            text(a, "churned"),
            churned_at,
            text(a, "nps"),
            text(a, "nps_responses"),
            text(a, "retained_users_pct"),
            text(a, "health_score"),
            text(a, "health_label"),
        );
    }

    println!(
        "\n{:<12} {:<10} {:<9} {:>5} {:>6} {:<8} {:>6} {:>6} {:>6} {:<12} {:<8} {:>4} {:<10} {:>6}",
        "USER",
        "ACCOUNT",
        "GREETING",
        "SCORE",
        "TREND",
        "",
        "DAYS",
        "ACTIV",
        "ADOPT",
        "LIFECYCLE",
        "DEVICE",
        "NPS",
        "",
        "HEALTH"
    );
    for u in snapshot.users().iter().take(20) {
        println!(
            "{:<12} {:<10} {:<9} {:>5} {:>+6} {:<8} {:>6} {:>5}% {:>5}% {:<12} {:<8} {:>4} {:<10} {:>3} {}",
            u.id(),
            text(u, "account_id"),
            text(u, "greeting_name"),
            text(u, "engagement_score"),
            int(u, "engagement_trend"),
            text(u, "engagement_trend_label"),
            text(u, "active_days"),
            text(u, "activation_rate"),
            text(u, "adoption_rate"),
            text(u, "lifecycle_stage"),
            text(u, "primary_device"),
            text(u, "nps_score"),
            text(u, "nps_category"),
            text(u, "health_score"),
            text(u, "health_label"),
        );
    }
    if snapshot.users().len() > 20 {
        println!("… and {} more users", snapshot.users().len() - 20);
    }

    // The most engaged user's full record, as it would land on a CRM Contact.
    if let Some(top) = snapshot
        .users()
        .iter()
        .max_by_key(|u| int(u, "engagement_score"))
    {
        println!("\nFull record of {}:", top.id());
        for (name, value) in top.iter() {
            println!(
                "  {name:<28} {}",
                if value.is_null() {
                    "—".to_owned()
                } else {
                    value.to_string()
                }
            );
        }
    }

    // The whole base as of the same day: the weekly review's figures.
    let portfolio = engine.portfolio(day);
    let pct = |p: Option<f64>| p.map_or("—".to_owned(), |p| format!("{p}%"));
    println!(
        "\nPortfolio: {} accounts ({} paying, MRR {}), NRR {}, GRR {}, logo churn {}, \
         MAU {}, stickiness {}, NPS {}",
        portfolio.accounts(),
        portfolio.paying_accounts(),
        portfolio.mrr(),
        pct(portfolio.net_revenue_retention_pct()),
        pct(portfolio.gross_revenue_retention_pct()),
        pct(portfolio.logo_churn_pct()),
        portfolio.mau(),
        pct(portfolio.stickiness_pct()),
        portfolio.nps().map_or("—".to_owned(), |n| n.to_string()),
    );
    // The quickstart writes nothing to disk; the report page is one command away.
    println!(
        "For the report page (one self-contained HTML file):\n  \
         cargo run --example sample_data -- --out-dir /tmp/pc --accounts 6 --health\n  \
         cargo run --example batch -- --config /tmp/pc/config.json --events /tmp/pc/events.ndjson \\\n      \
         --as-of {day} --format html --out portfolio.html"
    );
}

fn text(r: &Record, name: &str) -> String {
    r.get(name)
        .filter(|v| !v.is_null())
        .map_or_else(|| "—".to_owned(), Value::to_string)
}

fn int(r: &Record, name: &str) -> i64 {
    r.get(name).and_then(Value::as_i64).unwrap_or(0)
}
