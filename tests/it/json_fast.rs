//! `Engine::ingest_json` reads activity, `identify` and `group` lines on a fast
//! path that builds no owned `Call` (issue 5). Its outcomes, rejections and
//! resulting state must be exactly those of the full path,
//! `Engine::ingest(&Call::from_json(line)?)` after the line size check: checked
//! here line by line on realistic lines (the sample stream as `Call::to_json`
//! writes it) bent in hostile ways: fields missing, duplicated, reordered, renamed
//! to their aliases or of the wrong type; escapes in strings; numeric ids; huge
//! numbers; unknown fields; odd whitespace; timestamps in every shape; properties
//! and traits at and over the limits; cut or padded lines. `identify` and `group`
//! lines are also made from scratch, with traits of every shape: repeated, escaped
//! and normalized-alike keys, numbers of every kind, nulls, nested values, and a
//! trait-key table that fills up.
#![cfg(feature = "json")]
use crate::common::cases_or;

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use pulsecheck::config::Limits;
use pulsecheck::sample::{self, Sample};
use pulsecheck::{Call, Config, Engine, Outcome, Rejection, Usage, readers};

/// What `ingest_json` did before it had a fast path.
fn full_path(engine: &mut Engine, line: &str) -> Result<Outcome, Rejection> {
    let limit = engine.config().limits().max_call_bytes();
    if line.len() > limit {
        // The variant cannot be built outside the crate, so the engine's own
        // rejection is taken and held to the fields the full path would give.
        let err = engine.ingest_json(line).unwrap_err();
        assert!(
            matches!(err, Rejection::CallTooLarge { bytes, limit: l, .. } if bytes == line.len() && l == limit),
            "{err:?}"
        );
        return Err(err);
    }
    engine.ingest(&Call::from_json(line)?)
}

/// The sample configuration, and one with tight limits and more usage metrics than
/// the fast path keeps on the stack (some reading the same property).
fn configs() -> Vec<Config> {
    let mut tight = Config::builder().score_event("Report Run", 5).limits(
        Limits::default()
            .with_max_call_bytes(600)
            .with_max_properties(3)
            .with_max_string_bytes(12)
            .with_max_list_len(3)
            .with_max_value_depth(2)
            .with_max_id_bytes(14)
            .with_max_name_bytes(13)
            .with_max_device_types(2),
    );
    for i in 0..11 {
        let property = ["megabytes", "rows", "mb", "n"][i % 4];
        tight = tight.usage(format!("u{i}"), Usage::sum("File Uploaded", property));
    }
    tight = tight.usage("runs", Usage::sum("Report Run", "rows"));
    // Room for the sample's traits, but a trait-key table that fills up after a
    // few calls, so that its limit is met on both sides.
    let few_trait_keys = Config::builder()
        .score_event("Report Run", 5)
        .limits(Limits::default().with_max_trait_keys(9))
        .build()
        .unwrap();
    vec![sample::config(), tight.build().unwrap(), few_trait_keys]
}

fn base_lines() -> Vec<String> {
    Sample::new()
        .accounts(2)
        .users_per_account(3)
        .days(20)
        .seed(5)
        .calls()
        .map(|c| c.to_json())
        .collect()
}

/// A line as a list of (key, raw JSON value) entries, so it can be bent and then
/// written back in any order with any whitespace.
fn entries(line: &str) -> Vec<(String, String)> {
    let serde_json::Value::Object(map) = serde_json::from_str(line).unwrap() else {
        unreachable!("to_json writes objects")
    };
    map.into_iter().map(|(k, v)| (k, v.to_string())).collect()
}

const FIELDS: &[&str] = &[
    "type",
    "userId",
    "user_id",
    "anonymousId",
    "anonymous_id",
    "messageId",
    "message_id",
    "event",
    "name",
    "timestamp",
    "originalTimestamp",
    "original_timestamp",
    "properties",
    "traits",
    "context",
    "groupId",
    "previousId",
    "ty\\u0070e",
    "extra",
    "integrations",
];

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        "[a-zA-Z0-9 _-]{0,16}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just(r#""a\"b""#.to_owned()),
        Just(r#""caf\u00e9""#.to_owned()),
        Just(r#""\ud83d\ude00 x""#.to_owned()),
        Just(r#""lone \ud800""#.to_owned()),
        Just(r#""tab\tand\\slash\/""#.to_owned()),
        Just(r#""bad \x escape""#.to_owned()),
        Just("\"raw\tcontrol\"".to_owned()),
        Just(r#""\u00a0""#.to_owned()),
        Just(r#""   ""#.to_owned()),
        Just(r#""""#.to_owned()),
    ]
    .boxed()
}

fn timestamp() -> BoxedStrategy<String> {
    let shaped = (
        0..10_000u32,
        0..14u32,
        0..32u32,
        0..25u32,
        0..61u32,
        0..61u32,
        prop_oneof![Just(String::new()), "\\.[0-9]{1,12}".prop_map(|s| s),],
        prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            Just(String::new()),
            (prop_oneof![Just('+'), Just('-')], 0..26u32, 0..61u32)
                .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            (0..24u32, 0..60u32).prop_map(|(h, m)| format!("+{h:02}{m:02}")),
        ],
        prop_oneof![Just('T'), Just('t'), Just(' ')],
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, zone, sep)| {
            format!("\"{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{frac}{zone}\"")
        });
    prop_oneof![
        3 => shaped,
        1 => Just("\"2026-10-31T19:04:50.268Z\"".to_owned()),
        1 => Just("\" 2026-10-31T19:04:50Z \"".to_owned()),
        1 => Just("\"2026-10-31T19:04:50\\u002e5Z\"".to_owned()),
        1 => Just("\"10000-01-01T00:00:00Z\"".to_owned()),
        1 => Just("1793473490".to_owned()),
    ]
    .boxed()
}

fn number() -> BoxedStrategy<String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::to_string(&f).unwrap()),
        Just("0".to_owned()),
        Just("-0".to_owned()),
        Just("1.5".to_owned()),
        Just("1e3".to_owned()),
        Just("1e400".to_owned()),
        Just("-1e400".to_owned()),
        Just("1e-400".to_owned()),
        Just("1E+308".to_owned()),
        Just("9e308".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("123456789012345678901234567890".to_owned()),
        Just("01".to_owned()),
        Just("1.".to_owned()),
        Just("-".to_owned()),
    ]
    .boxed()
}

/// Any JSON value (and a few things that are not JSON), nested a little.
fn value() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("nul".to_owned()),
        number(),
        text(),
        timestamp(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("type".to_owned()),
                        Just("groupId".to_owned()),
                        Just("device".to_owned()),
                        Just("name".to_owned()),
                        Just("megabytes".to_owned()),
                        "[a-z]{1,14}",
                    ],
                    inner
                ),
                0..5
            )
            .prop_map(|fields| {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
                    .collect();
                format!("{{{}}}", body.join(","))
            }),
        ]
    })
    .boxed()
}

fn id() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z]{1,3}_[0-9]{1,2}".prop_map(|s| format!("\"{s}\"")),
        1 => (0..50u64).prop_map(|n| n.to_string()),
        1 => Just("\"user_0\\u0030\"".to_owned()),
        1 => Just("\"  \"".to_owned()),
        1 => Just("-3".to_owned()),
        1 => Just("null".to_owned()),
        1 => Just("\"a_very_long_id_indeed\"".to_owned()),
        1 => value(),
    ]
    .boxed()
}

fn context() -> BoxedStrategy<String> {
    let device = prop_oneof![
        Just("null".to_owned()),
        Just("\"mobile\"".to_owned()),
        Just("[\"mobile\"]".to_owned()),
        Just("{}".to_owned()),
        prop_oneof![
            Just("\"mobile\""),
            Just("\"tablet\""),
            Just("\"watch\""),
            Just("\"\""),
            Just("\" \""),
            Just("\"mob\\u0069le\""),
            Just("\"a_long_device_type\""),
            Just("7"),
            Just("null"),
        ]
        .prop_map(|t| format!("{{\"type\":{t},\"model\":[1,{{\"x\":null}}]}}")),
        Just("{\"type\":\"mobile\",\"type\":\"tablet\"}".to_owned()),
    ];
    let os = prop_oneof![
        Just("null".to_owned()),
        Just("{\"name\":\"iOS\",\"version\":\"17.1\"}".to_owned()),
        Just("{\"name\":\"a_long_os_name_here\"}".to_owned()),
        Just("{\"name\":\"\"}".to_owned()),
    ];
    prop_oneof![
        1 => Just("null".to_owned()),
        1 => Just("[]".to_owned()),
        1 => Just("[\"g1\"]".to_owned()),
        1 => value(),
        6 => (
            proptest::option::of(id()),
            proptest::option::of(device),
            proptest::option::of(os),
            proptest::option::of(value()),
            any::<bool>(),
        )
            .prop_map(|(group, device, os, other, alias)| {
                let mut fields = Vec::new();
                if let Some(g) = group {
                    let key = if alias { "group_id" } else { "groupId" };
                    fields.push(format!("\"{key}\":{g}"));
                }
                if let Some(d) = device {
                    fields.push(format!("\"device\":{d}"));
                }
                if let Some(o) = os {
                    fields.push(format!("\"os\":{o}"));
                }
                if let Some(v) = other {
                    fields.push(format!("\"library\":{v}"));
                }
                format!("{{{}}}", fields.join(","))
            }),
    ]
    .boxed()
}

fn properties() -> BoxedStrategy<String> {
    let entry = (
        prop_oneof![
            Just("megabytes".to_owned()),
            Just("rows".to_owned()),
            Just("mb".to_owned()),
            Just("n".to_owned()),
            Just("a_long_property_name".to_owned()),
            Just("mega\\u0062ytes".to_owned()),
            "[a-z]{1,6}",
        ],
        prop_oneof![
            3 => number(),
            1 => Just("\"12.5\"".to_owned()),
            1 => Just("\"NaN\"".to_owned()),
            1 => Just("[[[1]]]".to_owned()),
            1 => Just("[1,2,3,4]".to_owned()),
            1 => Just("{\"a\":{\"b\":1}}".to_owned()),
            1 => Just("\"a long text value\"".to_owned()),
            2 => value(),
        ],
    );
    prop_oneof![
        1 => Just("null".to_owned()),
        1 => Just("[]".to_owned()),
        1 => Just("7".to_owned()),
        6 => proptest::collection::vec(entry, 0..6).prop_map(|entries| object(&entries)),
    ]
    .boxed()
}

/// A JSON object of `(key, value)` pairs: keys written as they are between quotes,
/// values already JSON.
fn object(entries: &[(String, String)]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// `properties` that are mostly valid, with values around the tight config's limits
/// (3 entries, 12-byte texts, 13-byte names, lists of 3, depth 2) and the odd number out
/// of `f64` range, so the limit checks meet both sides of every bound.
fn edgy_properties() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("megabytes".to_owned()),
        Just("rows".to_owned()),
        Just("mb".to_owned()),
        Just("n".to_owned()),
        (0..=14usize).prop_map(|n| "k".repeat(n.max(1))),
        "[a-z]{1,4}",
    ];
    let leaf = prop_oneof![
        (0..=13usize).prop_map(|n| format!("\"{}\"", "x".repeat(n))),
        (0..=13usize).prop_map(|n| format!("\"{}\\n\"", "x".repeat(n))),
        any::<i32>().prop_map(|n| n.to_string()),
        Just("12.75".to_owned()),
        Just("1e400".to_owned()),
        Just("-2.5e308".to_owned()),
        Just("9e307".to_owned()),
        Just("1.7976931348623157e308".to_owned()),
        Just("0.0000001e-999".to_owned()),
        Just("123456789012345678901234567890".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
    ];
    let value = leaf.prop_recursive(3, 12, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec(((1..=13usize).prop_map(|n| "o".repeat(n)), inner), 0..5)
                .prop_map(|fields| object(&fields)),
        ]
    });
    proptest::collection::vec((key, value), 0..6).prop_map(|entries| object(&entries))
}

/// A trait key: the sample's, their normalized twins (`firstName` and
/// `first_name` are two keys of one trait), keys at the tight config's name limit
/// (13 bytes), an escaped key, an empty one, and a few short ones that repeat often.
fn trait_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => proptest::sample::select(
            &["email", "firstName", "first_name", "lastName", "createdAt", "created_at",
              "role", "name", "preferredName", "plan", "seats", "mrr", "domain"][..],
        )
        .prop_map(str::to_owned),
        2 => "[a-c]{1,2}",
        1 => (12..=14usize).prop_map(|n| "k".repeat(n)),
        1 => Just("pl\\u0061n".to_owned()),
        1 => Just(String::new()),
        1 => Just("caf\u{e9}".to_owned()),
    ]
    .boxed()
}

/// A trait value: every kind of number (integers past `i64` and `u64`, floats that
/// round, exponents past `f64`), texts with escapes and surrogates, literals,
/// nested values, and values around the tight config's limits.
fn trait_value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => number(),
        3 => text(),
        1 => timestamp(),
        1 => Just("null".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("false".to_owned()),
        1 => Just("490.0".to_owned()),
        1 => Just("-7".to_owned()),
        1 => Just("9223372036854775807".to_owned()),
        1 => Just("9223372036854775808".to_owned()),
        1 => Just("-9223372036854775809".to_owned()),
        1 => Just("0.1e1".to_owned()),
        1 => Just("[1,[2,[3]]]".to_owned()),
        1 => Just("{\"a\":1,\"a\":\"2\"}".to_owned()),
        1 => Just("{\"a\":{\"b\":null},\"c\":[]}".to_owned()),
        1 => (0..=13usize).prop_map(|n| format!("\"{}\"", "x".repeat(n))),
        1 => (0..=4usize).prop_map(|n| format!("[{}]", vec!["1"; n].join(","))),
        2 => value(),
    ]
    .boxed()
}

/// A `traits` value: mostly an object (its keys often repeated, or kept distinct
/// so that more lines take the fast path), sometimes `null` or not an object.
fn traits() -> BoxedStrategy<String> {
    let entries = proptest::collection::vec((trait_key(), trait_value()), 0..9);
    prop_oneof![
        1 => Just("null".to_owned()),
        1 => Just("{}".to_owned()),
        1 => Just("[]".to_owned()),
        1 => Just("\"plan\"".to_owned()),
        4 => (entries, any::<bool>()).prop_map(|(mut entries, distinct)| {
            if distinct {
                let mut seen = std::collections::HashSet::new();
                entries.retain(|(k, _)| seen.insert(k.clone()));
            }
            object(&entries)
        }),
    ]
    .boxed()
}

/// An `identify` or `group` line made from scratch, its fields in any order:
/// ids present, blank, numeric or of the wrong type; a few `messageId`s shared
/// between lines (so some are duplicates); the fields these calls ignore, of
/// right and wrong types.
fn identify_or_group() -> impl Strategy<Value = String> {
    let maybe = |s: BoxedStrategy<String>| proptest::option::weighted(0.7, s);
    let message = prop_oneof![
        Just("\"m1\"".to_owned()),
        Just("\"m2\"".to_owned()),
        Just("\" \"".to_owned()),
        Just("3".to_owned()),
    ];
    let stamp = prop_oneof![
        3 => proptest::sample::select(
            &["\"2026-10-20T10:00:00Z\"", "\"2026-10-20T11:00:00.5Z\"", "\"2026-10-21T00:00:00+02:00\""][..],
        )
        .prop_map(str::to_owned),
        1 => timestamp(),
    ];
    let user = prop_oneof![
        3 => proptest::sample::select(&["\"u1\"", "\"u2\"", "\"a1\""][..]).prop_map(str::to_owned),
        1 => id(),
    ];
    let account = prop_oneof![
        3 => proptest::sample::select(&["\"acc_1\"", "\"acc_2\"", "\"  \"", "7"][..]).prop_map(str::to_owned),
        1 => id(),
    ];
    let fields = (
        (
            proptest::sample::select(&["\"identify\"", "\"group\""][..]),
            maybe(user.clone().boxed()),
            maybe(user.boxed()),
            maybe(account.boxed()),
            maybe(message.boxed()),
            maybe(stamp.boxed()),
            maybe(traits().boxed()),
        ),
        (
            proptest::option::weighted(0.2, timestamp()),
            proptest::option::weighted(0.2, context()),
            proptest::option::weighted(0.2, properties()),
            proptest::option::weighted(0.2, value()),
            any::<[bool; 3]>(),
        ),
    );
    (
        fields,
        Just((0..12usize).collect::<Vec<_>>()).prop_shuffle(),
    )
        .prop_map(
            |(((kind, user, anonymous, group, message, stamp, traits), rest), order)| {
                let (original, context, properties, other, [snake, alias_group, event]) = rest;
                let mut e: Vec<(&str, String)> = vec![("type", kind.to_owned())];
                let key = |camel, snake_case: &'static str, snake: bool| {
                    if snake { snake_case } else { camel }
                };
                let fields = [
                    (key("userId", "user_id", snake), user),
                    ("anonymousId", anonymous),
                    (key("groupId", "group_id", alias_group), group),
                    ("messageId", message),
                    ("timestamp", stamp),
                    ("traits", traits),
                    ("originalTimestamp", original),
                    ("context", context),
                    ("properties", properties),
                    (if event { "event" } else { "previousId" }, other),
                ];
                for (k, v) in fields {
                    if let Some(v) = v {
                        e.push((k, v));
                    }
                }
                let mut shuffled: Vec<(String, String)> = order
                    .iter()
                    .filter_map(|&i| e.get(i))
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect();
                shuffled.extend(
                    e.iter()
                        .skip(order.len())
                        .map(|(k, v)| ((*k).to_owned(), v.clone())),
                );
                write(
                    &shuffled,
                    &Writing {
                        spaces: vec![""],
                        cut: None,
                        tail: "",
                    },
                )
            },
        )
}

/// One mostly harmless change: what a real sender's line might look like.
fn mild_bend() -> impl Strategy<Value = Bend> {
    prop_oneof![
        4 => edgy_properties().prop_map(|p| Bend::Set("properties", p)),
        1 => Just(Bend::Set("event", "\"File Uploaded\"".to_owned())),
        1 => (0..=15usize).prop_map(|n| Bend::Set("userId", format!("\"{}\"", "u".repeat(n)))),
        1 => (0..=15usize).prop_map(|n| Bend::Set("messageId", format!("\"{}\"", "m".repeat(n)))),
        1 => (0..=14usize).prop_map(|n| Bend::Set("event", format!("\"{}\"", "e".repeat(n)))),
        1 => (0..=14usize).prop_map(|n| Bend::Set("name", format!("\"{}\"", "p".repeat(n)))),
        1 => (0..=14usize, 0..=14usize, 0..=15usize).prop_map(|(d, o, g)| Bend::Set(
            "context",
            format!(
                "{{\"device\":{{\"type\":\"{}\"}},\"os\":{{\"name\":\"{}\"}},\"groupId\":\"{}\"}}",
                "d".repeat(d), "o".repeat(o), "g".repeat(g)
            ),
        )),
        1 => (0..1000u64).prop_map(|n| Bend::Set("userId", n.to_string())),
        1 => Just(Bend::Set("userId", "\"caf\\u00e9 \\\"x\\\"\"".to_owned())),
        1 => Just(Bend::Set("event", "\"Report\\u0020Run\"".to_owned())),
        1 => Just(Bend::Set("anonymousId", "\"anon_1\"".to_owned())),
        1 => Just(Bend::Set("traits", "{\"plan\":\"pro\",\"n\":[1,{\"x\":2}]}".to_owned())),
        3 => edgy_properties().prop_map(|t| Bend::Set("traits", t)),
        1 => traits().prop_map(|t| Bend::Set("traits", t)),
        1 => (0..=15usize).prop_map(|n| Bend::Set("groupId", format!("\"{}\"", "g".repeat(n)))),
        1 => Just(Bend::Set("type", "\"identify\"".to_owned())),
        1 => Just(Bend::Set("type", "\"group\"".to_owned())),
        1 => Just(Bend::Set("traits", "{\"big\":1e400}".to_owned())),
        1 => Just(Bend::Set(
            "properties",
            "{\"rows\":1,\"rows\":\"2.5\",\"megabytes\":4}".to_owned(),
        )),
        1 => Just(Bend::Set(
            "properties",
            "{\"megabytes\":5,\"n\":3,\"megabytes\":\"7\"}".to_owned(),
        )),
        1 => Just(Bend::Set("integrations", "{\"All\":true,\"x\":[1e400,\"\\ud800\"]}".to_owned())),
        1 => Just(Bend::Set("originalTimestamp", "\"2026-10-30T01:02:03+05:30\"".to_owned())),
        1 => timestamp().prop_map(|t| Bend::Set("timestamp", t)),
        1 => any::<usize>().prop_map(Bend::Remove),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Bend::Swap(a, b)),
    ]
}

/// One change to a line.
#[derive(Debug, Clone)]
enum Bend {
    Set(&'static str, String),
    Remove(usize),
    Duplicate(usize),
    Swap(usize, usize),
}

fn bend() -> impl Strategy<Value = Bend> {
    let field = proptest::sample::select(FIELDS);
    prop_oneof![
        2 => (field.clone(), value()).prop_map(|(k, v)| Bend::Set(k, v)),
        2 => (prop_oneof![Just("userId"), Just("anonymousId"), Just("messageId"), Just("user_id")], id())
            .prop_map(|(k, v)| Bend::Set(k, v)),
        1 => prop_oneof![Just("type"), Just("event"), Just("name")]
            .prop_flat_map(|k| (Just(k), text()))
            .prop_map(|(k, v)| Bend::Set(k, v)),
        1 => proptest::sample::select(&["\"track\"", "\"page\"", "\"screen\"", "\"identify\"", "\"group\"", "\"alias\"", "\"Track\"", "null", "1"][..])
            .prop_map(|t| Bend::Set("type", t.to_owned())),
        2 => (prop_oneof![Just("timestamp"), Just("originalTimestamp")], timestamp())
            .prop_map(|(k, v)| Bend::Set(k, v)),
        3 => context().prop_map(|c| Bend::Set("context", c)),
        3 => properties().prop_map(|p| Bend::Set("properties", p)),
        3 => traits().prop_map(|t| Bend::Set("traits", t)),
        1 => (prop_oneof![Just("groupId"), Just("group_id")], id()).prop_map(|(k, v)| Bend::Set(k, v)),
        1 => any::<usize>().prop_map(Bend::Remove),
        1 => any::<usize>().prop_map(Bend::Duplicate),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Bend::Swap(a, b)),
    ]
}

/// How a bent line is written back.
#[derive(Debug, Clone)]
struct Writing {
    /// Whitespace put around tokens (JSON's four whitespace bytes, and a few that
    /// are not JSON whitespace).
    spaces: Vec<&'static str>,
    /// Cut the line at this byte (if on a char boundary and shorter).
    cut: Option<usize>,
    /// Appended after the object.
    tail: &'static str,
}

fn writing() -> impl Strategy<Value = Writing> {
    (
        proptest::collection::vec(
            prop_oneof![
                12 => Just(""),
                1 => Just(" "),
                1 => Just("\t"),
                1 => Just("\r\n "),
                1 => Just("\u{a0}"),
            ],
            8,
        ),
        prop_oneof![8 => Just(None), 1 => (0..200usize).prop_map(Some)],
        prop_oneof![12 => Just(""), 1 => Just(" \t"), 1 => Just("x"), 1 => Just("}"), 1 => Just("{}")],
    )
        .prop_map(|(spaces, cut, tail)| Writing { spaces, cut, tail })
}

fn write(entries: &[(String, String)], w: &Writing) -> String {
    let sp = |i: usize| w.spaces[i % w.spaces.len()];
    let mut line = format!("{}{{", sp(0));
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            line.push_str(sp(i + 1));
            line.push(',');
        }
        line.push_str(&format!(
            "{}\"{k}\"{}:{}{v}{}",
            sp(i + 2),
            sp(i + 3),
            sp(i + 4),
            sp(i + 5)
        ));
    }
    line.push('}');
    line.push_str(w.tail);
    if let Some(cut) = w
        .cut
        .filter(|&c| c < line.len() && line.is_char_boundary(c))
    {
        line.truncate(cut);
    }
    line
}

fn bent(base: &str, bends: &[Bend], w: &Writing) -> String {
    let mut e = entries(base);
    for b in bends {
        match b {
            Bend::Set(k, v) => match e.iter_mut().find(|(key, _)| key == k) {
                Some(entry) => entry.1 = v.clone(),
                None => e.push(((*k).to_owned(), v.clone())),
            },
            Bend::Remove(i) if !e.is_empty() => {
                e.remove(i % e.len());
            }
            Bend::Duplicate(i) if !e.is_empty() => {
                let entry = e[i % e.len()].clone();
                e.push(entry);
            }
            Bend::Swap(a, b) if !e.is_empty() => {
                let n = e.len();
                e.swap(a % n, b % n);
            }
            _ => {}
        }
    }
    write(&e, w)
}

fn snapshots(engine: &Engine) -> Vec<pulsecheck::Snapshot> {
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    [0, 6, 13]
        .iter()
        .map(|d| engine.snapshot(end - Duration::days(*d)))
        .collect()
}

/// Feeds `lines` to a fast-path engine and a full-path engine of each config,
/// comparing every outcome, then the snapshots and the saved state.
fn same_as_full_path(lines: &[String]) -> Result<(), TestCaseError> {
    for config in configs() {
        let mut fast = Engine::new(config.clone()).unwrap();
        let mut full = Engine::new(config).unwrap();
        for line in lines {
            let expected = full_path(&mut full, line);
            let got = fast.ingest_json(line);
            prop_assert_eq!(&got, &expected, "line: {}", line);
        }
        prop_assert_eq!(snapshots(&fast), snapshots(&full));
        prop_assert_eq!(
            serde_json::to_string(&fast).unwrap(),
            serde_json::to_string(&full).unwrap()
        );
    }
    Ok(())
}

/// Sample lines with mild bends, written plainly.
fn edgy_lines(picks: &[(prop::sample::Index, Vec<Bend>)]) -> Vec<String> {
    let base = base_lines();
    let plain = Writing {
        spaces: vec![""],
        cut: None,
        tail: "",
    };
    picks
        .iter()
        .map(|(i, bends)| bent(&base[i.index(base.len())], bends, &plain))
        .collect()
}

/// Feeds `lines` to two engines of each config, one through the hand-written
/// reader (`ingest_json`), the other through the serde-derive reader it is
/// checked against: where the hand-written reader takes a line, both must read
/// the same call, and every outcome and the final state must be the same.
fn same_as_serde_reader(lines: &[String]) -> Result<(), TestCaseError> {
    for config in configs() {
        let mut fast = Engine::new(config.clone()).unwrap();
        let mut serde = Engine::new(config).unwrap();
        for line in lines {
            let why = readers::disagreement(&fast, line);
            prop_assert!(why.is_none(), "{:?}, line: {}", why, line);
            let expected = readers::ingest_serde(&mut serde, line);
            let got = fast.ingest_json(line);
            prop_assert_eq!(&got, &expected, "line: {}", line);
        }
        prop_assert_eq!(
            serde_json::to_string(&fast).unwrap(),
            serde_json::to_string(&serde).unwrap()
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(128)))]

    /// Hostile variants of realistic lines and made-up `identify` / `group`
    /// lines, through both readers.
    #[test]
    fn bent_lines_match_the_serde_reader(
        picks in proptest::collection::vec(
            (any::<prop::sample::Index>(), proptest::collection::vec(bend(), 0..4), writing()),
            1..12,
        ),
        made in proptest::collection::vec(identify_or_group(), 0..6),
    ) {
        let base = base_lines();
        let mut lines: Vec<String> = picks
            .iter()
            .map(|(i, bends, w)| bent(&base[i.index(base.len())], bends, w))
            .collect();
        lines.extend(made);
        same_as_serde_reader(&lines)?;
    }

    /// Mostly valid lines with values on both sides of every limit.
    #[test]
    fn edgy_lines_match_the_serde_reader(
        picks in proptest::collection::vec(
            (any::<prop::sample::Index>(), proptest::collection::vec(mild_bend(), 1..3)),
            1..16,
        ),
    ) {
        same_as_serde_reader(&edgy_lines(&picks))?;
    }

    /// Any text, and realistic lines with any bytes spliced in.
    #[test]
    fn spliced_lines_match_the_serde_reader(
        noise in proptest::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>(), ".{0,6}"),
            1..8,
        ),
        free in ".{0,40}",
    ) {
        let base = base_lines();
        let mut lines = vec![free];
        for (line, at, insert) in noise {
            let mut line = base[line.index(base.len())].clone();
            let mut at = at.index(line.len() + 1);
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            line.insert_str(at, &insert);
            lines.push(line);
        }
        same_as_serde_reader(&lines)?;
    }
}

/// The whole sample stream, as written, through both readers.
#[test]
fn the_sample_stream_matches_the_serde_reader() {
    same_as_serde_reader(&base_lines()).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(256)))]

    /// Hostile variants of realistic lines, a few at a time (repeats included, so
    /// duplicates are compared too).
    #[test]
    fn bent_lines_match_the_full_path(
        picks in proptest::collection::vec(
            (any::<prop::sample::Index>(), proptest::collection::vec(bend(), 0..4), writing()),
            1..12,
        ),
        repeat in any::<bool>(),
    ) {
        let base = base_lines();
        let mut lines: Vec<String> = picks
            .iter()
            .map(|(i, bends, w)| bent(&base[i.index(base.len())], bends, w))
            .collect();
        if repeat {
            lines.extend(lines.clone());
        }
        same_as_full_path(&lines)?;
    }

    /// Mostly valid lines with values on both sides of every limit.
    #[test]
    fn edgy_lines_match_the_full_path(
        picks in proptest::collection::vec(
            (any::<prop::sample::Index>(), proptest::collection::vec(mild_bend(), 1..3)),
            1..16,
        ),
    ) {
        same_as_full_path(&edgy_lines(&picks))?;
    }

    /// `identify` and `group` lines made from scratch, among a few sample lines
    /// (the users and accounts they name are partly the sample's), a few at a time
    /// and repeated, so that duplicates, trait versions of one day and the
    /// trait-key table's limit are compared too.
    #[test]
    fn identify_and_group_lines_match_the_full_path(
        made in proptest::collection::vec(identify_or_group(), 1..16),
        start in 0..400usize,
        repeat in any::<bool>(),
    ) {
        let base = base_lines();
        let mut lines: Vec<String> = base[start % base.len()..].iter().take(6).cloned().collect();
        lines.extend(made);
        if repeat {
            lines.extend(lines.clone());
        }
        same_as_full_path(&lines)?;
    }

    /// Unchanged sample lines, written back in any key order and spacing.
    #[test]
    fn reordered_lines_match_the_full_path(
        start in 0..400usize,
        order in Just((0..12usize).collect::<Vec<_>>()).prop_shuffle(),
        w in writing().prop_map(|w| Writing { cut: None, tail: "", ..w }),
    ) {
        let base = base_lines();
        let lines: Vec<String> = base[start % base.len()..]
            .iter()
            .take(40)
            .map(|line| {
                let e = entries(line);
                let mut shuffled: Vec<(String, String)> = order
                    .iter()
                    .filter_map(|&i| e.get(i).cloned())
                    .collect();
                shuffled.extend(e.iter().skip(order.len()).cloned());
                write(&shuffled, &w)
            })
            .collect();
        same_as_full_path(&lines)?;
    }
}

/// The whole sample stream, as written, gives the same outcomes and state.
#[test]
fn the_sample_stream_matches_the_full_path() {
    let lines = base_lines();
    same_as_full_path(&lines).unwrap();
}

/// Hand-picked lines at the edges of what the fast path reads, each compared on
/// the sample configuration, the tight one and the default one.
#[test]
fn hostile_lines_match_the_full_path() {
    const TS: &str = r#""timestamp":"2026-10-30T10:00:00Z""#;
    let track = |extra: &str| {
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS}{extra}}}"#)
    };
    let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let identify = |extra: &str| format!(r#"{{"type":"identify","userId":"u1",{TS}{extra}}}"#);
    let traits = |n: usize| {
        let body: Vec<String> = (0..n).map(|i| format!("\"t{i}\":{i}")).collect();
        format!(r#","traits":{{{}}}"#, body.join(","))
    };
    let props = |n: usize| {
        let body: Vec<String> = (0..n).map(|i| format!("\"p{i}\":{i}")).collect();
        format!(r#","properties":{{{}}}"#, body.join(","))
    };
    let mut lines = vec![
        // Escapes in every field the engine reads.
        format!(r#"{{"type":"track","userId":"caf\u00e9 \"u\"","anonymousId":"a\/1","messageId":"m\t1","event":"Report\u0020Run",{TS},"context":{{"groupId":"g\\1","device":{{"type":"mob\u0069le"}},"os":{{"name":"i\u004fS"}}}}}}"#),
        format!(r#"{{"type":"page","userId":"u\ud83d\ude00","name":"P\u00e1gina",{TS}}}"#),
        r#"{"type":"track","userId":"u1","event":"Report Run","timestamp":"2026-10-30T10:00:00\u002e5Z"}"#.to_owned(),
        format!(r#"{{"type":"tr\u0061ck","userId":"u1","event":"Report Run",{TS}}}"#),
        format!(r#"{{"ty\u0070e":"track","userId":"u1","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"\ud800","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"\udc00x","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS},"x":"\ud800"}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS},"x":"\q"}}"#),
        track(r#","properties":{"p":"\udc00"}"#),
        track(r#","properties":{"p":"\ud800x"}"#),
        track(r#","properties":{"p":"\ud800\u0041"}"#),
        track(r#","traits":{"p":["\udfff"]}"#),
        track(r#","integrations":{"p":"\udc00\ud800"}"#),
        format!("{{\"type\":\"track\",\"userId\":\"u\u{1}1\",\"event\":\"Report Run\",{TS}}}"),
        // Numeric and odd ids.
        format!(r#"{{"type":"track","userId":0,"event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":18446744073709551615,"event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":18446744073709551616,"event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":-7,"event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":-0,"event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":1.0,"event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":1e2,"event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":" ","anonymousId":"\u2003","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","messageId":"  ","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","messageId":12,"event":"Report Run",{TS},"context":{{"groupId":34}}}}"#),
        // Shape: order, whitespace, duplicates, aliases, trailing bytes.
        format!(" \t{{ {TS} ,\r\n \"event\" : \"Report Run\" , \"userId\":\"u1\",\"type\":\"track\" }}\r\n"),
        format!(r#"{{"type":"track","user_id":"u1","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","user_id":"u2","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS},{TS}}}"#),
        format!(r#"{{"type":"track","type":"track","userId":"u1","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS},"x":1,"x":2}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS},"context":{{"os":{{"name":"a"}},"os":{{"name":"b"}}}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS}}}x"#),
        format!(r#"{{"type":"track",nope"userId":"u1","event":"Report Run",{TS}}}"#),
        format!(r#"{{x "type":"track","userId":"u1","event":"Report Run",{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS},"context":{{7"os":{{}}}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS}}} {{}}"#),
        format!("\u{feff}{}", track("")),
        format!(r#"["track","u1",null,null,null,"Report Run",null,null,null,"2026-10-30T10:00:00Z"]"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS},}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run",{TS}"#),
        // Wrong types and nulls.
        format!(r#"{{"type":"track","userId":"u1","event":null,{TS}}}"#),
        format!(r#"{{"type":"page","userId":"u1","name":null,"event":7,{TS}}}"#),
        format!(r#"{{"type":"screen","userId":"u1","name":null,{TS}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run","timestamp":null,"originalTimestamp":"2026-10-30T09:00:00Z"}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"Report Run","timestamp":"","originalTimestamp":"2026-10-30T09:00:00Z"}}"#),
        track(r#","context":null"#),
        track(r#","context":[]"#),
        track(r#","context":["g1",["tablet"]]"#),
        track(r#","context":{"device":["tablet"]}"#),
        track(r#","context":{"device":{"type":7}}"#),
        track(r#","context":{"device":{"type":""},"os":{"name":""}}"#),
        track(r#","properties":null,"traits":null"#),
        track(r#","properties":[]"#),
        track(r#","traits":{"a":[1,{"b":1e400}]}"#),
        track(r#","previousId":5,"groupId":"g""#),
        track(r#","previousId":true"#),
        // Numbers where the full path reads them and where it skips them.
        track(r#","properties":{"x":1e308}"#),
        track(r#","properties":{"x":1e309}"#),
        track(r#","properties":{"x":-0.0000000001e-400}"#),
        track(r#","properties":{"x":[1,{"y":2E+400}]}"#),
        track(r#","integrations":{"x":[1e400,-1e999999999999]},"context":{"n":1e400}"#),
        track(r#","x":01"#),
        track(r#","x":1."#),
        track(r#","x":-"#),
        track(r#","x":tru"#),
        // Usage values.
        format!(r#"{{"type":"track","userId":"u1","event":"File Uploaded",{TS},"properties":{{"megabytes":12.5}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"File Uploaded",{TS},"properties":{{"megabytes":"12"}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"File Uploaded",{TS},"properties":{{"megabytes":"a\"b"}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"File Uploaded",{TS},"properties":{{"megabytes":[1]}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"File Uploaded",{TS},"properties":{{"megabytes":1,"megabytes":2}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"File Uploaded",{TS},"properties":{{"mega\u0062ytes":3}}}}"#),
        format!(r#"{{"type":"track","userId":"u1","event":"File Uploaded",{TS},"properties":{{"megabytes":123456789012345678901234567890}}}}"#),
        // Nesting: ignored values at any depth, read values within the limits.
        track(&format!(r#","x":{}"#, nested(64))),
        track(&format!(r#","x":{}"#, nested(65))),
        track(&format!(r#","x":{}"#, nested(200))),
        track(&format!(r#","properties":{{"p":{}}}"#, nested(32))),
        track(&format!(r#","properties":{{"p":{}}}"#, nested(33))),
        track(&format!(r#","traits":{{"p":{}}}"#, nested(100))),
        track(&format!(r#","traits":{{"p":{}}}"#, nested(126))),
        track(&format!(r#","traits":{{"p":{}}}"#, nested(127))),
        // Default limits, on both sides.
        track(&props(256)),
        track(&props(257)),
        track(&format!(r#","properties":{{"{}":1}}"#, "k".repeat(256))),
        track(&format!(r#","properties":{{"{}":1}}"#, "k".repeat(257))),
        track(&format!(r#","properties":{{"s":"{}"}}"#, "x".repeat(8192))),
        track(&format!(r#","properties":{{"s":"{}"}}"#, "x".repeat(8193))),
        track(&format!(r#","properties":{{"s":"{}\n"}}"#, "x".repeat(8191))),
        track(&format!(r#","properties":{{"s":[{}]}}"#, vec!["0"; 1000].join(","))),
        track(&format!(r#","properties":{{"s":[{}]}}"#, vec!["0"; 1001].join(","))),
        track(&format!(r#","properties":{{"s":{{"{}":1}}}}"#, "o".repeat(8193))),
        format!(r#"{{"type":"track","userId":"{}","event":"Report Run",{TS}}}"#, "i".repeat(1024)),
        format!(r#"{{"type":"track","userId":"{}","event":"Report Run",{TS}}}"#, "i".repeat(1025)),
        format!(r#"{{"type":"track","userId":"u1","event":"{}",{TS}}}"#, "e".repeat(257)),
        // Long lines (no quote index) with the same hazards.
        track(&format!(r#","x":"{}","context":{{"device":{{"type":"m\u0069"}}}}"#, "y".repeat(2000))),
        track(&format!(r#","x":"{}\ud800""#, "y".repeat(2000))),
        track(&format!(r#","x":"{}","x2":1e400,"properties":{{"megabytes":2}}"#, "y".repeat(2000))),
        // Identify and group calls: ids, traits of every kind of value.
        identify(r#","traits":{"plan":"pro"}"#),
        identify(r#","anonymousId":"a1","traits":{"firstName":"Ana","first_name":"Ann","createdAt":"2026-10-01"}"#),
        identify(r#","traits":{"n":1,"f":1.0,"e":1e2,"neg":-3,"z":-0,"big":9223372036854775808,"huge":123456789012345678901234567890,"tiny":1e-400,"pi":3.141592653589793238462643}"#),
        identify(r#","traits":{"t":true,"f":false,"n":null,"s":"caf\u00e9 \"x\"","e":"\ud83d\ude00","l":[1,"a",null,[2]],"m":{"a":{"b":[]}}}"#),
        identify(r#","traits":{"m":{"a":1,"a":2,"b":{"c":1,"c":2}}}"#),
        identify(r#","traits":null,"properties":{"x":[1,2]},"context":{"groupId":"ignored","device":{"type":"mobile"}}"#),
        identify(r#","traits":{}"#),
        identify(r#","traits":{"":1}"#),
        identify(r#","traits":{"plan":"free"},"event":"ignored","name":7"#),
        identify(&format!(r#","traits":{{"s":"{}"}}"#, "x".repeat(8192))),
        identify(&format!(r#","traits":{{"s":"{}"}}"#, "x".repeat(8193))),
        identify(&format!(r#","traits":{{"{}":1}}"#, "k".repeat(257))),
        identify(&format!(r#","traits":{{"p":{}}}"#, nested(32))),
        identify(&format!(r#","traits":{{"p":{}}}"#, nested(33))),
        identify(&traits(64)),
        identify(&traits(65)),
        identify(&traits(256)),
        identify(&traits(257)),
        format!(r#"{{"type":"identify","anonymousId":"a2",{TS},"traits":{{"plan":"pro"}}}}"#),
        format!(r#"{{"type":"identify","userId":" ","anonymousId":"",{TS},"traits":{{"plan":"pro"}}}}"#),
        format!(r#"{{"type":"identify","userId":42,"messageId":"mi",{TS},"traits":{{"plan":"pro"}}}}"#),
        format!(r#"{{"type":"identify","userId":"u1","anonymousId":"u1",{TS}}}"#),
        format!(r#"{{"traits":{{"plan":"pro"}},{TS},"userId":"u1","type":"identify"}}"#),
        format!(r#"{{"traits":{{"plan":1e400}},{TS},"userId":"u1","type":"identify"}}"#),
        format!(r#"{{"type":"group","userId":"u1","groupId":"g1",{TS},"traits":{{"plan":"pro","seats":12,"mrr":490.0}}}}"#),
        format!(r#"{{"type":"group","groupId":"g1","messageId":"mg",{TS},"traits":{{"plan":"enterprise"}}}}"#),
        format!(r#"{{"type":"group","anonymousId":"a1","group_id":7,{TS}}}"#),
        format!(r#"{{"type":"group","userId":"u1","groupId":" ",{TS}}}"#),
        format!(r#"{{"type":"group","userId":"u1","groupId":-7,{TS}}}"#),
        format!(r#"{{"type":"group","userId":"u1",{TS},"context":{{"groupId":"g1"}}}}"#),
        format!(r#"{{"type":"group","userId":"u1","groupId":"g1","group_id":"g2",{TS}}}"#),
        format!(r#"{{"type":"group","userId":"u1","groupId":"{}",{TS}}}"#, "g".repeat(1025)),
        format!(r#"{{"type":"group","groupId":"g2","timestamp":"2026-10-30T10:00:00+05:00","originalTimestamp":"bad"}}"#),
        // Hostile traits: repeated keys, escaped keys, traits where they are not read.
        identify(r#","traits":{"plan":"pro","plan":"free"}"#),
        identify(r#","traits":{"plan":"pro","seats":1,"plan":"pro"}"#),
        identify(r#","traits":{"pl\u0061n":"pro"}"#),
        identify(r#","traits":{"plan":"pro"},"traits":{"plan":"pro"}"#),
        identify(r#","traits":["plan"]"#),
        identify(r#","traits":"plan""#),
        track(r#","traits":{}"#),
        // Alias calls take the full path.
        format!(r#"{{"type":"alias","userId":"u1","previousId":"a1",{TS}}}"#),
    ];
    // Each line twice: the second is a duplicate where it has a messageId.
    lines.extend(lines.clone());
    same_as_full_path(&lines).unwrap();
    let mut default = Engine::new(Config::default()).unwrap();
    let mut full = Engine::new(Config::default()).unwrap();
    for line in &lines {
        assert_eq!(
            default.ingest_json(line),
            full_path(&mut full, line),
            "{line:.200}"
        );
    }
    assert_eq!(snapshots(&default), snapshots(&full));
}
