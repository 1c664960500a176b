//! The rule language from the outside: operators, types, nulls, errors, segments,
//! actions.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use indexmap::IndexMap;
use pulsecheck::rule::{
    ActionDef, ActionList, Direction, EvalInput, Membership, Memberships, Rule, RuleContext,
    RuleErrorKind, RuleErrors, RuleLimits, RuleSet, SegmentDef, SegmentSet,
};
use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};
use rust_decimal::Decimal;

fn users() -> Arc<Schema> {
    Arc::new(
        Schema::new(RecordKind::User)
            .with("user_id", PropertyType::String)
            .with("email", PropertyType::String)
            .with("engagement_score", PropertyType::Int)
            .with("days_since_last_seen", PropertyType::Int)
            .with("raw_score", PropertyType::Number)
            .with("last_seen_at", PropertyType::DateTime)
            .with("created_at", PropertyType::DateTime)
            .with("features_used", PropertyType::StringList)
            .with(
                "lifecycle_stage",
                PropertyType::enumeration(["new", "active", "resurrected", "dormant", "inactive"]),
            )
            .with("activated", PropertyType::Bool)
            .with("trial_ends", PropertyType::Date)
            .with("segments", PropertyType::StringList)
            .with("next_action", PropertyType::String),
    )
}

fn accounts() -> Arc<Schema> {
    Arc::new(
        Schema::new(RecordKind::Account)
            .with("account_id", PropertyType::String)
            .with("plan", PropertyType::String)
            .with("mrr", PropertyType::Decimal)
            .with("seats", PropertyType::Int)
            .with("active_users", PropertyType::Int)
            .with("engagement_score", PropertyType::Int)
            .with("api_calls_cumulative_share_pct", PropertyType::Decimal),
    )
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

const D: (i32, u32, u32) = (2026, 10, 31);

fn today() -> NaiveDate {
    day(D.0, D.1, D.2)
}

fn user_ctx() -> RuleContext {
    RuleContext::new(users()).with_account(accounts())
}

fn compile(rule: &str) -> pulsecheck::rule::CompiledRule {
    Rule::parse(rule)
        .unwrap_or_else(|e| panic!("{e}"))
        .compile(&user_ctx())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn errors(rule: &str) -> RuleErrors {
    match Rule::parse(rule) {
        Err(e) => e,
        Ok(r) => r
            .compile(&user_ctx())
            .err()
            .unwrap_or_else(|| panic!("`{rule}` should not compile")),
    }
}

/// Evaluates a user rule on a user with the given properties and an account.
fn eval_with(rule: &str, props: &[(&str, Value)], account: &[(&str, Value)]) -> bool {
    let mut user = Record::new(users(), "u1");
    for (k, v) in props {
        assert!(
            user.set(k, v.clone()) || {
                user.set_trait(*k, v.clone());
                true
            }
        );
    }
    let mut acct = Record::new(accounts(), "a1");
    for (k, v) in account {
        if !acct.set(k, v.clone()) {
            acct.set_trait(*k, v.clone());
        }
    }
    compile(rule).eval(&EvalInput::new(&user, today()).with_account(Some(&acct)))
}

fn eval(rule: &str, props: &[(&str, Value)]) -> bool {
    eval_with(rule, props, &[])
}

fn dec(s: &str) -> Value {
    Value::Decimal(s.parse::<Decimal>().unwrap())
}

// ---------------------------------------------------------------- numbers

#[test]
fn int_comparisons() {
    let s = |v: i64| vec![("engagement_score", Value::Int(v))];
    assert!(eval("engagement_score = 25", &s(25)));
    assert!(!eval("engagement_score = 25", &s(24)));
    assert!(eval("engagement_score != 25", &s(24)));
    assert!(
        eval("engagement_score == 25", &s(25)),
        "`==` is accepted for `=`"
    );
    assert!(eval("engagement_score < 25", &s(24)));
    assert!(!eval("engagement_score < 25", &s(25)));
    assert!(eval("engagement_score <= 25", &s(25)));
    assert!(eval("engagement_score > 25", &s(26)));
    assert!(!eval("engagement_score > 25", &s(25)));
    assert!(eval("engagement_score >= 25", &s(25)));
    assert!(eval("engagement_score between 20 and 25", &s(25)));
    assert!(eval("engagement_score between 20 and 25", &s(20)));
    assert!(!eval("engagement_score between 20 and 25", &s(26)));
    assert!(eval("engagement_score in [10, 25]", &s(25)));
    assert!(eval("engagement_score not in [10, 20]", &s(25)));
    assert!(eval("engagement_score > -1", &s(0)));
    assert!(eval("engagement_score < 24.5", &s(24)));
}

#[test]
fn decimals_compare_exactly() {
    let mrr = |s: &str| vec![("mrr", dec(s))];
    let r = "account.mrr >= 1000.00";
    assert!(eval_with(r, &[], &mrr("1000.00")));
    assert!(eval_with(r, &[], &mrr("1000")));
    assert!(!eval_with(r, &[], &mrr("999.999999999")));
    assert!(eval_with("account.mrr = 0.3", &[], &mrr("0.30")));
    // A float trait equals the decimal a person would write.
    assert!(eval(
        "raw_score = 0.1",
        &[("raw_score", Value::Number(0.1))]
    ));
    // Float noise is not a difference: 0.1 + 0.2 (0.30000000000000004 as a float) equals 0.3.
    assert!(eval(
        "raw_score + 0.2 = 0.3",
        &[("raw_score", Value::Number(0.1))]
    ));
    assert!(eval(
        "raw_score * 3 > 0.2999",
        &[("raw_score", Value::Number(0.1))]
    ));
    assert!(eval(
        "engagement_score = 40.0",
        &[("engagement_score", Value::Int(40))]
    ));
}

#[test]
fn arithmetic() {
    let a = |active: i64, seats: i64| {
        vec![
            ("active_users", Value::Int(active)),
            ("seats", Value::Int(seats)),
        ]
    };
    assert!(eval_with(
        "account.active_users / account.seats < 0.2",
        &[],
        &a(1, 6)
    ));
    assert!(!eval_with(
        "account.active_users / account.seats < 0.2",
        &[],
        &a(2, 6)
    ));
    // Division by zero is null: every comparison with it is false.
    assert!(!eval_with(
        "account.active_users / account.seats < 0.2",
        &[],
        &a(1, 0)
    ));
    assert!(!eval_with(
        "account.active_users / account.seats >= 0.2",
        &[],
        &a(1, 0)
    ));
    assert!(eval("7 / 2 = 3.5", &[]));
    assert!(eval("7 % 4 = 3", &[]));
    assert!(eval("1 + 2 * 3 = 7", &[]));
    assert!(eval("(1 + 2) * 3 = 9", &[]));
    assert!(eval("10 - 4 - 3 = 3", &[]), "left associative");
    assert!(eval(
        "-engagement_score = -5",
        &[("engagement_score", Value::Int(5))]
    ));
    assert!(eval("2 - -3 = 5", &[]));
    assert!(
        eval("9223372036854775807 + 1 > 9223372036854775807", &[]),
        "int overflow widens to decimal"
    );
    assert!(eval(
        "min(3, engagement_score, 9) = 2 and max(1, 2.5) = 2.5",
        &[("engagement_score", Value::Int(2))]
    ));
    assert!(
        !eval("engagement_score + 1 > 0", &[]),
        "arithmetic on null is null"
    );
}

// ---------------------------------------------------------------- text, enums, bools, lists

/// `s` as a rule's text literal, every character but letters and digits escaped.
fn literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    out.push('"');
    out
}

proptest::proptest! {
    // Text values are compared as bytes (no UTF-8 check of inline text); this is
    // the promise that it changes nothing: every text operator agrees with `str`,
    // for inline (up to 22 bytes) and boxed text, ASCII or not.
    #[test]
    fn text_operators_agree_with_str(a in "\\PC{0,30}", b in "\\PC{0,30}", cut in 0usize..30) {
        let cut = (0..=cut.min(a.len())).rev().find(|&i| a.is_char_boundary(i)).unwrap_or(0);
        let prefix = &a[..cut];
        let suffix = &a[cut..];
        let e = vec![("email", Value::from(a.as_str()))];
        let (lb, lp, ls) = (literal(&b), literal(prefix), literal(suffix));
        proptest::prop_assert_eq!(eval(&format!("email = {lb}"), &e), a == b);
        proptest::prop_assert_eq!(eval(&format!("email != {lb}"), &e), a != b);
        proptest::prop_assert_eq!(eval(&format!("email < {lb}"), &e), a < b);
        proptest::prop_assert_eq!(eval(&format!("email >= {lb}"), &e), a >= b);
        proptest::prop_assert_eq!(eval(&format!("email in [\"x\", {lb}]"), &e), a == b || a == "x");
        proptest::prop_assert_eq!(eval(&format!("email starts_with {lb}"), &e), a.starts_with(b.as_str()));
        proptest::prop_assert_eq!(eval(&format!("email ends_with {lb}"), &e), a.ends_with(b.as_str()));
        proptest::prop_assert_eq!(eval(&format!("email contains {lb}"), &e), a.contains(b.as_str()));
        for rule in [
            format!("email starts_with {lp}"),
            format!("email ends_with {ls}"),
            format!("email contains {ls}"),
            format!("email = cat({lp}, {ls})"),
        ] {
            proptest::prop_assert!(eval(&rule, &e), "{}", rule);
        }
    }
}

#[test]
fn text() {
    let e = |v: &str| vec![("email", Value::from(v))];
    assert!(eval("email = \"ada@acme.com\"", &e("ada@acme.com")));
    assert!(
        !eval("email = \"ADA@acme.com\"", &e("ada@acme.com")),
        "case-sensitive"
    );
    assert!(eval("email ends_with \"@acme.com\"", &e("ada@acme.com")));
    assert!(eval("email starts_with \"ada\"", &e("ada@acme.com")));
    assert!(eval("email contains \"@acme\"", &e("ada@acme.com")));
    assert!(eval("\"@acme\" in email", &e("ada@acme.com")));
    assert!(eval("email < \"b\"", &e("ada@acme.com")));
    assert!(eval(
        "email in [\"x\", \"ada@acme.com\"]",
        &e("ada@acme.com")
    ));
    assert!(eval("email not in [\"x\", \"y\"]", &e("ada@acme.com")));
    assert!(eval(
        "email = \"caf\\u{e9} \\\"q\\\" \\\\ \\n\"",
        &e("café \"q\" \\ \n")
    ));
}

#[test]
fn enums_behave_as_text_and_typos_are_errors() {
    let st = |v: &str| vec![("lifecycle_stage", Value::from(v))];
    assert!(eval("lifecycle_stage = \"new\"", &st("new")));
    assert!(eval("lifecycle_stage != \"new\"", &st("active")));
    assert!(eval(
        "lifecycle_stage in [\"dormant\", \"inactive\"]",
        &st("dormant")
    ));
    let err = errors("lifecycle_stage = \"actve\"").to_string();
    assert!(err.contains("did you mean \"active\"?"), "{err}");
    assert!(
        errors("lifecycle_stage in [\"new\", \"gone\"]")
            .to_string()
            .contains("never \"gone\"")
    );
}

#[test]
fn bools() {
    let a = |v: bool| vec![("activated", Value::Bool(v))];
    assert!(eval("activated", &a(true)));
    assert!(!eval("activated", &a(false)));
    assert!(eval("not activated", &a(false)));
    assert!(eval("activated = true", &a(true)));
    assert!(eval("activated != true", &a(false)));
    assert!(!eval("activated", &[]));
    assert!(eval("not activated", &[]), "not of a null bool is true");
    assert!(eval("traits.beta", &[("beta", Value::Bool(true))]));
    assert!(
        !eval("traits.beta", &[("beta", Value::from("yes"))]),
        "only the boolean true holds"
    );
}

#[test]
fn lists() {
    let f = |v: &[&str]| vec![("features_used", Value::string_list(v.iter().copied()))];
    assert!(eval(
        "\"reporting\" in features_used",
        &f(&["planning", "reporting"])
    ));
    assert!(!eval("\"reporting\" in features_used", &f(&["planning"])));
    assert!(eval(
        "\"reporting\" not in features_used",
        &f(&["planning"])
    ));
    assert!(eval(
        "features_used contains \"planning\"",
        &f(&["planning"])
    ));
    assert!(eval("not (\"reporting\" in features_used)", &f(&[])));
    assert!(
        eval("features_used is set", &f(&[])),
        "an empty list is set"
    );
    assert!(eval("features_used = [\"a\", \"b\"]", &f(&["a", "b"])));
    assert!(!eval("features_used = [\"b\", \"a\"]", &f(&["a", "b"])));
    assert!(!eval("account.plan in [\"pro\", \"enterprise\"]", &[]));
    assert!(eval_with(
        "account.plan in [\"pro\", \"enterprise\"]",
        &[],
        &[("plan", Value::from("pro"))]
    ));
    assert!(
        eval_with(
            "account.plan in [account.plan]",
            &[],
            &[("plan", Value::from("pro"))]
        ),
        "non-constant list"
    );
}

// ---------------------------------------------------------------- dates

#[test]
fn within_and_before_count_whole_days() {
    let seen = |d: NaiveDate| vec![("trial_ends", Value::Date(d))];
    // D − day(x) < N
    assert!(
        eval("trial_ends within 30 days", &seen(day(2026, 10, 2))),
        "29 days ago"
    );
    assert!(
        !eval("trial_ends within 30 days", &seen(day(2026, 10, 1))),
        "30 days ago"
    );
    assert!(eval("trial_ends within 1 day", &seen(today())));
    assert!(!eval("trial_ends within 0 days", &seen(today())));
    assert!(
        eval("trial_ends within 30 days", &seen(day(2026, 12, 25))),
        "future dates are within"
    );
    // D − day(x) > N
    assert!(
        eval("trial_ends before 30 days ago", &seen(day(2026, 9, 30))),
        "31 days ago"
    );
    assert!(
        !eval("trial_ends before 30 days ago", &seen(day(2026, 10, 1))),
        "30 days ago"
    );
    assert!(!eval(
        "trial_ends before 30 days ago",
        &seen(day(2027, 1, 1))
    ));
    assert!(
        !eval("trial_ends within 30 days", &[]),
        "null is never within"
    );
    assert!(!eval("trial_ends before 30 days ago", &[]));
}

#[test]
fn datetimes_become_days_in_the_utc_offset() {
    let mut user = Record::new(users(), "u");
    user.set("last_seen_at", at("2026-10-01T23:30:00Z"));
    let rule = compile("last_seen_at within 30 days");
    // UTC: Oct 1st, 30 days before D: not within. At UTC+1 it is Oct 2nd: within.
    assert!(!rule.eval(&EvalInput::new(&user, today())));
    assert!(rule.eval(&EvalInput::new(&user, today()).with_utc_offset_minutes(60)));
    let rule = compile("last_seen_at = 2026-10-02");
    assert!(rule.eval(&EvalInput::new(&user, today()).with_utc_offset_minutes(60)));
    assert!(!rule.eval(&EvalInput::new(&user, today())));
}

#[test]
fn date_comparisons() {
    let c = |s: &str| vec![("created_at", Value::DateTime(at(s)))];
    let q1 = "created_at between 2026-01-01 and 2026-03-31";
    assert!(
        eval(q1, &c("2026-03-31T23:59:00Z")),
        "a date bound covers the whole day"
    );
    assert!(eval(q1, &c("2026-01-01T00:00:00Z")));
    assert!(!eval(q1, &c("2026-04-01T00:00:00Z")));
    assert!(eval(
        "created_at > 2026-01-01T10:00:00Z",
        &c("2026-01-01T10:00:01Z")
    ));
    assert!(!eval(
        "created_at > 2026-01-01T10:00:00Z",
        &c("2026-01-01T10:00:00Z")
    ));
    assert!(eval(
        "created_at = 2026-01-01T12:00:00+02:00",
        &c("2026-01-01T10:00:00Z")
    ));
    assert!(
        eval("created_at < \"2026-02-01\"", &c("2026-01-01T10:00:00Z")),
        "date-shaped text literal"
    );
    // Traits arrive as JSON text: ISO dates in them count as dates.
    assert!(eval(
        "traits.renewal within 10 days",
        &[("renewal", Value::from("2026-10-25T08:00:00Z"))]
    ));
    assert!(eval(
        "traits.renewal > 2026-01-01",
        &[("renewal", Value::from("2026-10-25"))]
    ));
    assert!(!eval(
        "traits.renewal within 10 days",
        &[("renewal", Value::from("soon"))]
    ));
}

// ---------------------------------------------------------------- null semantics

#[test]
fn every_comparison_with_null_is_false() {
    for rule in [
        "email = \"a\"",
        "email != \"a\"",
        "email < \"a\"",
        "email <= \"a\"",
        "email > \"a\"",
        "email >= \"a\"",
        "email in [\"a\"]",
        "email not in [\"a\"]",
        "email contains \"a\"",
        "email starts_with \"a\"",
        "email ends_with \"a\"",
        "\"a\" in features_used",
        "\"a\" not in features_used",
        "engagement_score between 1 and 2",
        "last_seen_at within 30 days",
        "last_seen_at before 30 days ago",
        "traits.role = \"eng\"",
        "traits.role != \"eng\"",
        "account.plan = \"pro\"",
        "email is set",
    ] {
        assert!(
            !eval(rule, &[]),
            "`{rule}` must be false on a record without the property"
        );
    }
    assert!(eval("email is not set", &[]));
    assert!(eval("not (email = \"a\")", &[]), "`not` is plain negation");
    assert!(
        eval("email is set", &[("email", Value::from(""))]),
        "empty text is set"
    );
    // No account at all: `account.` reads null.
    let mut user = Record::new(users(), "u");
    user.set("engagement_score", 3);
    assert!(compile("account.plan is not set").eval(&EvalInput::new(&user, today())));
}

#[test]
fn comparing_with_null_literal_is_an_error_that_suggests_is_set() {
    let e = errors("email = null").to_string();
    assert!(e.contains("write `email is not set`"), "{e}");
    let e = errors("email != null").to_string();
    assert!(e.contains("write `email is set`"), "{e}");
}

// ---------------------------------------------------------------- traits and account

#[test]
fn traits_and_account() {
    assert!(eval(
        "traits.role starts_with \"eng\" or email ends_with \"@acme.com\"",
        &[("role", Value::from("engineer"))]
    ));
    assert!(eval_with(
        "account.traits.tier = \"gold\"",
        &[],
        &[("tier", Value::from("gold"))]
    ));
    assert!(eval_with(
        "account.engagement_score > engagement_score",
        &[("engagement_score", Value::Int(1))],
        &[("engagement_score", Value::Int(2))]
    ));
    let e = errors("plan = \"pro\"").to_string();
    assert!(e.contains("did you mean `account.plan`?"), "{e}");
    let acct_ctx = RuleContext::new(accounts());
    let e = Rule::parse("account.plan = \"x\"")
        .unwrap()
        .compile(&acct_ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("about accounts already: write `plan`"), "{e}");
}

#[test]
fn records_on_another_schema_layout_are_read_by_name() {
    let rule = compile("engagement_score > 10 and email = \"a\"");
    let other = Arc::new(
        Schema::new(RecordKind::User)
            .with("email", PropertyType::String)
            .with("engagement_score", PropertyType::Int),
    );
    let mut r = Record::new(other, "u");
    r.set("engagement_score", 11);
    r.set("email", "a");
    assert!(rule.eval(&EvalInput::new(&r, today())));
    // An equal schema in a different Arc takes the index path.
    let mut r = Record::new(users(), "u");
    r.set("engagement_score", 11);
    r.set("email", "a");
    assert!(rule.eval(&EvalInput::new(&r, today())));
}

// ---------------------------------------------------------------- errors

#[test]
fn unknown_property_suggests_with_span_and_caret() {
    let errs = errors("engagement_score > 1 and\n  engagment_score < 25");
    assert_eq!(errs.len(), 1);
    let e = errs.iter().next().unwrap();
    assert_eq!(e.kind(), RuleErrorKind::UnknownProperty);
    assert_eq!((e.span().line(), e.span().column()), (2, 3));
    assert_eq!((e.span().start(), e.span().end()), (27, 42));
    let text = e.to_string();
    assert!(text.contains("did you mean `engagement_score`?"), "{text}");
    assert!(
        text.contains("2 |   engagment_score < 25\n  |   ^^^^^^^^^^^^^^^"),
        "{text}"
    );
    let far = errors("zzz > 1").to_string();
    assert!(
        far.contains("traits.zzz"),
        "no close match: point at traits: {far}"
    );
}

#[test]
fn type_errors_have_spans_and_are_all_reported() {
    let errs = errors(
        "email > 3 and \"x\" in engagement_score and engagement_score and activated + 1 > 2",
    );
    let kinds: Vec<_> = errs.iter().map(|e| e.kind()).collect();
    assert_eq!(kinds, vec![RuleErrorKind::Type; 4], "{errs}");
    let spans: Vec<_> = errs
        .iter()
        .map(|e| (e.span().start(), e.span().end()))
        .collect();
    assert_eq!(spans[0], (0, 9));
    assert_eq!(spans[1], (14, 37));
    let text = errs.to_string();
    assert!(
        text.contains(
            "`>` needs two numbers, two texts or two dates; `email` is text and `3` is a number"
        ),
        "{text}"
    );
    assert!(
        text.contains("`in` needs a list or text; `engagement_score` is a number"),
        "{text}"
    );
    assert!(
        text.contains("`engagement_score` is a number, but `and` needs a condition"),
        "{text}"
    );
    assert!(
        text.contains("`+` needs numbers; `activated` is a bool"),
        "{text}"
    );
    for bad in [
        "email within 3 days",
        "email = 3",
        "features_used starts_with \"a\"",
        "engagement_score between \"a\" and \"b\"",
    ] {
        assert_eq!(
            errors(bad).iter().next().unwrap().kind(),
            RuleErrorKind::Type,
            "{bad}"
        );
    }
}

#[test]
fn syntax_errors_point_at_the_problem() {
    let cases = [
        ("email = \"abc", "unterminated string", 9),
        ("a < b < c", "comparisons do not chain", 7),
        ("", "empty", 1),
        ("created_at > 2026-02-30", "not a valid date", 14),
        ("a = 'x'", "double quotes", 5),
        ("a && b", "`and` / `or`", 3),
        ("a in [1, 2", "expected `]`", 11),
        ("a within 3", "expected `days`", 11),
        ("foo(1)", "unknown function `foo`", 1),
        ("a = \"\\q\"", "unknown escape", 6),
        ("(a > 1", "expected `)`", 7),
        ("a > 1 b", "unexpected `b`", 7),
        ("and > 1", "keyword `and`", 1),
    ];
    for (rule, needle, col) in cases {
        let errs = Rule::parse(rule).unwrap_err();
        let e = errs.iter().next().unwrap();
        assert_eq!(e.kind(), RuleErrorKind::Syntax, "{rule}");
        assert!(e.message().contains(needle), "`{rule}`: {}", e.message());
        assert_eq!(e.span().column(), col, "`{rule}`: {e}");
    }
}

#[test]
fn forbidden_properties_are_errors() {
    let ctx = RuleContext::new(users())
        .forbid("segments")
        .forbid("next_action");
    let e = Rule::parse("\"x\" in segments or next_action is set")
        .unwrap()
        .compile(&ctx)
        .unwrap_err();
    assert_eq!(e.len(), 2);
    assert!(
        e.iter()
            .all(|e| e.kind() == RuleErrorKind::ForbiddenProperty)
    );
}

#[test]
fn a_hostile_rule_is_an_error_not_a_stack_overflow() {
    // Runs on the normal 2 MiB test thread.
    let deep = format!("{}a > 1{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = Rule::parse(&deep).unwrap_err();
    assert_eq!(e.iter().next().unwrap().kind(), RuleErrorKind::TooDeep);
    for prefix in ["not ", "-", "[", "if(true, "] {
        // 5,000 repeats keep every case under the 64 KiB length limit.
        let deep = format!("{}a", prefix.repeat(5_000));
        let e = Rule::parse(&deep).unwrap_err();
        assert_eq!(
            e.iter().next().unwrap().kind(),
            RuleErrorKind::TooDeep,
            "{prefix}"
        );
    }
    let long = vec!["a > 1"; 20_000].join(" or ");
    assert_eq!(
        Rule::parse(&long)
            .unwrap_err()
            .iter()
            .next()
            .unwrap()
            .kind(),
        RuleErrorKind::TooLong
    );
    assert!(Rule::parse_with(&long, &RuleLimits::default().with_max_len(1 << 20)).is_ok());
    let sixty = format!("{}a > 1{}", "(".repeat(60), ")".repeat(60));
    assert!(Rule::parse(&sixty).is_ok());
}

// ---------------------------------------------------------------- printing and serde

#[test]
fn canonical_text_round_trips() {
    for (input, canonical) in [
        ("(a < 1) and (b > 2 or c = 3)", "a < 1 and (b > 2 or c = 3)"),
        ("a == 1", "a = 1"),
        ("not(a in [1,2,])", "not a in [1, 2]"),
        ("x between 1 and 2 and y", "x between 1 and 2 and y"),
        ("(a and b) and c", "(a and b) and c"),
        ("a - (b - c)", "a - (b - c)"),
        ("-(5) + -5", "-(5) + -5"),
        (
            "t within 1 days or t before 2 day ago",
            "t within 1 day or t before 2 days ago",
        ),
        (
            "`odd name` is not set and traits.`x y` = \"\\u{1}\"",
            "`odd name` is not set and traits.`x y` = \"\\u{1}\"",
        ),
        (
            "d = 2026-01-01T10:00:00.500+00:00",
            "d = 2026-01-01T10:00:00.500Z",
        ),
        (
            "if(a, 1, 2) = missing_some(1, b, c)",
            "if(a, 1, 2) = missing_some(1, b, c)",
        ),
    ] {
        let rule = Rule::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(rule.to_string(), canonical);
        assert_eq!(Rule::parse(&rule.to_string()).unwrap(), rule);
    }
}

#[test]
fn rules_serialize_as_canonical_text() {
    let rule = Rule::parse("engagement_score<25").unwrap();
    assert_eq!(rule.source(), "engagement_score<25");
    let json = serde_json::to_string(&rule).unwrap();
    assert_eq!(json, "\"engagement_score < 25\"");
    let back: Rule = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rule);
    let err = serde_json::from_str::<Rule>("\"a <\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("expected a value or property"), "{err}");
    let def: Result<SegmentDef, _> =
        serde_json::from_str(r#"{"enter": "a > 1", "exitt": "a < 0"}"#);
    assert!(def.unwrap_err().to_string().contains("exitt"));
}

#[test]
fn spec_examples_compile() {
    let ctx = user_ctx();
    for rule in [
        "engagement_score < 25 and days_since_last_seen >= 14",
        "account.plan in [\"pro\", \"enterprise\"] and not (\"reporting\" in features_used)",
        "account.active_users / account.seats < 0.2 and account.mrr >= 1000.00",
        "last_seen_at within 30 days and lifecycle_stage != \"new\"",
        "created_at between 2026-01-01 and 2026-03-31",
        "traits.role starts_with \"eng\" or email ends_with \"@acme.com\"",
    ] {
        Rule::parse(rule)
            .unwrap()
            .compile(&ctx)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

// ---------------------------------------------------------------- segments

fn score_record(score: i64) -> Record {
    let mut r = Record::new(users(), "ada");
    r.set("engagement_score", score);
    r
}

#[test]
fn hysteresis_enters_once_and_never_flaps() {
    let mut defs = IndexMap::new();
    defs.insert(
        "at_risk".to_owned(),
        SegmentDef::new(Rule::parse("engagement_score < 25").unwrap())
            .with_exit(Rule::parse("engagement_score > 35").unwrap()),
    );
    defs.insert(
        "low_now".to_owned(),
        SegmentDef::new(Rule::parse("engagement_score < 25").unwrap()),
    );
    let set = SegmentSet::compile(&defs, &RuleContext::new(users())).unwrap();
    let mut state = Memberships::new();
    let mut log = Vec::new();
    let start = day(2026, 10, 1);
    for (i, score) in [24, 26, 24, 26, 24, 26, 24, 26].into_iter().enumerate() {
        let d = start + chrono::Duration::days(i as i64);
        let r = score_record(score);
        let prev = state.current(&set, RecordKind::User, "ada");
        let now = set.evaluate(&EvalInput::new(&r, d), prev);
        log.extend(state.update(&set, RecordKind::User, "ada", d, now));
    }
    let at_risk: Vec<_> = log.iter().filter(|t| t.segment() == "at_risk").collect();
    assert_eq!(at_risk.len(), 1, "{log:?}");
    assert_eq!(at_risk[0].direction(), Direction::Entered);
    assert_eq!(at_risk[0].day(), start);
    assert_eq!(
        state.entered_on(RecordKind::User, "ada", "at_risk"),
        Some(start)
    );
    // Without an exit rule the plain segment flaps with the score.
    assert_eq!(log.iter().filter(|t| t.segment() == "low_now").count(), 8);
    // Above the exit threshold it leaves, once.
    let d = start + chrono::Duration::days(10);
    let prev = state.current(&set, RecordKind::User, "ada");
    let now = set.evaluate(&EvalInput::new(&score_record(36), d), prev);
    let changes = state.update(&set, RecordKind::User, "ada", d, now);
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (
            changes[0].segment(),
            changes[0].direction(),
            changes[0].day()
        ),
        ("at_risk", Direction::Exited, d)
    );
    assert!(state.is_empty());
}

#[test]
fn overlapping_enter_and_exit_do_not_join() {
    let mut defs = IndexMap::new();
    defs.insert(
        "odd".to_owned(),
        SegmentDef::new(Rule::parse("engagement_score < 25").unwrap())
            .with_exit(Rule::parse("engagement_score < 10").unwrap()),
    );
    let set = SegmentSet::compile(&defs, &RuleContext::new(users())).unwrap();
    let input_rec = score_record(5);
    assert_eq!(
        set.evaluate(&EvalInput::new(&input_rec, today()), Membership::empty()),
        Membership::empty()
    );
    let r = score_record(20);
    assert_eq!(
        set.evaluate(&EvalInput::new(&r, today()), Membership::empty())
            .names(&set)
            .collect::<Vec<_>>(),
        ["odd"]
    );
}

#[test]
fn memberships_serialize_and_survive_reordering() {
    let rule = |s: &str| SegmentDef::new(Rule::parse(s).unwrap());
    let mut defs = IndexMap::new();
    defs.insert("a".to_owned(), rule("engagement_score < 25"));
    defs.insert("b".to_owned(), rule("engagement_score < 50"));
    let set = SegmentSet::compile(&defs, &RuleContext::new(users())).unwrap();
    let mut state = Memberships::new();
    let m = set.evaluate(
        &EvalInput::new(&score_record(30), today()),
        Membership::empty(),
    );
    assert_eq!(m.to_value(&set), Value::string_list(["b"]));
    state.update(&set, RecordKind::User, "ada", today(), m);
    let json = serde_json::to_string(&state).unwrap();
    assert_eq!(
        json,
        r#"{"users":{"ada":{"b":"2026-10-31"}},"accounts":{}}"#
    );
    let back: Memberships = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state);
    let mut reordered = IndexMap::new();
    reordered.insert("b".to_owned(), rule("engagement_score < 50"));
    reordered.insert("a".to_owned(), rule("engagement_score < 25"));
    let set2 = SegmentSet::compile(&reordered, &RuleContext::new(users())).unwrap();
    assert_eq!(
        back.current(&set2, RecordKind::User, "ada"),
        Membership::empty().with(0)
    );
    let t = serde_json::to_value(
        &state
            .clone()
            .update(&set, RecordKind::User, "ada", today(), Membership::empty())[0],
    )
    .unwrap();
    assert_eq!(
        t,
        serde_json::json!({"kind": "user", "id": "ada", "segment": "b", "direction": "exited", "day": "2026-10-31"})
    );
}

#[test]
fn too_many_segments_and_bad_rules_are_reported_together() {
    let mut defs = IndexMap::new();
    for i in 0..65 {
        defs.insert(
            format!("s{i}"),
            SegmentDef::new(Rule::parse("engagement_score > 1").unwrap()),
        );
    }
    defs.insert(
        "bad".to_owned(),
        SegmentDef::new(Rule::parse("nope > 1").unwrap())
            .with_exit(Rule::parse("email > 1").unwrap()),
    );
    let errs = SegmentSet::compile(&defs, &RuleContext::new(users())).unwrap_err();
    assert_eq!(errs.len(), 3, "{errs}");
    let text = errs.to_string();
    assert!(text.contains("at most 64"));
    assert!(
        text.contains("segment `bad` (enter): unknown user property `nope`"),
        "{text}"
    );
    assert!(text.contains("segment `bad` (exit): `>` needs"), "{text}");
}

// ---------------------------------------------------------------- actions and rule sets

#[test]
fn first_matching_action_wins() {
    let ctx = RuleContext::new(accounts());
    let defs: Vec<ActionDef> = serde_json::from_str(
        r#"[{"when": "mrr >= 1000 and engagement_score < 40", "action": "personal_outreach"},
            {"when": "engagement_score < 25", "action": "automated_email"}]"#,
    )
    .unwrap();
    let actions = ActionList::compile(&defs, &ctx).unwrap();
    let mut acme = Record::new(accounts(), "acme");
    acme.set("mrr", Decimal::new(150000, 2));
    acme.set("engagement_score", 10);
    assert_eq!(
        actions.first_match(&EvalInput::new(&acme, today())),
        Some("personal_outreach")
    );
    acme.set("mrr", Decimal::new(500, 0));
    assert_eq!(
        actions.first_match(&EvalInput::new(&acme, today())),
        Some("automated_email")
    );
    acme.set("engagement_score", 90);
    assert_eq!(actions.first_match(&EvalInput::new(&acme, today())), None);
    assert_eq!(
        actions.actions().collect::<Vec<_>>(),
        ["personal_outreach", "automated_email"]
    );
    let bad: Result<Vec<ActionDef>, _> =
        serde_json::from_str(r#"[{"when": "a", "action": "x", "then": 1}]"#);
    assert!(bad.is_err());
}

#[test]
fn rule_set_reports_every_error_with_its_origin() {
    let seg_ctx = RuleContext::new(users())
        .forbid("segments")
        .forbid("next_action");
    let act_ctx = RuleContext::new(users()).forbid("next_action");
    let segments: IndexMap<String, SegmentDef> =
        serde_json::from_str(r#"{"at_risk": {"enter": "engagment_score < 25", "exit": "engagement_score >= 35"}, "ok": "activated"}"#).unwrap();
    let actions = vec![
        ActionDef::new(Rule::parse("\"at_risk\" in segments").unwrap(), "call"),
        ActionDef::new(Rule::parse("email > 1").unwrap(), ""),
    ];
    let errs = RuleSet::compile(&segments, &actions, &seg_ctx, &act_ctx).unwrap_err();
    let origins: Vec<_> = errs
        .iter()
        .map(|e| e.origin().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        origins,
        [
            "segment `at_risk` (enter)",
            "action #2 (``)",
            "action #2 (``)"
        ],
        "{errs}"
    );
    let segments: IndexMap<String, SegmentDef> =
        serde_json::from_str(r#"{"ok": "activated"}"#).unwrap();
    let set = RuleSet::compile(&segments, &actions[..1], &seg_ctx, &act_ctx).unwrap();
    assert_eq!(set.segments().len(), 1);
    assert_eq!(set.actions().len(), 1);
}

#[test]
fn public_types_are_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<Rule>();
    check::<pulsecheck::rule::CompiledRule>();
    check::<SegmentSet>();
    check::<ActionList>();
    check::<RuleSet>();
    check::<Memberships>();
    check::<RuleErrors>();
    check::<RuleContext>();
    check::<EvalInput<'static>>();
}

#[test]
fn constant_text_lists_handle_every_needle() {
    let x = |v: Value| vec![("x", v)];
    assert!(eval("traits.x in [\"a\", \"b\"]", &x(Value::from("b"))));
    assert!(!eval("traits.x in [\"a\", \"b\"]", &x(Value::Int(1))));
    assert!(
        eval("traits.x not in [\"a\", \"b\"]", &x(Value::Int(1))),
        "a number is not in a list of texts"
    );
    assert!(!eval(
        "traits.x not in [\"a\", \"b\"]",
        &x(Value::from("a"))
    ));
    assert!(
        !eval("traits.x not in [\"a\", \"b\"]", &[]),
        "null is in no comparison"
    );
    assert!(!eval("traits.x in [\"a\", \"b\"]", &[]));
    assert!(
        eval("traits.x in [\"a\", 1]", &x(Value::Int(1))),
        "mixed constant lists use the general path"
    );
}

#[test]
fn relative_days_with_offsets_and_old_dates() {
    let mut user = Record::new(users(), "u");
    // 02:00 UTC on Oct 2nd is still Oct 1st at UTC-3: 30 days before D.
    user.set("last_seen_at", at("2026-10-02T02:00:00Z"));
    let within = compile("last_seen_at within 30 days");
    let before = compile("last_seen_at before 29 days ago");
    assert!(within.eval(&EvalInput::new(&user, today())));
    assert!(!within.eval(&EvalInput::new(&user, today()).with_utc_offset_minutes(-180)));
    assert!(!before.eval(&EvalInput::new(&user, today())));
    assert!(before.eval(&EvalInput::new(&user, today()).with_utc_offset_minutes(-180)));
    user.set("last_seen_at", at("1969-12-31T23:00:00Z"));
    assert!(compile("last_seen_at = 1969-12-31").eval(&EvalInput::new(&user, today())));
    assert!(compile("last_seen_at before 20757 days ago").eval(&EvalInput::new(&user, today())));
    assert!(!compile("last_seen_at before 20758 days ago").eval(&EvalInput::new(&user, today())));
    user.set("last_seen_at", at("1969-12-31T23:30:00Z"));
    let at_plus_one = EvalInput::new(&user, day(1970, 1, 1)).with_utc_offset_minutes(60);
    assert!(
        compile("last_seen_at within 1 day").eval(&at_plus_one),
        "00:30 on Jan 1st at UTC+1"
    );
    assert!(!compile("last_seen_at within 1 day").eval(&EvalInput::new(&user, day(1970, 1, 1))));
}
