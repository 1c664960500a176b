//! Property tests over random syntax trees (which need the crate-private AST).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::ast::{BinOp, Expr, ExprKind, Func, Lit, PropRef, Scope};
use super::{EvalInput, Rule, RuleContext, RuleLimits};
use crate::testing::cases_or;
use crate::{PropertyType, Record, RecordKind, Schema, Value};

fn lit() -> impl Strategy<Value = Lit> {
    prop_oneof![
        Just(Lit::Null),
        any::<bool>().prop_map(Lit::Bool),
        (any::<i64>(), 0u32..6).prop_map(|(m, s)| Lit::Num(Decimal::new(m, s))),
        "(\\PC|[\\n\\t\"\\\\\u{1}\u{7f}])*".prop_map(Lit::Str),
        (0i32..50_000).prop_map(|d| Lit::Date(
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(i64::from(d))
        )),
        (0i64..4_000_000_000, 0u32..1_000_000_000)
            .prop_map(|(s, n)| Lit::DateTime(DateTime::<Utc>::from_timestamp(s, n).unwrap())),
    ]
}

fn prop_ref() -> impl Strategy<Value = PropRef> {
    let names = prop::sample::select(vec![
        "engagement_score",
        "plan",
        "email",
        "features_used",
        "created_at",
        "mrr",
        "flag",
        "and",
        "account",
        "traits",
        "odd name",
        "days",
        "set",
        "min",
        "x-y",
    ]);
    (
        prop_oneof![Just(Scope::Record), Just(Scope::Account)],
        any::<bool>(),
        names,
    )
        .prop_map(|(scope, is_trait, name)| PropRef {
            scope,
            is_trait,
            name: name.to_owned(),
        })
}

fn binop() -> impl Strategy<Value = BinOp> {
    prop::sample::select(vec![
        BinOp::Eq,
        BinOp::Ne,
        BinOp::Lt,
        BinOp::Le,
        BinOp::Gt,
        BinOp::Ge,
        BinOp::In,
        BinOp::NotIn,
        BinOp::Contains,
        BinOp::StartsWith,
        BinOp::EndsWith,
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::Rem,
    ])
}

fn e(kind: ExprKind) -> Expr {
    Expr::spanned(kind)
}

pub(crate) fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        lit().prop_map(|l| e(ExprKind::Lit(l))),
        prop_ref().prop_map(|p| e(ExprKind::Prop(p)))
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        let b = || inner.clone().prop_map(Box::new);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| e(ExprKind::List(v))),
            b().prop_map(|x| e(ExprKind::Not(x))),
            b().prop_map(|x| e(ExprKind::Neg(x))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| e(ExprKind::And(v))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| e(ExprKind::Or(v))),
            (binop(), b(), b()).prop_map(|(op, x, y)| e(ExprKind::Binary(op, x, y))),
            (b(), any::<bool>()).prop_map(|(x, n)| e(ExprKind::IsSet(x, n))),
            (b(), b(), b()).prop_map(|(x, y, z)| e(ExprKind::Between(x, y, z))),
            (b(), 0u32..1000).prop_map(|(x, n)| e(ExprKind::Within(x, n))),
            (b(), 0u32..1000).prop_map(|(x, n)| e(ExprKind::Before(x, n))),
            (
                prop::sample::select(Func::ALL.to_vec()),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, v)| e(ExprKind::Call(f, v))),
        ]
    })
}

fn schema() -> (Arc<Schema>, Arc<Schema>) {
    let users = Schema::new(RecordKind::User)
        .with("engagement_score", PropertyType::Int)
        .with("plan", PropertyType::enumeration(["free", "pro"]))
        .with("email", PropertyType::String)
        .with("features_used", PropertyType::StringList)
        .with("created_at", PropertyType::DateTime)
        .with("mrr", PropertyType::Decimal)
        .with("flag", PropertyType::Bool)
        .with("and", PropertyType::Number)
        .with("odd name", PropertyType::Date)
        .with("x-y", PropertyType::Any);
    let accounts = Schema::new(RecordKind::Account)
        .with("plan", PropertyType::String)
        .with("mrr", PropertyType::Decimal);
    (Arc::new(users), Arc::new(accounts))
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Number),
        (any::<i64>(), 0u32..10).prop_map(|(m, s)| Value::Decimal(Decimal::new(m, s))),
        "\\PC{0,6}".prop_map(Value::from),
        "20[0-9]{2}-0[1-9]-1[0-9]".prop_map(Value::from),
        (0i32..50_000).prop_map(|d| Value::Date(
            NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(i64::from(d))
        )),
        (0i64..4_000_000_000)
            .prop_map(|s| Value::DateTime(DateTime::<Utc>::from_timestamp(s, 0).unwrap())),
        prop::collection::vec("[a-c]{0,2}".prop_map(Value::from), 0..3).prop_map(Value::List),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(512)))]

    #[test]
    fn random_trees_print_and_parse_back_equal(tree in expr()) {
        let rule = Rule::from_expr(&tree).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(rule.expr(), &tree);
        let printed = rule.to_string();
        let again = Rule::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(&again, &rule);
        prop_assert_eq!(again.to_string(), printed);
    }

    #[test]
    fn random_trees_never_panic_in_checker_or_evaluator(
        tree in expr(),
        values in prop::collection::vec(value(), 10),
        traits in prop::collection::vec(value(), 4),
        offset in -900i32..900,
    ) {
        let (users, accounts) = schema();
        let ctx = RuleContext::new(users.clone()).with_account(accounts.clone());
        let rule = Rule::from_expr(&tree).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let plain_ctx = RuleContext::new(users.clone());
        let _ = rule.compile(&plain_ctx);
        if let Ok(compiled) = rule.compile(&ctx) {
            let mut record = Record::new(users.clone(), "u");
            for (i, v) in values.into_iter().enumerate() {
                let name = users.get_index(i).map(|(n, _)| n.to_owned()).unwrap_or_default();
                record.set(&name, v);
            }
            for (name, v) in ["engagement_score", "role", "and", "x-y"].iter().zip(traits) {
                record.set_trait(*name, v);
            }
            let account = Record::new(accounts.clone(), "a");
            let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
            let input = EvalInput::new(&record, day).with_account(Some(&account)).with_utc_offset_minutes(offset);
            let _ = compiled.eval(&input);
            let _ = compiled.eval(&EvalInput::new(&record, day));
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(s in "[a-z0-9 ()\\[\\]\"`.,=<>!+*/%-]{0,60}") {
        let _ = Rule::parse(&s);
    }

    #[test]
    fn valid_text_parse_print_parse_is_stable(tree in expr()) {
        // Text a person could write (the printed form, re-spaced) parses to the same tree.
        let rule = Rule::from_expr(&tree).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let spaced = format!("  {}\n", rule);
        let again = Rule::parse(&spaced).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(again, rule);
    }
}

#[test]
fn generators_produce_interesting_rules() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (users, accounts) = schema();
    let ctx = RuleContext::new(users).with_account(accounts);
    let mut compiled = 0;
    let mut deep = 0;
    for _ in 0..2000 {
        let tree = expr().new_tree(&mut runner).unwrap().current();
        deep += usize::from(tree.depth >= 3);
        let rule = Rule::from_expr(&tree).unwrap();
        compiled += usize::from(rule.compile(&ctx).is_ok());
    }
    // Both the type checker's accept and reject paths get exercised.
    assert!(compiled > 100, "only {compiled} random rules type-check");
    assert!(deep > 500, "only {deep} random rules are nested");
}

#[test]
fn depth_is_bounded_for_long_arithmetic_chains() {
    let text = vec!["1"; 200].join(" + ");
    assert!(Rule::parse(&text).is_err());
    let text = vec!["a > 1"; 2000].join(" or ");
    assert!(Rule::parse(&text).is_ok(), "n-ary or chains are shallow");
    assert!(
        Rule::parse_with(
            &["1"; 10].join(" + "),
            &RuleLimits::default().with_max_depth(5)
        )
        .is_err()
    );
}
