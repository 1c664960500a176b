//! JsonLogic import. Cases are the examples of the JsonLogic documentation
//! (https://jsonlogic.com/operations.html and https://jsonlogic.com/truthy.html);
//! value-returning examples are checked as `{"==": [example, documented result]}`.
#![cfg(feature = "json")]

use std::sync::Arc;

use chrono::NaiveDate;
use pulsecheck::rule::{EvalInput, Rule, RuleContext, RuleErrorKind};
use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};
use serde_json::{Value as Json, json};

fn schema() -> Arc<Schema> {
    let mut s = Schema::new(RecordKind::User);
    for name in ["a", "b", "c", "z", "filling", "x"] {
        s.push(name, PropertyType::Any);
    }
    s.push("temp", PropertyType::Int);
    s.push("email", PropertyType::String);
    s.push("engagement_score", PropertyType::Int);
    s.push("features_used", PropertyType::StringList);
    s.push("activated", PropertyType::Bool);
    Arc::new(s)
}

fn to_value(j: &Json) -> Value {
    serde_json::from_value(j.clone()).unwrap()
}

/// Imports, compiles and evaluates a JsonLogic rule on a record holding `data`.
fn apply(logic: Json, data: Json) -> bool {
    let rule = Rule::from_json_logic(&logic).unwrap_or_else(|e| panic!("{logic}: {e}"));
    let compiled = rule
        .compile(&RuleContext::new(schema()))
        .unwrap_or_else(|e| panic!("{rule}: {e}"));
    let mut record = Record::new(schema(), "u");
    if let Json::Object(map) = data {
        for (k, v) in map {
            assert!(record.set(&k, to_value(&v)), "{k} not in the test schema");
        }
    }
    compiled.eval(&EvalInput::new(
        &record,
        NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    ))
}

/// The documented result of `logic` on `data` is `result`.
fn gives(logic: Json, data: Json, result: Json) -> bool {
    apply(json!({"==": [logic, result]}), data)
}

#[test]
fn accessing_data() {
    assert!(gives(
        json!({"var": ["a"]}),
        json!({"a": 1, "b": 2}),
        json!(1)
    ));
    assert!(gives(
        json!({"var": "a"}),
        json!({"a": 1, "b": 2}),
        json!(1)
    ));
    assert!(gives(
        json!({"var": ["z", 26]}),
        json!({"a": 1, "b": 2}),
        json!(26)
    ));
    // The "pie" example, with `pie.filling` flattened to a property (records are flat).
    let pie =
        json!({"and": [{"<": [{"var": "temp"}, 110]}, {"==": [{"var": "filling"}, "apple"]}]});
    assert!(apply(pie.clone(), json!({"temp": 100, "filling": "apple"})));
    assert!(!apply(pie, json!({"temp": 120, "filling": "apple"})));
}

#[test]
fn missing_and_missing_some() {
    assert!(gives(
        json!({"missing": ["a", "b"]}),
        json!({"a": "apple", "c": "carrot"}),
        json!(["b"])
    ));
    assert!(gives(
        json!({"missing": ["a", "b"]}),
        json!({"a": "apple", "b": "banana"}),
        json!([])
    ));
    let proceed = json!({"if": [{"missing": ["a", "b"]}, "Not enough fruit", "OK to proceed"]});
    assert!(gives(
        proceed.clone(),
        json!({"a": "apple", "b": "banana"}),
        json!("OK to proceed")
    ));
    assert!(gives(
        proceed,
        json!({"a": "apple"}),
        json!("Not enough fruit")
    ));
    assert!(gives(
        json!({"missing_some": [1, ["a", "b", "c"]]}),
        json!({"a": "apple"}),
        json!([])
    ));
    assert!(gives(
        json!({"missing_some": [2, ["a", "b", "c"]]}),
        json!({"a": "apple"}),
        json!(["b", "c"])
    ));
    // As a rule: "missing" is truthy when something is missing.
    assert!(apply(json!({"missing": ["a"]}), json!({})));
    assert!(!apply(json!({"missing": ["a"]}), json!({"a": 1})));
}

#[test]
fn if_operator() {
    assert!(gives(
        json!({"if": [true, "yes", "no"]}),
        json!({}),
        json!("yes")
    ));
    assert!(gives(
        json!({"if": [false, "yes", "no"]}),
        json!({}),
        json!("no")
    ));
    let water = json!({"if": [{"<": [{"var": "temp"}, 0]}, "freezing", {"<": [{"var": "temp"}, 100]}, "liquid", "gas"]});
    assert!(gives(water.clone(), json!({"temp": 55}), json!("liquid")));
    assert!(gives(water.clone(), json!({"temp": -5}), json!("freezing")));
    assert!(gives(water, json!({"temp": 200}), json!("gas")));
}

#[test]
fn equality() {
    assert!(apply(json!({"==": [1, 1]}), json!({})));
    assert!(apply(json!({"===": [1, 1]}), json!({})));
    assert!(apply(json!({"!=": [1, 2]}), json!({})));
    assert!(apply(json!({"!==": [1, 2]}), json!({})));
    assert!(!apply(json!({"!=": [1, 1]}), json!({})));
    // JavaScript's loose `1 == "1"` / `0 == false` are type errors here (typed records).
    for loose in [
        json!({"==": [1, "1"]}),
        json!({"==": [0, false]}),
        json!({"!==": [1, "1"]}),
    ] {
        let rule = Rule::from_json_logic(&loose).unwrap();
        let err = rule.compile(&RuleContext::new(schema())).unwrap_err();
        assert_eq!(err.iter().next().unwrap().kind(), RuleErrorKind::Type);
    }
    // On untyped data, different types are simply unequal.
    assert!(!apply(json!({"==": [{"var": "a"}, "1"]}), json!({"a": 1})));
    assert!(apply(json!({"!=": [{"var": "a"}, "1"]}), json!({"a": 1})));
    // `== null` is presence.
    assert_eq!(
        Rule::from_json_logic(&json!({"==": [{"var": "email"}, null]}))
            .unwrap()
            .to_string(),
        "email is not set"
    );
    assert!(apply(
        json!({"!=": [{"var": "email"}, null]}),
        json!({"email": "a@b.c"})
    ));
}

#[test]
fn negation_and_truthiness() {
    assert!(!apply(json!({"!": [true]}), json!({})));
    assert!(!apply(json!({"!": true}), json!({})));
    assert!(!apply(json!({"!!": [[]]}), json!({})));
    assert!(apply(json!({"!!": ["0"]}), json!({})));
    // The truthy.html table.
    for (value, truthy) in [
        (json!(0), false),
        (json!(1), true),
        (json!(-1), true),
        (json!([]), false),
        (json!([1, 2]), true),
        (json!(""), false),
        (json!("anything"), true),
        (json!("0"), true),
        (json!(null), false),
    ] {
        assert_eq!(
            apply(json!({"!!": [value.clone()]}), json!({})),
            truthy,
            "literal {value}"
        );
        assert_eq!(
            apply(
                json!({"if": [{"var": "x"}, true, false]}),
                json!({"x": value.clone()})
            ),
            truthy,
            "data {value}"
        );
        assert_eq!(
            apply(json!({"!": {"var": "x"}}), json!({"x": value.clone()})),
            !truthy,
            "! {value}"
        );
        assert_eq!(
            apply(json!({"var": "x"}), json!({"x": value.clone()})),
            truthy,
            "bare {value}"
        );
    }
}

#[test]
fn and_or() {
    assert!(apply(json!({"or": [true, false]}), json!({})));
    assert!(apply(json!({"or": [false, "a"]}), json!({})));
    assert!(apply(json!({"or": [false, 0, "a"]}), json!({})));
    assert!(apply(json!({"and": [true, "a", 3]}), json!({})));
    assert!(!apply(json!({"and": [true, "", 3]}), json!({})));
    assert!(!apply(json!({"or": [false, 0, ""]}), json!({})));
}

#[test]
fn comparisons_and_between() {
    assert!(apply(json!({">": [2, 1]}), json!({})));
    assert!(apply(json!({">=": [1, 1]}), json!({})));
    assert!(apply(json!({"<": [1, 2]}), json!({})));
    assert!(apply(json!({"<=": [1, 1]}), json!({})));
    assert!(apply(json!({"<": [1, 2, 3]}), json!({})));
    assert!(!apply(json!({"<": [1, 1, 3]}), json!({})));
    assert!(!apply(json!({"<": [1, 4, 3]}), json!({})));
    assert!(apply(json!({"<=": [1, 1, 3]}), json!({})));
    assert!(!apply(json!({"<=": [1, 4, 3]}), json!({})));
    assert!(apply(
        json!({"<": [0, {"var": "temp"}, 100]}),
        json!({"temp": 50})
    ));
    assert!(!apply(
        json!({"<": [0, {"var": "temp"}, 100]}),
        json!({"temp": 100})
    ));
}

#[test]
fn arithmetic() {
    assert!(gives(json!({"max": [1, 2, 3]}), json!({}), json!(3)));
    assert!(gives(json!({"min": [1, 2, 3]}), json!({}), json!(1)));
    assert!(gives(json!({"+": [4, 2]}), json!({}), json!(6)));
    assert!(gives(json!({"-": [4, 2]}), json!({}), json!(2)));
    assert!(gives(json!({"*": [4, 2]}), json!({}), json!(8)));
    assert!(gives(json!({"/": [4, 2]}), json!({}), json!(2)));
    assert!(gives(json!({"+": [2, 2, 2, 2, 2]}), json!({}), json!(10)));
    assert!(gives(json!({"*": [2, 2, 2, 2, 2]}), json!({}), json!(32)));
    assert!(gives(json!({"-": 2}), json!({}), json!(-2)));
    assert!(gives(json!({"-": [-2]}), json!({}), json!(2)));
    assert!(gives(json!({"%": [101, 2]}), json!({}), json!(1)));
    assert!(gives(
        json!({"-": {"var": "temp"}}),
        json!({"temp": 3}),
        json!(-3)
    ));
    // `{"+": "3.14"}` casts text in JavaScript; typed records do not.
    assert!(Rule::from_json_logic(&json!({"+": "3.14"})).is_err());
}

#[test]
fn in_cat_substr() {
    assert!(apply(json!({"in": ["Spring", "Springfield"]}), json!({})));
    assert!(apply(
        json!({"in": ["Ringo", ["John", "Paul", "George", "Ringo"]]}),
        json!({})
    ));
    assert!(!apply(
        json!({"in": ["Yoko", ["John", "Paul", "George", "Ringo"]]}),
        json!({})
    ));
    assert!(apply(
        json!({"in": ["reporting", {"var": "features_used"}]}),
        json!({"features_used": ["reporting"]})
    ));
    assert!(gives(
        json!({"cat": ["I love", " pie"]}),
        json!({}),
        json!("I love pie")
    ));
    assert!(gives(
        json!({"cat": ["I love ", {"var": "filling"}, " pie"]}),
        json!({"filling": "apple"}),
        json!("I love apple pie")
    ));
    assert!(gives(
        json!({"substr": ["jsonlogic", 4]}),
        json!({}),
        json!("logic")
    ));
    assert!(gives(
        json!({"substr": ["jsonlogic", -5]}),
        json!({}),
        json!("logic")
    ));
    assert!(gives(
        json!({"substr": ["jsonlogic", 1, 3]}),
        json!({}),
        json!("son")
    ));
    assert!(gives(
        json!({"substr": ["jsonlogic", 4, -2]}),
        json!({}),
        json!("log")
    ));
}

#[test]
fn imports_to_the_same_form_as_text() {
    let logic = json!({"and": [
        {">=": [{"var": "engagement_score"}, 40]},
        {"!": {"in": ["reporting", {"var": "features_used"}]}},
        {"<=": [10, {"var": "temp"}, 20]},
        {"var": "activated"}
    ]});
    let imported = Rule::from_json_logic(&logic).unwrap();
    let text = Rule::parse(
        "engagement_score >= 40 and not \"reporting\" in features_used and temp between 10 and 20 and truthy(activated)",
    )
    .unwrap();
    assert_eq!(imported, text);
    assert_eq!(Rule::parse(&imported.to_string()).unwrap(), imported);
    let data = json!({"engagement_score": 50, "features_used": [], "temp": 15, "activated": true});
    assert!(apply(logic, data));
}

#[test]
fn unsupported_and_invalid_operators_are_clear_errors() {
    for op in [
        "map", "filter", "reduce", "all", "none", "some", "merge", "log", "method", "xor",
    ] {
        let err = Rule::from_json_logic(&json!({op: [[1], {"var": ""}]})).unwrap_err();
        assert_eq!(err.kind(), RuleErrorKind::UnsupportedJsonLogic, "{op}");
        assert!(
            err.to_string()
                .contains(&format!("`{op}` is not supported")),
            "{err}"
        );
    }
    let err = Rule::from_json_logic(&json!({"==": [1, 2], "!=": [1, 2]})).unwrap_err();
    assert_eq!(err.kind(), RuleErrorKind::InvalidJsonLogic);
    let err = Rule::from_json_logic(&json!({"and": [{">": [1]}]})).unwrap_err();
    assert!(
        err.to_string().contains("`>`: takes 2 arguments, found 1"),
        "{err}"
    );
    let err = Rule::from_json_logic(&json!({"var": "pie.filling.kind"})).unwrap_err();
    assert!(err.to_string().contains("not a property"), "{err}");
    // Unknown properties are found at compile time, with a suggestion and a span in
    // the canonical text.
    let rule = Rule::from_json_logic(&json!({"<": [{"var": "engagment_score"}, 25]})).unwrap();
    let err = rule
        .compile(&RuleContext::new(schema()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("did you mean `engagement_score`?") && err.contains("^^^^"),
        "{err}"
    );
    // Hostile nesting is an error.
    let mut deep = json!(true);
    for _ in 0..100 {
        deep = json!({"!": [deep]});
    }
    assert_eq!(
        Rule::from_json_logic(&deep).unwrap_err().kind(),
        RuleErrorKind::TooDeep
    );
    let wide = json!({"+": vec![1; 5000]});
    assert_eq!(
        Rule::from_json_logic(&wide).unwrap_err().kind(),
        RuleErrorKind::TooDeep
    );
}
