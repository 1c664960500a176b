//! CRM output: identity, change detection, HubSpot and Salesforce bodies (issue 4).

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use pulsecheck::crm::*;
use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};
use rust_decimal::Decimal;
use serde_json::Value as Json;

fn user_schema() -> Arc<Schema> {
    Arc::new(
        Schema::new(RecordKind::User)
            .with("user_id", PropertyType::String)
            .with("email", PropertyType::String)
            .with("account_id", PropertyType::String)
            .with("engagement_score", PropertyType::Int)
            .with(
                "engagement_trend_label",
                PropertyType::enumeration(["rising", "steady", "falling"]),
            )
            .with("last_seen_at", PropertyType::DateTime)
            .with("created_on", PropertyType::Date)
            .with("activated", PropertyType::Bool)
            .with("features_used", PropertyType::StringList)
            .with("raw_score", PropertyType::Number),
    )
}

fn account_schema() -> Arc<Schema> {
    Arc::new(
        Schema::new(RecordKind::Account)
            .with("account_id", PropertyType::String)
            .with("domain", PropertyType::String)
            .with("name", PropertyType::String)
            .with("active_users", PropertyType::Int)
            .with("mrr", PropertyType::Decimal),
    )
}

fn user(schema: &Arc<Schema>, id: &str, email: &str, score: i64) -> Record {
    let mut r = Record::new(schema.clone(), id);
    r.set("user_id", id);
    r.set("email", email);
    r.set("engagement_score", score);
    r.set("engagement_trend_label", "steady");
    r
}

fn account(schema: &Arc<Schema>, id: &str, domain: &str) -> Record {
    let mut r = Record::new(schema.clone(), id);
    r.set("account_id", id);
    r.set("domain", domain);
    r.set("name", id.to_uppercase());
    r.set("active_users", 3);
    r
}

fn users(n: usize) -> Vec<Record> {
    let s = user_schema();
    (0..n)
        .map(|i| {
            user(
                &s,
                &format!("u{i}"),
                &format!("user{i}@acme.com"),
                i as i64 % 100,
            )
        })
        .collect()
}

/// Keyed by email and domain (the defaults are the user and account ids).
fn by_email_domain() -> DiffOptions {
    DiffOptions::new()
        .with_contact_key(ContactKey::Email)
        .with_company_key(CompanyKey::Domain)
}

fn hubspot_json(requests: &[Request]) -> Vec<Json> {
    requests
        .iter()
        .map(|r| serde_json::to_value(r).expect("serializable"))
        .collect()
}

// ---------- identity ----------

#[test]
fn key_normalization_cases() {
    assert_eq!(normalize_email("  Ana@Acme.com "), "ana@acme.com");
    assert_eq!(normalize_domain("https://www.Acme.COM/path"), "acme.com");
    assert_eq!(
        normalize_domain("http://WWW.acme.com:443/x?y#z"),
        "acme.com"
    );
    assert_eq!(normalize_domain("acme.com."), "acme.com");
    assert_eq!(normalize_domain("eu.acme.com"), "eu.acme.com");
    assert_eq!(normalize_domain("Ana@Acme.com"), "acme.com");
    assert_eq!(normalize_domain("www.acme.co.uk"), "acme.co.uk");
    assert_eq!(normalize_domain(""), "");
}

#[test]
fn diff_keys_are_normalized() {
    let us = user_schema();
    let acs = account_schema();
    let u = user(&us, "u1", "  Ana@Acme.com ", 10);
    let a = account(&acs, "acme", "https://www.Acme.COM/path");
    let changes = diff([&u, &a], &SyncState::new(), &by_email_domain());
    assert_eq!(changes.changes(RecordKind::User)[0].key(), "ana@acme.com");
    assert_eq!(changes.changes(RecordKind::Account)[0].key(), "acme.com");

    let changes = diff([&u, &a], &SyncState::new(), &DiffOptions::new());
    assert_eq!(changes.changes(RecordKind::User)[0].key(), "u1");
    assert_eq!(changes.changes(RecordKind::Account)[0].key(), "acme");
}

#[test]
fn free_mail_users_are_not_matched_to_accounts() {
    let us = user_schema();
    let acs = account_schema();
    let accounts = vec![
        account(&acs, "acme", "https://www.acme.com"),
        account(&acs, "gmail_corp", "gmail.com"),
        account(&acs, "twin1", "twin.io"),
        account(&acs, "twin2", "twin.io"),
    ];
    let mut people = vec![
        user(&us, "u1", "Ana@ACME.com", 1),
        user(&us, "u2", "bob@gmail.com", 1),
        user(&us, "u3", "cy@yahoo.com", 1),
        user(&us, "u4", "dee@twin.io", 1),
        user(&us, "u5", "eve@unknown.org", 1),
        user(&us, "u6", "fay@acme.com", 1),
    ];
    people[5].set("account_id", "other");
    let matcher = AccountMatcher::new(&accounts, FreeMailDomains::builtin());
    let report = matcher.apply(&mut people).expect("schema has account_id");

    assert_eq!(report.matched(), &[("u1".to_owned(), "acme".to_owned())]);
    assert_eq!(people[0].get("account_id"), Some(&Value::from("acme")));
    // Free mail is never matched, even though an account claims gmail.com.
    assert_eq!(people[1].get("account_id"), Some(&Value::Null));
    assert_eq!(people[2].get("account_id"), Some(&Value::Null));
    assert!(matches!(
        report.unmatched()[0].1,
        DomainMatch::FreeMail { .. }
    ));
    assert!(
        matches!(report.unmatched()[2].1, DomainMatch::Ambiguous { ref account_ids, .. } if account_ids.len() == 2)
    );
    assert!(matches!(
        report.unmatched()[3].1,
        DomainMatch::NoAccount { .. }
    ));
    // An existing account is never replaced.
    assert_eq!(people[5].get("account_id"), Some(&Value::from("other")));
    assert_eq!(report.already_assigned(), 1);
}

#[test]
fn free_mail_list_is_extensible() {
    let acs = account_schema();
    let accounts = vec![account(&acs, "corp", "corpmail.example")];
    let plain = AccountMatcher::new(&accounts, FreeMailDomains::builtin());
    assert_eq!(
        plain.lookup("x@corpmail.example").account_id(),
        Some("corp")
    );
    let mut free = FreeMailDomains::builtin();
    free.extend(["CorpMail.example"]);
    let extended = AccountMatcher::new(&accounts, free);
    assert!(matches!(
        extended.lookup("x@corpmail.example"),
        DomainMatch::FreeMail { .. }
    ));
    for d in [
        "gmail.com",
        "outlook.com",
        "yahoo.com",
        "hotmail.com",
        "icloud.com",
        "proton.me",
        "gmx.de",
        "qq.com",
        "web.de",
    ] {
        assert!(FreeMailDomains::builtin().contains(d), "{d}");
    }
}

#[test]
fn matching_needs_an_account_id_property() {
    let schema = Arc::new(Schema::new(RecordKind::User).with("email", PropertyType::String));
    let mut u = Record::new(schema, "u1");
    u.set("email", "a@acme.com");
    let err = AccountMatcher::new(&[], FreeMailDomains::none())
        .apply(std::slice::from_mut(&mut u))
        .unwrap_err();
    assert!(err.to_string().contains("account_id"));
}

#[test]
fn missing_key_records_are_reported() {
    let us = user_schema();
    let acs = account_schema();
    let no_email = Record::new(us.clone(), "u1");
    let bad_email = user(&us, "u2", "not-an-email", 1);
    let blank = user(&us, "u3", "   ", 1);
    let first = user(&us, "u4", "dup@acme.com", 1);
    let dup = user(&us, "u5", "DUP@acme.com ", 2);
    let mut no_domain = account(&acs, "a1", "x");
    no_domain.set("domain", Value::Null);
    let changes = diff(
        [&no_email, &bad_email, &blank, &first, &dup, &no_domain],
        &SyncState::new(),
        &by_email_domain(),
    );
    assert_eq!(changes.len(), 1);
    let skipped: Vec<(&str, &SkipReason)> = changes
        .skipped()
        .iter()
        .map(|s| (s.record_id(), s.reason()))
        .collect();
    assert_eq!(skipped.len(), 5);
    assert!(matches!(skipped[0], ("u1", SkipReason::MissingKey { .. })));
    assert!(matches!(skipped[1], ("u2", SkipReason::InvalidKey { .. })));
    assert!(matches!(skipped[2], ("u3", SkipReason::MissingKey { .. })));
    assert!(
        matches!(skipped[3], ("u5", SkipReason::DuplicateKey { kept_record_id, .. }) if kept_record_id == "u4")
    );
    assert!(matches!(skipped[4], ("a1", SkipReason::MissingKey { .. })));
    assert_eq!(changes.skipped()[4].kind(), RecordKind::Account);
}

// ---------- change detection ----------

#[test]
fn first_sync_sends_everything_present() {
    let us = user_schema();
    let mut u = user(&us, "u1", "ana@acme.com", 42);
    u.set_trait("role", "engineer");
    let changes = diff([&u], &SyncState::new(), &DiffOptions::new());
    let c = &changes.changes(RecordKind::User)[0];
    let names: Vec<&str> = c.properties().iter().map(|p| p.name()).collect();
    // Every non-null property, traits included; nulls are not sent.
    assert_eq!(
        names,
        [
            "user_id",
            "email",
            "engagement_score",
            "engagement_trend_label",
            "role"
        ]
    );
    assert_eq!(changes.property_count(), 5);
}

#[test]
fn unchanged_second_sync_sends_nothing() {
    let records = users(50);
    let options = DiffOptions::new();
    let mut state = SyncState::new();
    let first = diff(&records, &state, &options);
    assert_eq!(first.len(), 50);
    state.confirm(&first);
    let second = diff(&records, &state, &options);
    assert!(second.is_empty());
    assert_eq!(second.unchanged(), 50);
}

#[test]
fn one_changed_metric_sends_exactly_that_property() {
    let mut records = users(20);
    let options = DiffOptions::new();
    let mut state = SyncState::new();
    state.confirm(&diff(&records, &state, &options));
    records[7].set("engagement_score", 99);
    let changes = diff(&records, &state, &options);
    assert_eq!(changes.len(), 1);
    let c = &changes.changes(RecordKind::User)[0];
    assert_eq!(c.record_id(), "u7");
    assert_eq!(c.properties().len(), 1);
    assert_eq!(c.get("engagement_score"), Some(&Value::Int(99)));

    let requests = HubSpot::new(HubSpotOptions::new())
        .requests(&changes)
        .expect("valid");
    let json = hubspot_json(&requests);
    assert_eq!(json.len(), 1);
    assert_eq!(
        json[0]["body"],
        serde_json::json!({"inputs":[{"id":"u7","idProperty":"user_id","properties":{"engagement_score":"99"}}]})
    );
}

#[test]
fn failed_send_is_resent() {
    let mut records = users(5);
    let options = DiffOptions::new();
    let mut state = SyncState::new();
    state.confirm(&diff(&records, &state, &options));
    records[2].set("engagement_score", 77);
    let attempt = diff(&records, &state, &options);
    assert_eq!(attempt.len(), 1);
    // The request failed: nothing confirmed, the same change comes out again.
    let retry = diff(&records, &state, &options);
    assert_eq!(
        retry.changes(RecordKind::User),
        attempt.changes(RecordKind::User)
    );
    state.confirm(&retry);
    assert!(diff(&records, &state, &options).is_empty());
}

#[test]
fn confirm_request_confirms_only_that_batch() {
    let records = users(150);
    let options = DiffOptions::new();
    let mut state = SyncState::new();
    let changes = diff(&records, &state, &options);
    let requests = HubSpot::new(HubSpotOptions::new())
        .requests(&changes)
        .expect("valid");
    assert_eq!(requests.len(), 2);
    // Only the second batch succeeded.
    assert_eq!(
        state
            .confirm_request(&changes, &requests[1])
            .expect("same changeset"),
        50
    );
    let again = diff(&records, &state, &options);
    assert_eq!(again.len(), 100);
    assert_eq!(again.changes(RecordKind::User)[0].record_id(), "u0");
    // A request from another changeset is refused.
    assert_eq!(
        state.confirm_request(&again, &requests[0]),
        Err(CrmError::RequestMismatch)
    );
}

#[test]
fn null_over_value_is_not_sent_unless_opted_in() {
    let mut records = users(3);
    let mut state = SyncState::new();
    let options = by_email_domain();
    state.confirm(&diff(&records, &state, &options));
    records[1].set("engagement_score", Value::Null);

    let changes = diff(&records, &state, &options);
    assert!(changes.is_empty(), "null must not overwrite a known value");
    state.confirm(&changes);
    // Still known: the CRM holds the old value.
    assert!(state.has_value(RecordKind::User, "user1@acme.com", "engagement_score"));

    let with_nulls = options.clone().with_send_nulls(true);
    let changes = diff(&records, &state, &with_nulls);
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes.changes(RecordKind::User)[0].get("engagement_score"),
        Some(&Value::Null)
    );
    // Keyed by email: HubSpot matches contacts by email in upserts.
    let json = hubspot_json(
        &HubSpot::new(HubSpotOptions::new().with_upsert(true))
            .requests(&changes)
            .expect("valid"),
    );
    assert_eq!(json[0]["path"], "/crm/v3/objects/contacts/batch/upsert");
    assert_eq!(json[0]["body"]["inputs"][0]["idProperty"], "email");
    assert_eq!(
        json[0]["body"]["inputs"][0]["properties"]["engagement_score"],
        ""
    );
    state.confirm(&changes);
    assert!(!state.has_value(RecordKind::User, "user1@acme.com", "engagement_score"));
    assert!(diff(&records, &state, &with_nulls).is_empty());

    // The value comes back after a period of null without nulls sent: still equal to
    // what the CRM holds, nothing to send.
    let mut records2 = users(3);
    let mut state2 = SyncState::new();
    state2.confirm(&diff(&records2, &state2, &options));
    records2[0].set("engagement_score", Value::Null);
    state2.confirm(&diff(&records2, &state2, &options));
    records2[0].set("engagement_score", 0);
    assert!(diff(&records2, &state2, &options).is_empty());
}

#[test]
fn changing_the_value_back_and_forth_sends_each_change() {
    let mut records = users(1);
    let options = DiffOptions::new();
    let mut state = SyncState::new();
    state.confirm(&diff(&records, &state, &options));
    for score in [5, 6, 5] {
        records[0].set("engagement_score", score);
        let c = diff(&records, &state, &options);
        assert_eq!(c.property_count(), 1);
        state.confirm(&c);
    }
}

#[test]
fn selection_and_renaming_apply_to_the_changeset() {
    let records = users(1);
    let options = DiffOptions::new().with_properties(
        PropertyMap::all()
            .prefix("pc_")
            .exclude(["user_id"])
            .rename("engagement_score", "pulse_score"),
    );
    let changes = diff(&records, &SyncState::new(), &options);
    let names: Vec<&str> = changes.changes(RecordKind::User)[0]
        .properties()
        .iter()
        .map(|p| p.name())
        .collect();
    assert_eq!(
        names,
        ["pc_email", "pulse_score", "pc_engagement_trend_label"]
    );
}

#[test]
fn renaming_resends_under_the_new_name() {
    let records = users(2);
    let mut state = SyncState::new();
    let old = DiffOptions::new();
    state.confirm(&diff(&records, &state, &old));
    let renamed = DiffOptions::new()
        .with_properties(PropertyMap::all().rename("engagement_score", "pulse_score"));
    let changes = diff(&records, &state, &renamed);
    assert_eq!(changes.len(), 2);
    assert_eq!(changes.property_count(), 2);
    assert!(
        changes.changes(RecordKind::User)[0]
            .get("pulse_score")
            .is_some()
    );
}

#[test]
fn state_serde_round_trip() {
    let mut records = users(10);
    let acs = account_schema();
    let mut acme = account(&acs, "acme", "acme.com");
    acme.set("mrr", Decimal::new(12_950, 2));
    records[3].set(
        "last_seen_at",
        Utc.timestamp_millis_opt(1_790_000_000_123)
            .single()
            .expect("instant"),
    );
    let options = DiffOptions::new();
    let mut state = SyncState::new();
    state.confirm(&diff(records.iter().chain([&acme]), &state, &options));

    let text = serde_json::to_string(&state).expect("serializable");
    let back: SyncState = serde_json::from_str(&text).expect("loads");
    assert_eq!(back, state);
    assert_eq!(
        serde_json::to_string(&back).expect("serializable"),
        text,
        "stable bytes"
    );
    assert!(diff(records.iter().chain([&acme]), &back, &options).is_empty());

    // Tampered states are rejected with a reason.
    let bad = text.replacen("\"version\":2", "\"version\":9", 1);
    let err = serde_json::from_str::<SyncState>(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("version 9"), "{err}");

    // A state of the former format (fingerprints of the former function) loads,
    // and the next diff sends every record again, with every property.
    let former: SyncState =
        serde_json::from_str(&text.replacen("\"version\":2", "\"version\":1", 1)).expect("loads");
    assert_eq!(former, back, "the same fingerprints, read as they are");
}

/// A state written by the former fingerprint function: every stored fingerprint
/// differs from today's, so every record and property is sent once more.
#[test]
fn a_former_format_state_resends_everything_once() {
    let records = users(3);
    let options = DiffOptions::new();
    let mut state = SyncState::new();
    state.confirm(&diff(&records, &state, &options));
    let text = serde_json::to_string(&state).expect("serializable");
    let scrambled = scramble_fingerprints(&text).replacen("\"version\":2", "\"version\":1", 1);
    let former: SyncState = serde_json::from_str(&scrambled).expect("a format-1 state loads");
    let again = diff(&records, &former, &options);
    let fresh = diff(&records, &SyncState::new(), &options);
    assert_eq!(again.len(), fresh.len());
    assert!(!again.is_empty());
}

/// Replaces every number longer than six digits (the fingerprints) by another.
fn scramble_fingerprints(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() {
            digits.push(ch);
            continue;
        }
        if digits.len() > 6 {
            let n: u64 = digits.parse().unwrap_or(0);
            out.push_str(&(n ^ 0x5555).to_string());
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        out.push(ch);
    }
    out.pop();
    out
}

#[test]
fn changeset_serde_round_trip() {
    let records = users(3);
    let changes = diff(&records, &SyncState::new(), &DiffOptions::new());
    let text = serde_json::to_string(&changes).expect("serializable");
    let back: Changeset = serde_json::from_str(&text).expect("loads");
    assert_eq!(
        back.changes(RecordKind::User),
        changes.changes(RecordKind::User)
    );
}

// ---------- HubSpot ----------

#[test]
fn hubspot_chunking_is_exact() {
    let hs = HubSpot::new(HubSpotOptions::new());
    for (n, expected) in [
        (1, vec![1]),
        (100, vec![100]),
        (101, vec![100, 1]),
        (250, vec![100, 100, 50]),
    ] {
        let records = users(n);
        let changes = diff(&records, &SyncState::new(), &DiffOptions::new());
        let requests = hs.requests(&changes).expect("valid");
        let sizes: Vec<usize> = requests.iter().map(Request::len).collect();
        assert_eq!(sizes, expected, "{n} records");
    }
    assert!(
        hs.requests(&diff(&users(0), &SyncState::new(), &DiffOptions::new()))
            .expect("valid")
            .is_empty()
    );
}

#[test]
fn hubspot_encodings() {
    let us = user_schema();
    let mut u = user(&us, "u1", "ana@acme.com", 73);
    u.set(
        "created_on",
        NaiveDate::from_ymd_opt(2015, 5, 1).expect("date"),
    );
    u.set(
        "last_seen_at",
        Utc.timestamp_millis_opt(1_427_997_766_000)
            .single()
            .expect("instant"),
    );
    u.set("activated", true);
    u.set(
        "features_used",
        Value::string_list(["reporting", "planning"]),
    );
    u.set("raw_score", 12.5);
    let acs = account_schema();
    let mut a = account(&acs, "acme", "acme.com");
    a.set("mrr", Decimal::new(100_050, 2));
    let changes = diff([&u, &a], &SyncState::new(), &DiffOptions::new());
    let requests = HubSpot::new(HubSpotOptions::new())
        .requests(&changes)
        .expect("valid");
    let json = hubspot_json(&requests);
    let props = &json[0]["body"]["inputs"][0]["properties"];
    assert_eq!(props["created_on"], "1430438400000");
    assert_eq!(props["last_seen_at"], "1427997766000");
    assert_eq!(props["activated"], "true");
    assert_eq!(props["features_used"], "reporting;planning");
    assert_eq!(props["engagement_score"], "73");
    assert_eq!(props["raw_score"], "12.5");
    assert_eq!(hubspot_value(&Value::Bool(false)).as_deref(), Some("false"));
    let company = &json[1];
    assert_eq!(company["path"], "/crm/v3/objects/companies/batch/update");
    assert_eq!(company["body"]["inputs"][0]["idProperty"], "account_id");
    assert_eq!(company["body"]["inputs"][0]["id"], "acme");
    assert_eq!(company["body"]["inputs"][0]["properties"]["mrr"], "1000.50");
    assert_eq!(
        company["body"]["inputs"][0]["properties"]["active_users"],
        "3"
    );
}

/// Validates one HubSpot batch update request against the documented shape.
fn assert_hubspot_shape(request: &Json, object: &str, id_property: Option<&str>) {
    let obj = request.as_object().expect("object");
    assert_eq!(obj.len(), 3, "method, path, body only: {request}");
    assert_eq!(request["method"], "POST");
    assert_eq!(
        request["path"],
        format!("/crm/v3/objects/{object}/batch/update")
    );
    let body = request["body"].as_object().expect("body object");
    assert_eq!(body.keys().collect::<Vec<_>>(), ["inputs"]);
    let inputs = body["inputs"].as_array().expect("inputs array");
    assert!(!inputs.is_empty() && inputs.len() <= 100);
    for input in inputs {
        let input = input.as_object().expect("input object");
        assert!(input["id"].is_string());
        match id_property {
            Some(p) => assert_eq!(input["idProperty"], p),
            None => assert!(!input.contains_key("idProperty")),
        }
        for key in input.keys() {
            assert!(
                ["id", "idProperty", "properties"].contains(&key.as_str()),
                "unexpected {key}"
            );
        }
        let props = input["properties"].as_object().expect("properties object");
        for (name, value) in props {
            assert!(validate_name(Crm::HubSpot, name).is_ok(), "{name}");
            assert!(value.is_string(), "{name} = {value} must be a string");
        }
    }
}

#[test]
fn hubspot_output_matches_request_shape() {
    let us = user_schema();
    let acs = account_schema();
    let mut records: Vec<Record> = (0..130)
        .map(|i| user(&us, &format!("u{i}"), &format!("U{i}@Acme.com"), i))
        .collect();
    records[0].set("activated", false);
    records[1].set("features_used", Value::string_list(["a"]));
    let accounts: Vec<Record> = (0..3)
        .map(|i| account(&acs, &format!("a{i}"), &format!("https://a{i}.io")))
        .collect();
    let options = DiffOptions::new().with_properties(PropertyMap::all().prefix("pc_"));
    let changes = diff(records.iter().chain(&accounts), &SyncState::new(), &options);

    let json = hubspot_json(
        &HubSpot::new(HubSpotOptions::new())
            .requests(&changes)
            .expect("valid"),
    );
    assert_eq!(json.len(), 3);
    assert_hubspot_shape(&json[0], "contacts", Some("pc_user_id"));
    assert_hubspot_shape(&json[1], "contacts", Some("pc_user_id"));
    assert_hubspot_shape(&json[2], "companies", Some("pc_account_id"));

    let by_record_id = HubSpot::new(
        HubSpotOptions::new()
            .with_contact_id_property(IdProperty::RecordId)
            .with_company_id_property(IdProperty::RecordId),
    );
    let json = hubspot_json(&by_record_id.requests(&changes).expect("valid"));
    assert_hubspot_shape(&json[0], "contacts", None);

    // Keyed by user id: the id property is the CRM name of `user_id` (a unique custom property).
    assert_eq!(json[0]["body"]["inputs"][0]["id"], "u0");

    #[cfg(feature = "json")]
    {
        let requests = HubSpot::new(HubSpotOptions::new())
            .requests(&changes)
            .expect("valid");
        let line = requests[0].to_json().expect("encodes");
        assert!(line.starts_with(r#"{"method":"POST","path":"/crm/v3/objects/contacts/batch/update","body":{"inputs":["#), "{line}");
        assert!(!line.contains('\n'));
        let back: Request = serde_json::from_str(&line).expect("parses back");
        assert_eq!(back.path(), requests[0].path());
        assert_eq!(back.body(), requests[0].body());
    }
}

#[test]
fn hubspot_refuses_id_properties_it_does_not_match_by() {
    let us = user_schema();
    let acs = account_schema();
    let u = user(&us, "u1", "ana@acme.com", 1);
    let a = account(&acs, "acme", "acme.com");
    let changes = diff([&a], &SyncState::new(), &by_email_domain());
    // A company's domain is not unique in HubSpot: never an idProperty.
    for options in [
        HubSpotOptions::new(),
        HubSpotOptions::new().with_upsert(true),
    ] {
        let err = HubSpot::new(options).requests(&changes).unwrap_err();
        assert!(
            matches!(&err, CrmError::NonUniqueIdProperty { kind: RecordKind::Account, property, .. } if property == "domain"),
            "{err}"
        );
        assert!(
            err.to_string().contains("AccountId"),
            "names the fix: {err}"
        );
    }
    let explicit =
        HubSpotOptions::new().with_company_id_property(IdProperty::Property("domain".into()));
    let by_id = diff([&a], &SyncState::new(), &DiffOptions::new());
    assert!(HubSpot::new(explicit).requests(&by_id).is_err());
    // A contact's email: upserts only.
    let contacts = diff([&u], &SyncState::new(), &by_email_domain());
    let err = HubSpot::new(HubSpotOptions::new())
        .requests(&contacts)
        .unwrap_err();
    assert!(
        matches!(&err, CrmError::NonUniqueIdProperty { kind: RecordKind::User, property, .. } if property == "email"),
        "{err}"
    );
    let upserts = HubSpot::new(HubSpotOptions::new().with_upsert(true))
        .requests(&contacts)
        .expect("email matches in upserts");
    assert_eq!(upserts[0].path(), "/crm/v3/objects/contacts/batch/upsert");
}

#[test]
fn id_property_is_not_repeated_in_properties() {
    let records = users(1);
    let changes = diff(&records, &SyncState::new(), &DiffOptions::new());
    let json = hubspot_json(
        &HubSpot::new(HubSpotOptions::new())
            .requests(&changes)
            .expect("valid"),
    );
    let props = json[0]["body"]["inputs"][0]["properties"]
        .as_object()
        .expect("object");
    assert!(!props.contains_key("user_id"));
    assert!(props.contains_key("email"));
}

#[test]
fn hubspot_invalid_names_are_typed_errors() {
    let us = user_schema();
    let mut u = user(&us, "u1", "a@acme.com", 1);
    u.set_trait("companyName", "Acme");
    u.set_trait("2fa_enabled", true);
    let changes = diff([&u], &SyncState::new(), &DiffOptions::new());
    let err = HubSpot::new(HubSpotOptions::new())
        .requests(&changes)
        .unwrap_err();
    match &err {
        CrmError::InvalidPropertyNames { crm, errors, .. } => {
            assert_eq!(*crm, Crm::HubSpot);
            assert_eq!(errors.len(), 2);
            assert_eq!(errors[0].name(), "companyName");
            assert!(matches!(
                errors[0].rule(),
                NameRule::ForbiddenCharacter { found: 'N', .. }
            ));
            assert!(matches!(
                errors[1].rule(),
                NameRule::MustStartWithLetter { found: '2', .. }
            ));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("companyName"), "{err}");
    // Excluding them fixes it.
    let options = DiffOptions::new()
        .with_properties(PropertyMap::all().exclude(["companyName", "2fa_enabled"]));
    let changes = diff([&u], &SyncState::new(), &options);
    assert!(
        HubSpot::new(HubSpotOptions::new())
            .requests(&changes)
            .is_ok()
    );
}

#[test]
fn naming_rules() {
    assert!(validate_name(Crm::HubSpot, &"a".repeat(100)).is_ok());
    assert!(matches!(
        validate_name(Crm::HubSpot, &"a".repeat(101)),
        Err(NameRule::TooLong {
            max: 100,
            len: 101,
            ..
        })
    ));
    assert_eq!(validate_name(Crm::HubSpot, ""), Err(NameRule::Empty));
    assert!(matches!(
        validate_name(Crm::HubSpot, "_x"),
        Err(NameRule::MustStartWithLetter { .. })
    ));
    assert!(matches!(
        validate_name(Crm::HubSpot, "a-b"),
        Err(NameRule::ForbiddenCharacter { found: '-', .. })
    ));

    let forty = format!("{}__c", "a".repeat(40));
    assert!(validate_name(Crm::Salesforce, &forty).is_ok());
    let forty_one = format!("{}__c", "a".repeat(41));
    assert!(matches!(
        validate_name(Crm::Salesforce, &forty_one),
        Err(NameRule::TooLong {
            max: 40,
            len: 41,
            ..
        })
    ));
    assert_eq!(
        validate_name(Crm::Salesforce, "score___c"),
        Err(NameRule::TrailingUnderscore)
    );
    assert_eq!(
        validate_name(Crm::Salesforce, "a__b__c"),
        Err(NameRule::DoubleUnderscore)
    );
    assert!(validate_name(Crm::Salesforce, "Email").is_ok());
    assert!(matches!(
        validate_name(Crm::Salesforce, "1st__c"),
        Err(NameRule::MustStartWithLetter { .. })
    ));

    // Collisions and schema-wide validation.
    let schema = Schema::new(RecordKind::User)
        .with("score", PropertyType::Int)
        .with("points", PropertyType::Int);
    let map = PropertyMap::all().rename("points", "score");
    let err = map.validate(Crm::HubSpot, &schema).unwrap_err();
    assert!(
        matches!(err, CrmError::InvalidPropertyNames { ref errors, .. }
        if matches!(errors[0].rule(), NameRule::Collision { .. }))
    );
    let long = Schema::new(RecordKind::User).with(
        "engagement_score_previous_window_growth_pct",
        PropertyType::Int,
    );
    assert!(
        PropertyMap::salesforce()
            .validate(Crm::Salesforce, &long)
            .is_err()
    );
    assert!(
        PropertyMap::salesforce()
            .validate(Crm::Salesforce, &user_schema())
            .is_ok()
    );
    assert!(
        PropertyMap::all()
            .prefix("pc_")
            .validate(Crm::HubSpot, &user_schema())
            .is_ok()
    );
}

#[test]
fn hubspot_property_definitions() {
    let schema = Schema::new(RecordKind::User)
        .with("engagement_score", PropertyType::Int)
        .with(
            "lifecycle_stage",
            PropertyType::enumeration(["new", "active", "dormant"]),
        )
        .with("activated", PropertyType::Bool)
        .with("segments", PropertyType::StringList)
        .with("device_types", PropertyType::StringList)
        .with("created_on", PropertyType::Date)
        .with("last_seen_at", PropertyType::DateTime)
        .with("greeting_name", PropertyType::String);
    let hs =
        HubSpot::new(HubSpotOptions::new().with_list_options("segments", ["at_risk", "champion"]));
    let defs = hs
        .property_definitions(&schema, &PropertyMap::all().prefix("pc_"))
        .expect("valid");
    let summary: Vec<(&str, &str, &str, usize)> = defs
        .iter()
        .map(|d| {
            (
                d.name(),
                d.property_type(),
                d.field_type(),
                d.options().len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("pc_engagement_score", "number", "number", 0),
            ("pc_lifecycle_stage", "enumeration", "select", 3),
            ("pc_activated", "enumeration", "booleancheckbox", 2),
            ("pc_segments", "enumeration", "checkbox", 2),
            ("pc_device_types", "string", "textarea", 0),
            ("pc_created_on", "date", "date", 0),
            ("pc_last_seen_at", "datetime", "date", 0),
            ("pc_greeting_name", "string", "text", 0),
        ]
    );
    assert_eq!(defs[0].label(), "Engagement score");
    assert_eq!(defs[0].group_name(), "pulsecheck");
    let requests = hs
        .property_requests(&schema, &PropertyMap::all().prefix("pc_"))
        .expect("valid");
    let json = serde_json::to_value(&requests[0]).expect("serializable");
    assert_eq!(json["path"], "/crm/v3/properties/contacts/batch/create");
    assert_eq!(
        json["body"]["inputs"][1]["options"][0],
        serde_json::json!({"label":"New","value":"new","displayOrder":0,"hidden":false})
    );
    assert_eq!(json["body"]["inputs"][0]["fieldType"], "number");
    assert!(json["body"]["inputs"][0].get("options").is_none());
    // Invalid names are refused before any definition is built.
    let bad = Schema::new(RecordKind::User).with("Score", PropertyType::Int);
    assert!(hs.property_definitions(&bad, &PropertyMap::all()).is_err());
}

#[test]
fn hubspot_options_are_validated() {
    assert!(HubSpotOptions::new().with_batch_size(0).is_err());
    assert!(HubSpotOptions::new().with_batch_size(100).is_ok());
    let records = users(3);
    let changes = diff(&records, &SyncState::new(), &DiffOptions::new());
    let upsert_by_record_id = HubSpot::new(
        HubSpotOptions::new()
            .with_upsert(true)
            .with_contact_id_property(IdProperty::RecordId),
    );
    assert!(matches!(
        upsert_by_record_id.requests(&changes),
        Err(CrmError::InvalidOption {
            option: "upsert",
            ..
        })
    ));
    let upsert = HubSpot::new(
        HubSpotOptions::new()
            .with_upsert(true)
            .with_batch_size(2)
            .expect("valid"),
    );
    let requests = upsert.requests(&changes).expect("valid");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path(), "/crm/v3/objects/contacts/batch/upsert");
}

#[test]
fn non_finite_numbers_are_errors_not_panics() {
    let us = user_schema();
    let mut u = user(&us, "u1", "a@acme.com", 1);
    u.set("raw_score", f64::INFINITY);
    let changes = diff([&u], &SyncState::new(), &DiffOptions::new());
    let err = HubSpot::new(HubSpotOptions::new())
        .requests(&changes)
        .unwrap_err();
    assert!(
        matches!(err, CrmError::NonFiniteNumber { ref property, .. } if property == "raw_score")
    );
    let sf = DiffOptions::new().with_properties(PropertyMap::salesforce());
    let err = Salesforce::new(SalesforceOptions::new())
        .requests(&diff([&u], &SyncState::new(), &sf))
        .unwrap_err();
    assert!(matches!(err, CrmError::NonFiniteNumber { .. }));
}

// ---------- Salesforce ----------

#[test]
fn salesforce_chunking_is_exact() {
    let sf = Salesforce::new(SalesforceOptions::new());
    let options = DiffOptions::new().with_properties(PropertyMap::salesforce());
    for (n, expected) in [(200, vec![200]), (201, vec![200, 1]), (400, vec![200, 200])] {
        let records = users(n);
        let changes = diff(&records, &SyncState::new(), &options);
        let sizes: Vec<usize> = sf
            .requests(&changes)
            .expect("valid")
            .iter()
            .map(Request::len)
            .collect();
        assert_eq!(sizes, expected, "{n} records");
    }
}

#[test]
fn salesforce_request_shape_and_encodings() {
    let us = user_schema();
    let mut u = user(&us, "u1", " Ana@Acme.com", 73);
    u.set(
        "created_on",
        NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
    );
    u.set(
        "last_seen_at",
        Utc.timestamp_millis_opt(1_793_474_690_268)
            .single()
            .expect("instant"),
    );
    u.set("activated", true);
    u.set(
        "features_used",
        Value::string_list(["reporting", "planning"]),
    );
    let options = DiffOptions::new().with_properties(PropertyMap::salesforce().prefix("pc_"));
    let changes = diff([&u], &SyncState::new(), &options);
    let sf = Salesforce::new(
        SalesforceOptions::new()
            .with_api_version("v61.0")
            .expect("valid"),
    );
    let requests = sf.requests(&changes).expect("valid");
    let json = serde_json::to_value(&requests[0]).expect("serializable");
    assert_eq!(json["method"], "PATCH");
    assert_eq!(
        json["path"],
        "/services/data/v61.0/composite/sobjects/Contact/pc_user_id__c"
    );
    assert_eq!(json["body"]["allOrNone"], false);
    let rec = &json["body"]["records"][0];
    assert_eq!(rec["attributes"], serde_json::json!({"type": "Contact"}));
    assert_eq!(rec["pc_user_id__c"], "u1", "external id is the key");
    assert_eq!(rec["pc_email__c"], " Ana@Acme.com", "sent as it is");
    assert_eq!(rec["pc_engagement_score__c"], 73);
    assert_eq!(rec["pc_created_on__c"], "2026-10-31");
    assert_eq!(rec["pc_last_seen_at__c"], "2026-10-31T19:24:50.268Z");
    assert_eq!(rec["pc_activated__c"], true);
    assert_eq!(rec["pc_features_used__c"], "reporting;planning");

    let custom = Salesforce::new(
        SalesforceOptions::new()
            .with_contact_sobject("Lead")
            .expect("valid")
            .with_contact_external_id("Pulse_Id__c"),
    );
    let json =
        serde_json::to_value(&custom.requests(&changes).expect("valid")[0]).expect("serializable");
    assert_eq!(
        json["path"],
        "/services/data/v62.0/composite/sobjects/Lead/Pulse_Id__c"
    );
    assert_eq!(json["body"]["records"][0]["Pulse_Id__c"], "u1");
    assert!(
        SalesforceOptions::new()
            .with_contact_sobject("Bad Name")
            .is_err()
    );
    assert!(SalesforceOptions::new().with_batch_size(201).is_err());
}

// ---------- properties ----------

fn arb_records() -> impl Strategy<Value = Vec<(u8, Option<i64>, Option<String>, bool)>> {
    proptest::collection::vec(
        (
            any::<u8>(),
            proptest::option::of(-5i64..5),
            proptest::option::of("[a-c]{0,3}"),
            any::<bool>(),
        ),
        0..60,
    )
}

fn build(rows: &[(u8, Option<i64>, Option<String>, bool)]) -> Vec<Record> {
    let s = user_schema();
    rows.iter()
        .map(|(id, score, label, act)| {
            let mut r = Record::new(s.clone(), format!("u{id}"));
            r.set("email", format!("u{id}@x.io"));
            r.set("engagement_score", *score);
            r.set("engagement_trend_label", label.clone());
            r.set("activated", *act);
            r
        })
        .collect()
}

proptest! {
    #[test]
    fn diff_after_confirm_is_empty(rows in arb_records(), nulls in any::<bool>()) {
        let records = build(&rows);
        let options = DiffOptions::new().with_send_nulls(nulls);
        let mut state = SyncState::new();
        state.confirm(&diff(&records, &state, &options));
        let again = diff(&records, &state, &options);
        prop_assert!(again.is_empty());
    }

    #[test]
    fn confirm_then_change_sends_only_changes(before in arb_records(), after_scores in proptest::collection::vec(proptest::option::of(-5i64..5), 60)) {
        let mut records = build(&before);
        let options = by_email_domain();
        let mut state = SyncState::new();
        state.confirm(&diff(&records, &state, &options));
        // Duplicated keys: the first record is the one diffed and confirmed.
        let mut sent_before: std::collections::HashMap<String, Value> = std::collections::HashMap::new();
        for r in &records {
            sent_before.entry(r.id().to_owned())
                .or_insert_with(|| r.get("engagement_score").cloned().unwrap_or_default());
        }
        for (r, s) in records.iter_mut().zip(&after_scores) {
            r.set("engagement_score", *s);
        }
        let changes = diff(&records, &state, &options);
        for c in changes.iter() {
            // Only the score can differ, and only to a non-null value.
            prop_assert_eq!(c.properties().len(), 1);
            prop_assert!(!c.properties()[0].value().is_null());
        }
        // Every record whose score moved to a new non-null value is present (first
        // occurrence of each key only: duplicates are skipped).
        let mut seen = std::collections::HashSet::new();
        for r in &records {
            if !seen.insert(r.id().to_owned()) { continue; }
            let now = r.get("engagement_score").cloned().unwrap_or_default();
            let was = &sent_before[r.id()];
            let expected = !now.is_null() && &now != was;
            let key = format!("{}@x.io", r.id());
            prop_assert_eq!(changes.get(RecordKind::User, &key).is_some(), expected);
        }
    }

    #[test]
    fn chunking_partitions_exactly(n in 0usize..450, size in 1usize..=100) {
        let records = users(n);
        let changes = diff(&records, &SyncState::new(), &DiffOptions::new());
        let hs = HubSpot::new(HubSpotOptions::new().with_batch_size(size).expect("valid"));
        let requests = hs.requests(&changes).expect("valid");
        let mut ids = Vec::new();
        for r in &requests {
            prop_assert!(!r.is_empty() && r.len() <= size);
            if let RequestBody::HubSpotBatchUpdate(b) = r.body() {
                ids.extend(b.inputs().iter().map(|i| i.id().to_owned()));
            }
        }
        let expected: Vec<String> = changes.changes(RecordKind::User).iter().map(|c| c.key().to_owned()).collect();
        prop_assert_eq!(ids, expected);
        prop_assert_eq!(requests.len(), n.div_ceil(size));
        // Confirming every request equals confirming the changeset.
        let mut per_request = SyncState::new();
        for r in &requests {
            per_request.confirm_request(&changes, r).expect("same changeset");
        }
        let mut whole = SyncState::new();
        whole.confirm(&changes);
        prop_assert_eq!(per_request, whole);
    }

    #[test]
    fn normalize_domain_is_idempotent(s in "[ -~]{0,40}") {
        let once = normalize_domain(&s);
        prop_assert_eq!(normalize_domain(&once), once.clone());
        prop_assert!(!once.starts_with("www."));
        prop_assert!(!once.contains('/'));
    }

    #[test]
    fn normalize_email_is_idempotent(s in "\\PC{0,30}") {
        let once = normalize_email(&s);
        prop_assert_eq!(normalize_email(&once), once);
    }
}

#[test]
fn public_types_are_send_sync() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<SyncState>();
    check::<Changeset>();
    check::<Request>();
    check::<HubSpot>();
    check::<Salesforce>();
    check::<AccountMatcher>();
    check::<DiffOptions>();
    check::<CrmError>();
}
