//! The portfolio's report page: one self-contained HTML document.
//!
//! Inline CSS and hand-written inline SVG only: no script, no font, image or
//! style sheet from anywhere, so the page reads the same offline and in a mail.
//! Every chart has its numbers beside it; colours come from the Okabe–Ito and
//! viridis palettes, which stay distinguishable for colour-blind readers, and
//! never carry meaning alone (signs, labels and a legend say it too).

use std::fmt::Write as _;

use rust_decimal::{Decimal, RoundingStrategy};

use super::{COHORT_WEEKS, Champions, Cohort, Labels, Portfolio};

/// Okabe–Ito colours.
const BLUE: &str = "#0072B2";
const SKY: &str = "#56B4E9";
const GREEN: &str = "#009E73";
const YELLOW: &str = "#F0E442";
const ORANGE: &str = "#E69F00";
const VERMILLION: &str = "#D55E00";
const GREY: &str = "#8C8C8C";

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d232a;background:#f4f5f7}
main{max-width:1240px;margin:0 auto;padding:20px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 10px}
.sub{color:#5a6470;margin:0 0 18px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(118px,1fr));gap:10px;margin-bottom:18px}
.kpi{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.kpi .label{font-size:13px;color:#5a6470}
.kpi .value{font-size:20px;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.kpi .note{font-size:12px;color:#5a6470}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:16px}
.card{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 2px rgba(0,0,0,.08);min-width:0;margin:0}
.card.wide{grid-column:1/-1}
svg{width:100%;height:auto;display:block}
svg text{font-family:inherit;fill:#1d232a}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:13px;margin:8px 0}
.legend span{display:inline-flex;align-items:center;gap:6px}
.swatch{width:14px;height:14px;border-radius:3px;display:inline-block;border:1px solid rgba(0,0,0,.25)}
table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums;width:100%}
th,td{padding:4px 6px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{color:#5a6470;font-weight:600;border-bottom:1px solid #d9dde2}
.scroll{overflow-x:auto}
.heat td.cell{text-align:center;min-width:44px}
.muted{color:#5a6470}
footer{color:#5a6470;font-size:12px;margin-top:18px}
td:first-child,th:first-child{position:sticky;left:0;background:#fff}
@media (max-width:600px){main{padding:12px}h1{font-size:21px}.kpi .value{font-size:20px}.card{padding:12px}th,td{padding:3px 4px}table{font-size:12px}}
"#;

impl Portfolio {
    /// The portfolio as one self-contained HTML page: the headline figures, the
    /// revenue movements as a waterfall, users and accounts by health label, NPS,
    /// the signup cohorts as a retention heat map, each usage metric's champions on
    /// their cumulative usage curve, and the segments; the numbers beside every
    /// chart.
    ///
    /// The page has no script and loads nothing (inline CSS and SVG), so it reads
    /// the same offline, printed or mailed; its layout goes from a wide screen
    /// down to a phone. Every name that comes from the data (account names and
    /// ids, segment and usage names) is HTML-escaped.
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
    /// let page = engine.portfolio(sample.end()).to_html();
    /// assert!(page.starts_with("<!DOCTYPE html>"));
    /// assert!(page.contains("Net revenue retention") && !page.contains("<script"));
    /// ```
    pub fn to_html(&self) -> String {
        let mut h = String::with_capacity(64 * 1024);
        let day = self.day;
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Customer portfolio as of {day}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
             <h1>Customer portfolio</h1>\n<p class=\"sub\">As of {day}: {} accounts, {} users.</p>\n",
            int(self.accounts),
            int(self.users)
        );
        self.headline(&mut h);
        h.push_str("<div class=\"grid\">\n");
        self.waterfall(&mut h);
        self.health_card(&mut h);
        self.cohort_card(&mut h);
        for (metric, champions) in &self.champions {
            champion_card(&mut h, metric, champions, self.accounts);
        }
        self.segment_card(&mut h);
        h.push_str("</div>\n");
        let _ = write!(
            h,
            "<footer>Computed by pulsecheck as of {day}. Percentages have one decimal; \
             &ldquo;&mdash;&rdquo; marks a ratio over nothing.</footer>\n</main>\n</body>\n</html>\n"
        );
        h
    }

    fn headline(&self, h: &mut String) {
        let period = self
            .revenue_days
            .map_or(String::new(), |r| format!("over {r} days"));
        let nps_note = format!(
            "{} promoters, {} passives, {} detractors",
            int(self.promoters),
            int(self.passives),
            int(self.detractors)
        );
        let tiles: [(&str, &str, String, String); 9] = [
            (
                "accounts",
                "Accounts",
                int(self.accounts),
                format!("{} users", int(self.users)),
            ),
            (
                "paying",
                "Paying accounts",
                int(self.paying_accounts),
                format!(
                    "{} not paying",
                    int(self.accounts.saturating_sub(self.paying_accounts))
                ),
            ),
            (
                "mrr",
                "MRR",
                money(self.mrr),
                "monthly recurring revenue".into(),
            ),
            (
                "nrr",
                "Net revenue retention",
                pct(self.net_revenue_retention_pct),
                period.clone(),
            ),
            (
                "grr",
                "Gross revenue retention",
                pct(self.gross_revenue_retention_pct),
                period.clone(),
            ),
            ("churn", "Logo churn", pct(self.logo_churn_pct), period),
            (
                "mau",
                "Monthly active users",
                int(self.mau),
                format!("DAU {} &middot; WAU {}", int(self.dau), int(self.wau)),
            ),
            (
                "stickiness",
                "Stickiness",
                pct(self.stickiness_pct),
                format!("user retention {}", pct(self.user_retention_pct)),
            ),
            (
                "nps",
                "NPS",
                self.nps.map_or("&mdash;".into(), |n| format!("{n:+}")),
                nps_note,
            ),
        ];
        h.push_str("<section class=\"kpis\" aria-label=\"Headline figures\">\n");
        for (id, label, value, note) in tiles {
            let _ = writeln!(
                h,
                "<div class=\"kpi\" id=\"kpi-{id}\"><div class=\"label\">{label}</div>\
                 <div class=\"value\">{value}</div><div class=\"note\">{note}</div></div>"
            );
        }
        h.push_str("</section>\n");
    }

    /// MRR at the start of the period, each movement, and MRR on D.
    fn waterfall(&self, h: &mut String) {
        let m = &self.mrr_movements;
        let start = self.mrr - m.new - m.reactivated - m.expansion + m.contraction + m.churned;
        let steps: [(&str, Decimal, i8); 7] = [
            ("Start", start, 0),
            ("New", m.new, 1),
            ("Reactivated", m.reactivated, 1),
            ("Expansion", m.expansion, 1),
            ("Contraction", m.contraction, -1),
            ("Churned", m.churned, -1),
            ("Now", self.mrr, 0),
        ];
        let period = self
            .revenue_days
            .map_or(String::new(), |r| format!(" over the last {r} days"));
        let _ = writeln!(
            h,
            "<figure class=\"card\" id=\"mrr-movements\"><h2>MRR movements{period}</h2>"
        );
        legend(
            h,
            &[
                (GREY, "MRR total"),
                (BLUE, "increase (+)"),
                (VERMILLION, "decrease (&minus;)"),
            ],
        );
        // The running level after each step, to place the floating bars.
        let mut level = Decimal::ZERO;
        let mut bars = Vec::new();
        for (label, amount, sign) in steps {
            let (from, to) = match sign {
                0 => (Decimal::ZERO, amount),
                1 => (level, level + amount),
                _ => (level - amount, level),
            };
            level = match sign {
                0 => amount,
                1 => level + amount,
                _ => level - amount,
            };
            bars.push((label, amount, sign, from, to));
        }
        let top = bars
            .iter()
            .map(|b| b.3.max(b.4))
            .max()
            .unwrap_or_default()
            .max(Decimal::ONE);
        // Horizontal floating bars, one row per step: the labels stay readable on
        // a phone, where a column per step would crowd them.
        let (w, row, left, right, head) = (440.0, 30.0, 96.0, 84.0, 8.0);
        let plot_w = w - left - right;
        let hgt = head + row * bars.len() as f64 + 34.0;
        let x = |d: Decimal| left + plot_w * to_f64(d) / to_f64(top);
        let _ = write!(
            h,
            "<svg viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-label=\"MRR waterfall\">"
        );
        let axis_y = head + row * bars.len() as f64;
        let _ = write!(
            h,
            "<line x1=\"{left}\" y1=\"{head}\" x2=\"{left}\" y2=\"{axis_y}\" stroke=\"#1d232a\"/>\
             <line x1=\"{left}\" y1=\"{axis_y}\" x2=\"{r:.1}\" y2=\"{axis_y}\" stroke=\"#1d232a\"/>\
             <text x=\"{left}\" y=\"{t:.1}\" font-size=\"12\" text-anchor=\"middle\">0</text>\
             <text x=\"{r:.1}\" y=\"{t:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\
             <text x=\"{mid:.1}\" y=\"{t2:.1}\" font-size=\"12\" text-anchor=\"middle\">MRR</text>",
            money(top),
            r = left + plot_w,
            t = axis_y + 15.0,
            t2 = axis_y + 30.0,
            mid = left + plot_w / 2.0,
        );
        for (i, (label, amount, sign, from, to)) in bars.iter().enumerate() {
            let y = head + row * i as f64 + 5.0;
            let (x0, x1) = (x(*from), x(*to));
            let colour = match sign {
                0 => GREY,
                1 => BLUE,
                _ => VERMILLION,
            };
            let text = match sign {
                0 => money(*amount),
                1 => format!("+{}", money(*amount)),
                _ => format!("&minus;{}", money(*amount)),
            };
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"end\">{label}</text>\
                 <rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\">{text}</text>",
                left - 6.0,
                y + 15.0,
                (x1 - x0).max(1.0),
                row - 10.0,
                x0.max(x1) + 5.0,
                y + 15.0,
            );
        }
        h.push_str("</svg>\n<div class=\"scroll\"><table><thead><tr><th>Movement</th><th>MRR</th></tr></thead><tbody>");
        for (label, amount, sign, _, _) in &bars {
            let prefix = match sign {
                0 => "",
                1 => "+",
                _ => "&minus;",
            };
            let _ = write!(
                h,
                "<tr><td>{label}</td><td>{prefix}{}</td></tr>",
                money(*amount)
            );
        }
        h.push_str("</tbody></table></div></figure>\n");
    }

    /// Users and accounts by health label, and the NPS answers.
    fn health_card(&self, h: &mut String) {
        h.push_str("<figure class=\"card\" id=\"health\"><h2>Health</h2>");
        legend(
            h,
            &[(VERMILLION, "red"), (YELLOW, "yellow"), (GREEN, "green")],
        );
        let rows = [
            ("Users", self.health.user),
            ("Accounts", self.health.account),
        ];
        let _ = write!(
            h,
            "<svg viewBox=\"0 0 440 96\" role=\"img\" aria-label=\"Health labels of users and accounts\">"
        );
        for (i, (name, labels)) in rows.iter().enumerate() {
            let parts = [
                (labels.red, VERMILLION, "#fff"),
                (labels.yellow, YELLOW, "#1d232a"),
                (labels.green, GREEN, "#fff"),
            ];
            stacked_bar(h, name, 8.0 + 44.0 * i as f64, &parts);
        }
        h.push_str("</svg>");
        h.push_str(
            "<table><thead><tr><th></th><th>Red</th><th>Yellow</th><th>Green</th></tr></thead><tbody>",
        );
        for (name, labels) in rows {
            let total = labels.red + labels.yellow + labels.green;
            let cell = |n: u64| format!("{} ({})", int(n), pct(super::pct1(n, total)));
            let Labels { red, yellow, green } = labels;
            let _ = write!(
                h,
                "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cell(red),
                cell(yellow),
                cell(green)
            );
        }
        h.push_str("</tbody></table>");
        h.push_str("<h2 style=\"margin-top:18px\">NPS answers</h2>");
        legend(
            h,
            &[
                (VERMILLION, "detractors (0&ndash;6)"),
                (GREY, "passives (7&ndash;8)"),
                (GREEN, "promoters (9&ndash;10)"),
            ],
        );
        let _ = write!(
            h,
            "<svg viewBox=\"0 0 440 52\" role=\"img\" aria-label=\"NPS answers\">"
        );
        stacked_bar(
            h,
            "Users",
            8.0,
            &[
                (self.detractors, VERMILLION, "#fff"),
                (self.passives, GREY, "#fff"),
                (self.promoters, GREEN, "#fff"),
            ],
        );
        let _ = writeln!(
            h,
            "</svg><p class=\"muted\">NPS {}: {} promoters, {} passives, {} detractors.</p></figure>",
            self.nps.map_or("&mdash;".into(), |n| format!("{n:+}")),
            int(self.promoters),
            int(self.passives),
            int(self.detractors)
        );
    }

    /// The cohorts as a heat map: a table, one row per signup week, one column per
    /// week after it, each cell's colour its retention, its text the percentage.
    fn cohort_card(&self, h: &mut String) {
        h.push_str(
            "<figure class=\"card wide\" id=\"cohorts\"><h2>Weekly signup cohorts: share active each week after signup</h2>",
        );
        h.push_str("<div class=\"legend\"><span>0%</span><svg viewBox=\"0 0 200 14\" style=\"width:200px\" aria-hidden=\"true\"><defs><linearGradient id=\"viridis\">");
        for (i, stop) in VIRIDIS.iter().enumerate() {
            let _ = write!(
                h,
                "<stop offset=\"{}%\" stop-color=\"{stop}\"/>",
                i * 100 / (VIRIDIS.len() - 1)
            );
        }
        h.push_str("</linearGradient></defs><rect width=\"200\" height=\"14\" fill=\"url(#viridis)\"/></svg><span>100% of the cohort active that week</span></div>");
        h.push_str("<div class=\"scroll\"><table class=\"heat\"><thead><tr><th>Week of signup</th><th>Users</th>");
        for k in 0..COHORT_WEEKS {
            let _ = write!(h, "<th>W{k}</th>");
        }
        h.push_str("</tr></thead><tbody>");
        for Cohort {
            week_start,
            users,
            retention_pct,
        } in &self.cohorts
        {
            let _ = write!(h, "<tr><td>{week_start}</td><td>{}</td>", int(*users));
            for k in 0..COHORT_WEEKS {
                match retention_pct.get(k) {
                    Some(Some(p)) => {
                        let (bg, fg) = heat(*p);
                        let _ = write!(
                            h,
                            "<td class=\"cell\" style=\"background:{bg};color:{fg}\">{p}%</td>"
                        );
                    }
                    Some(None) => h.push_str("<td class=\"cell muted\">&mdash;</td>"),
                    None => h.push_str("<td class=\"cell\"></td>"),
                }
            }
            h.push_str("</tr>");
        }
        h.push_str(
            "</tbody></table></div><p class=\"muted\">W0 is the week of signup (weeks start on Monday); \
             the current week counts up to the report day.</p></figure>\n",
        );
    }

    fn segment_card(&self, h: &mut String) {
        let rows: Vec<(&str, &str, u64, u64)> = self
            .segments
            .user
            .iter()
            .map(|(n, c)| ("users", n.as_str(), *c, self.users))
            .chain(
                self.segments
                    .account
                    .iter()
                    .map(|(n, c)| ("accounts", n.as_str(), *c, self.accounts)),
            )
            .collect();
        if rows.is_empty() {
            return;
        }
        h.push_str("<figure class=\"card\" id=\"segments\"><h2>Segments</h2><table><thead><tr><th>Segment</th><th>Of</th><th>Members</th><th>Share</th><th style=\"width:40%\"></th></tr></thead><tbody>");
        for (of, name, members, total) in rows {
            let share = super::pct1(members, total);
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{of}</td><td>{}</td><td>{}</td><td><svg viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" style=\"height:10px\" aria-hidden=\"true\"><rect width=\"100\" height=\"10\" fill=\"#e6e8eb\"/><rect width=\"{:.1}\" height=\"10\" fill=\"{SKY}\"/></svg></td></tr>",
                escape(name),
                int(members),
                pct(share),
                share.unwrap_or(0.0)
            );
        }
        h.push_str("</tbody></table></figure>\n");
    }
}

/// One usage metric's cumulative curve, the 50 % line, and its champions.
fn champion_card(h: &mut String, metric: &str, champions: &Champions, accounts: u64) {
    let metric = escape(metric);
    let count = champions.accounts.len();
    let _ = write!(
        h,
        "<figure class=\"card\" id=\"champions-{metric}\"><h2>Champions of {metric}: {} of {} accounts make half the usage</h2>",
        int(count as u64),
        int(accounts)
    );
    legend(
        h,
        &[
            (BLUE, "cumulative share of usage"),
            (ORANGE, "50% of usage"),
        ],
    );
    let (w, hgt, left, bottom, top) = (440.0, 240.0, 54.0, 44.0, 12.0);
    let plot_w = w - left - 16.0;
    let plot_h = hgt - bottom - top;
    let n = champions.curve.last().map_or(0, |p| p.accounts).max(1) as f64;
    let x = |a: f64| left + plot_w * a / n;
    let y = |p: f64| top + plot_h * (1.0 - p / 100.0);
    let _ = write!(
        h,
        "<svg viewBox=\"0 0 {w} {hgt}\" role=\"img\" aria-label=\"Cumulative usage of {metric} by account\">"
    );
    axis_y(h, left, top, plot_h, w - 16.0, "100%", "Share of usage");
    let _ = write!(
        h,
        "<line x1=\"{left}\" y1=\"{b:.1}\" x2=\"{r:.1}\" y2=\"{b:.1}\" stroke=\"#1d232a\"/>\
         <text x=\"{left}\" y=\"{t1:.1}\" font-size=\"12\">0</text>\
         <text x=\"{r:.1}\" y=\"{t1:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
         <text x=\"{mid:.1}\" y=\"{t2:.1}\" font-size=\"12\" text-anchor=\"middle\">Accounts, by usage (largest first)</text>",
        int(n as u64),
        b = top + plot_h,
        r = left + plot_w,
        t1 = top + plot_h + 16.0,
        t2 = top + plot_h + 34.0,
        mid = left + plot_w / 2.0,
    );
    let _ = write!(
        h,
        "<line x1=\"{left}\" y1=\"{y50:.1}\" x2=\"{:.1}\" y2=\"{y50:.1}\" stroke=\"{ORANGE}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">50%</text>",
        left + plot_w,
        left + plot_w,
        y(50.0) + 14.0,
        y50 = y(50.0)
    );
    if champions.curve.is_empty() {
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\">No usage in the window</text>",
            left + plot_w / 2.0,
            y(60.0)
        );
    } else {
        h.push_str("<polyline fill=\"none\" stroke=\"");
        h.push_str(BLUE);
        h.push_str("\" stroke-width=\"2.5\" points=\"");
        for p in &champions.curve {
            let _ = write!(
                h,
                "{:.1},{:.1} ",
                x(p.accounts as f64),
                y(p.cumulative_share_pct)
            );
        }
        h.push_str("\"/>");
        if count > 0 {
            let share = champions
                .accounts
                .last()
                .map_or(0.0, |c| c.cumulative_share_pct);
            let (cx, cy) = (x(count as f64), y(share));
            let _ = write!(
                h,
                "<line x1=\"{cx:.1}\" y1=\"{:.1}\" x2=\"{cx:.1}\" y2=\"{:.1}\" stroke=\"#1d232a\" stroke-dasharray=\"2 3\"/>\
                 <circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"{BLUE}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{} {}: {share}%</text>",
                top + plot_h,
                y(share),
                cx + 8.0,
                cy + 16.0,
                int(count as u64),
                if count == 1 { "account" } else { "accounts" },
            );
        }
    }
    h.push_str("</svg>");
    let _ = write!(
        h,
        "<div class=\"scroll\"><table><thead><tr><th>Account</th><th>{metric}</th><th>Share</th><th>Running</th></tr></thead><tbody>"
    );
    const SHOWN: usize = 10;
    for c in champions.accounts.iter().take(SHOWN) {
        let name = match &c.name {
            Some(name) => format!(
                "{} <span class=\"muted\">{}</span>",
                escape(name),
                escape(&c.account_id)
            ),
            None => escape(&c.account_id),
        };
        let _ = write!(
            h,
            "<tr><td>{name}</td><td>{}</td><td>{}%</td><td>{}%</td></tr>",
            money(c.usage),
            c.share_pct,
            c.cumulative_share_pct
        );
    }
    if count > SHOWN {
        let _ = write!(
            h,
            "<tr><td class=\"muted\">and {} more</td><td></td><td></td><td></td></tr>",
            int((count - SHOWN) as u64)
        );
    }
    let _ = writeln!(
        h,
        "</tbody></table></div><p class=\"muted\">All accounts: {} {metric} in the window.</p></figure>",
        money(champions.total)
    );
}

/// A horizontal bar of `parts` (count, fill, text colour) with its `name` and
/// total, at height `y` of a 440-wide chart.
fn stacked_bar(h: &mut String, name: &str, y: f64, parts: &[(u64, &str, &str)]) {
    let total: u64 = parts.iter().map(|p| p.0).sum();
    let (left, width) = (72.0, 250.0);
    let _ = write!(
        h,
        "<text x=\"0\" y=\"{:.1}\" font-size=\"13\">{name}</text>",
        y + 21.0
    );
    if total == 0 {
        let _ = write!(
            h,
            "<rect x=\"{left}\" y=\"{y:.1}\" width=\"{width}\" height=\"32\" fill=\"#e6e8eb\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">none</text>",
            left + width / 2.0,
            y + 21.0
        );
        return;
    }
    let mut x = left;
    for &(n, fill, ink) in parts {
        let bw = width * n as f64 / total as f64;
        if n == 0 {
            continue;
        }
        let _ = write!(
            h,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"32\" fill=\"{fill}\" stroke=\"#fff\"/>"
        );
        if bw >= 28.0 {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" style=\"fill:{ink}\">{}</text>",
                x + bw / 2.0,
                y + 21.0,
                int(n)
            );
        }
        x += bw;
    }
    let _ = write!(
        h,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\">{} total</text>",
        left + width + 8.0,
        y + 21.0,
        int(total)
    );
}

/// A y axis with 0 at the bottom and `top_label` at the top, light grid lines,
/// and a rotated `title`.
fn axis_y(
    h: &mut String,
    left: f64,
    top: f64,
    height: f64,
    right: f64,
    top_label: &str,
    title: &str,
) {
    let bottom = top + height;
    let _ = write!(
        h,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"#1d232a\"/>\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{right}\" y2=\"{top}\" stroke=\"#e6e8eb\"/>\
         <line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"#1d232a\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{top_label}</text>\
         <text x=\"{:.1}\" y=\"{bottom:.1}\" font-size=\"11\" text-anchor=\"end\">0</text>\
         <text transform=\"translate(12 {:.1}) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\">{title}</text>",
        left - 4.0,
        top + 4.0,
        left - 4.0,
        top + height / 2.0
    );
}

fn legend(h: &mut String, items: &[(&str, &str)]) {
    h.push_str("<div class=\"legend\">");
    for (colour, label) in items {
        let _ = write!(
            h,
            "<span><i class=\"swatch\" style=\"background:{colour}\"></i>{label}</span>"
        );
    }
    h.push_str("</div>");
}

/// Viridis, from 0 % to 100 %.
const VIRIDIS: [&str; 5] = ["#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725"];

/// The background and text colour of a heat map cell of `pct` %.
fn heat(pct: f64) -> (String, &'static str) {
    let rgb = |s: &str| {
        let v = u32::from_str_radix(&s[1..], 16).unwrap_or(0);
        [(v >> 16) & 255, (v >> 8) & 255, v & 255].map(f64::from)
    };
    let t = (pct / 100.0).clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (t.floor() as usize).min(VIRIDIS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (rgb(VIRIDIS[i]), rgb(VIRIDIS[i + 1]));
    let c: Vec<u8> = (0..3)
        .map(|j| (a[j] + (b[j] - a[j]) * f).round() as u8)
        .collect();
    let ink = if pct >= 55.0 { "#1d232a" } else { "#fff" };
    (format!("#{:02X}{:02X}{:02X}", c[0], c[1], c[2]), ink)
}

/// Text made safe for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A count with thousands separators: `12,345`.
fn int(n: u64) -> String {
    group(&n.to_string())
}

fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An amount with thousands separators and at most two decimals: `12,345.5`.
fn money(d: Decimal) -> String {
    let d = d
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    let text = d.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "&minus;"
    } else {
        ""
    };
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    format!("{sign}{}{fraction}", group(whole))
}

fn pct(p: Option<f64>) -> String {
    p.map_or("&mdash;".into(), |p| format!("{p}%"))
}

fn to_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_hand() {
        assert_eq!(int(1_234_567), "1,234,567");
        assert_eq!(int(999), "999");
        assert_eq!(money("12345.505".parse().unwrap()), "12,345.51");
        assert_eq!(money("-1000".parse().unwrap()), "&minus;1,000");
        assert_eq!(pct(Some(58.3)), "58.3%");
        assert_eq!(pct(None), "&mdash;");
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
        assert_eq!(heat(0.0).0, "#440154");
        assert_eq!(heat(100.0).0, "#FDE725");
    }
}
