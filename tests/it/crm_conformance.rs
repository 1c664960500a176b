//! CRM output that HubSpot and Salesforce accept as sent (issue 17).
//!
//! Every body the crate builds for the embedded sample (HubSpot batch updates and
//! upserts, property groups and definitions; Salesforce upserts and field
//! definitions) is validated with a JSON-Schema validator:
//!
//! - always against the request shapes restated below (our reading of HubSpot's
//!   published OpenAPI specification, tightened where HubSpot's prose says more than
//!   its schema: options required for enumerations, at most 100 inputs, no unknown
//!   keys);
//! - and against the request-body schemas extracted from HubSpot's published
//!   specification itself, when they are present: `PULSECHECK_HUBSPOT_SPEC_DIR`, else
//!   `shared/hubspot-spec/` beside the repository (see `tests/hubspot-spec/README.md`
//!   for where they come from and how they are made). With
//!   `PULSECHECK_REQUIRE_HUBSPOT_SPEC=1` their absence is a failure.
//!
//! It also asserts what the issue lists: records are matched only by unique
//! properties (never a company's `domain`), every property sent is defined or a
//! built-in mapped on purpose, no built-in is defined, no enumeration lacks options.
#![cfg(feature = "json")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use pulsecheck::crm::{
    CompanyKey, ContactKey, DiffOptions, HUBSPOT_ACCOUNT_ID_PROPERTY, HUBSPOT_USER_ID_PROPERTY,
    HubSpot, HubSpotOptions, PropertyMap, Request, Salesforce, SalesforceOptions, SyncState, diff,
    is_hubspot_builtin,
};
use pulsecheck::sample::{self, Sample};
use pulsecheck::{Engine, PropertyType, RecordKind, Snapshot};
use serde_json::{Value as Json, json};

/// The sample's engine and its snapshot on the last day.
fn sample_snapshot() -> (Engine, Snapshot) {
    let sample = Sample::new();
    let mut engine = Engine::new(sample::config()).expect("sample config is valid");
    for call in sample.calls() {
        engine.ingest(&call).expect("sample calls are accepted");
    }
    let snapshot = engine.snapshot(sample.end());
    (engine, snapshot)
}

fn to_json(requests: &[Request]) -> Vec<Json> {
    requests
        .iter()
        .map(|r| serde_json::to_value(r).expect("serializable"))
        .collect()
}

fn object_of(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::User => "contacts",
        RecordKind::Account => "companies",
    }
}

/// The HubSpot bodies of the sample: updates and upserts of the changes (keyed by id,
/// and contacts by email in upserts), and the set-up requests.
struct HubSpotOutput {
    /// `(object, request)` of every batch update or upsert.
    batches: Vec<(RecordKind, Json)>,
    /// Every set-up request (groups, then definitions), per kind.
    schema: Vec<(RecordKind, Json)>,
}

fn hubspot_output() -> HubSpotOutput {
    let (engine, snapshot) = sample_snapshot();
    let map = PropertyMap::hubspot();
    let by_id = DiffOptions::new().with_properties(map.clone());
    let by_email = by_id.clone().with_contact_key(ContactKey::Email);
    let mut batches = Vec::new();
    for (options, hubspot) in [
        (&by_id, HubSpot::new(HubSpotOptions::new())),
        (
            &by_id,
            HubSpot::new(HubSpotOptions::new().with_upsert(true)),
        ),
        (
            &by_email,
            HubSpot::new(HubSpotOptions::new().with_upsert(true)),
        ),
    ] {
        let changes = diff(snapshot.records(), &SyncState::new(), options);
        if options.contact_key() == ContactKey::UserId {
            assert!(changes.skipped().is_empty(), "{:?}", changes.skipped());
        }
        let requests = hubspot.requests(&changes).expect("valid requests");
        for (request, json) in requests.iter().zip(to_json(&requests)) {
            batches.push((request.kind().expect("records"), json));
        }
    }
    let mut schema = Vec::new();
    for kind in [RecordKind::User, RecordKind::Account] {
        let requests = HubSpot::new(HubSpotOptions::new())
            .schema_requests(engine.schema(kind), &map)
            .expect("valid definitions");
        schema.extend(to_json(&requests).into_iter().map(|j| (kind, j)));
    }
    HubSpotOutput { batches, schema }
}

/// A body `{"inputs": [item, …]}` of 1 to 100 items and nothing else.
fn inputs_of(item: Json) -> Json {
    json!({
        "type": "object",
        "required": ["inputs"],
        "additionalProperties": false,
        "properties": {
            "inputs": {"type": "array", "minItems": 1, "maxItems": 100, "items": item}
        }
    })
}

/// Our restatement of a batch update / upsert body.
fn batch_schema() -> Json {
    inputs_of(json!({
        "type": "object",
        "required": ["id", "properties"],
        "additionalProperties": false,
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "idProperty": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "objectWriteTraceId": {"type": "string"},
            "properties": {
                "type": "object",
                "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,99}$"},
                "additionalProperties": {"type": "string"}
            }
        }
    }))
}

/// Our restatement of a property batch create body: enumerations need options.
fn definitions_schema() -> Json {
    let option = json!({
        "type": "object",
        "required": ["label", "value", "hidden"],
        "additionalProperties": false,
        "properties": {
            "label": {"type": "string", "minLength": 1},
            "value": {"type": "string", "minLength": 1},
            "hidden": {"type": "boolean"},
            "displayOrder": {"type": "integer"},
            "description": {"type": "string"}
        }
    });
    inputs_of(json!({
        "type": "object",
        "required": ["name", "label", "type", "fieldType", "groupName"],
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,99}$"},
            "label": {"type": "string", "minLength": 1},
            "type": {"enum": ["bool", "date", "datetime", "enumeration", "number", "phone_number", "string"]},
            "fieldType": {"enum": ["booleancheckbox", "calculation_equation", "checkbox", "date", "file", "html", "number", "phonenumber", "radio", "select", "text", "textarea"]},
            "groupName": {"type": "string", "minLength": 1},
            "hasUniqueValue": {"type": "boolean"},
            "options": {"type": "array", "items": option}
        },
        "if": {"properties": {"type": {"const": "enumeration"}}},
        "then": {"required": ["options"], "properties": {"options": {"minItems": 1}}}
    }))
}

/// Our restatement of a property group create body.
fn group_schema() -> Json {
    json!({
        "type": "object",
        "required": ["name", "label"],
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
            "label": {"type": "string", "minLength": 1},
            "displayOrder": {"type": "integer"}
        }
    })
}

/// Which schema a HubSpot request's body must match: its name in the extracted set
/// and our restatement.
fn schema_for(path: &str) -> (String, Json) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [
            "crm",
            "v3",
            "objects",
            object @ ("contacts" | "companies"),
            "batch",
            op @ ("update" | "upsert"),
        ] => (format!("{object}-batch-{op}.schema.json"), batch_schema()),
        [
            "crm",
            "v3",
            "properties",
            "contacts" | "companies",
            "batch",
            "create",
        ] => (
            "properties-batch-create.schema.json".to_owned(),
            definitions_schema(),
        ),
        [
            "crm",
            "v3",
            "properties",
            "contacts" | "companies",
            "groups",
        ] => (
            "properties-group-create.schema.json".to_owned(),
            group_schema(),
        ),
        _ => panic!("no schema for {path}"),
    }
}

fn errors_of(validator: &jsonschema::Validator, body: &Json) -> Vec<String> {
    validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Where the schemas extracted from HubSpot's published specification are, if here.
fn published_spec_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PULSECHECK_HUBSPOT_SPEC_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/hubspot-spec"),
    };
    let found = dir.join("source.json").is_file();
    if !found && std::env::var_os("PULSECHECK_REQUIRE_HUBSPOT_SPEC").is_some() {
        panic!(
            "HubSpot's extracted schemas are required but not in {}",
            dir.display()
        );
    }
    found.then_some(dir)
}

#[test]
fn hubspot_bodies_validate_against_the_restated_shapes() {
    let out = hubspot_output();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    for (_, request) in out.batches.iter().chain(&out.schema) {
        let path = request["path"].as_str().expect("path");
        assert_eq!(request["method"], "POST");
        let (name, schema) = schema_for(path);
        let validator = jsonschema::draft7::new(&schema).expect("schema compiles");
        let errors = errors_of(&validator, &request["body"]);
        assert!(errors.is_empty(), "{path}: {errors:#?}");
        *checked.entry(name).or_default() += 1;
    }
    // Every body type was seen: updates and upserts of both objects, groups, definitions.
    assert_eq!(checked.len(), 6, "{checked:?}");
    eprintln!("validated against the restated shapes: {checked:?}");
}

#[test]
fn hubspot_bodies_validate_against_hubspot_published_spec() {
    let Some(dir) = published_spec_dir() else {
        eprintln!(
            "HubSpot's extracted schemas are not here (PULSECHECK_HUBSPOT_SPEC_DIR or shared/hubspot-spec/): \
             checked against the restated shapes only"
        );
        return;
    };
    let source: Json = serde_json::from_str(
        &std::fs::read_to_string(dir.join("source.json")).expect("readable source.json"),
    )
    .expect("source.json is JSON");
    let commit = source["commit"].as_str().expect("source names its commit");
    let out = hubspot_output();
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    for (_, request) in out.batches.iter().chain(&out.schema) {
        let path = request["path"].as_str().expect("path");
        let (name, _) = schema_for(path);
        let text = std::fs::read_to_string(dir.join(&name))
            .unwrap_or_else(|e| panic!("{name} from HubSpot's spec: {e}"));
        let schema: Json = serde_json::from_str(&text).expect("schema is JSON");
        let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
        let errors = errors_of(&validator, &request["body"]);
        assert!(
            errors.is_empty(),
            "{path} against {name} (HubSpot spec {commit}): {errors:#?}"
        );
        *checked.entry(name).or_default() += 1;
    }
    assert_eq!(checked.len(), 6, "{checked:?}");
    eprintln!("validated against HubSpot's published spec at {commit}: {checked:?}");
}

#[test]
fn the_shapes_reject_what_hubspot_refuses() {
    let batch = jsonschema::draft7::new(&batch_schema()).expect("compiles");
    let number = json!({"inputs": [{"id": "u1", "idProperty": "pulsecheck_user_id", "properties": {"score": 3}}]});
    assert!(!errors_of(&batch, &number).is_empty(), "values are strings");
    let no_id = json!({"inputs": [{"properties": {}}]});
    assert!(!errors_of(&batch, &no_id).is_empty(), "id is required");
    let defs = jsonschema::draft7::new(&definitions_schema()).expect("compiles");
    let empty_enum = json!({"inputs": [{"name": "next_action", "label": "Next action", "type": "enumeration", "fieldType": "select", "groupName": "pulsecheck", "options": []}]});
    assert!(
        !errors_of(&defs, &empty_enum).is_empty(),
        "enumerations need options"
    );
    if let Some(dir) = published_spec_dir() {
        let text = std::fs::read_to_string(dir.join("contacts-batch-update.schema.json"))
            .expect("extracted schema");
        let published =
            jsonschema::draft4::new(&serde_json::from_str(&text).expect("JSON")).expect("compiles");
        assert!(
            !errors_of(&published, &number).is_empty(),
            "values are strings"
        );
        assert!(!errors_of(&published, &no_id).is_empty(), "id is required");
    }
}

/// The names each object's definitions create, and which are unique.
fn defined(out: &HubSpotOutput) -> BTreeMap<RecordKind, BTreeMap<String, Json>> {
    let mut defined: BTreeMap<RecordKind, BTreeMap<String, Json>> = BTreeMap::new();
    for (kind, request) in &out.schema {
        let path = request["path"].as_str().expect("path");
        if !path.ends_with("/batch/create") {
            continue;
        }
        assert_eq!(
            path,
            format!("/crm/v3/properties/{}/batch/create", object_of(*kind))
        );
        for input in request["body"]["inputs"].as_array().expect("inputs") {
            let name = input["name"].as_str().expect("name").to_owned();
            let previous = defined
                .entry(*kind)
                .or_default()
                .insert(name.clone(), input.clone());
            assert!(previous.is_none(), "{name} defined twice");
        }
    }
    defined
}

#[test]
fn hubspot_records_are_matched_only_by_unique_properties() {
    let out = hubspot_output();
    let defined = defined(&out);
    let mut seen = BTreeSet::new();
    for (kind, request) in &out.batches {
        let path = request["path"].as_str().expect("path");
        let upsert = path.ends_with("/batch/upsert");
        for input in request["body"]["inputs"].as_array().expect("inputs") {
            let id_property = input["idProperty"].as_str().expect("matched by a property");
            assert_ne!(id_property, "domain", "a company's domain is not unique");
            match (*kind, id_property) {
                // HubSpot's own unique contact email: documented for upserts.
                (RecordKind::User, "email") => assert!(upsert, "email outside an upsert: {path}"),
                _ => {
                    let def = &defined[kind][id_property];
                    assert_eq!(def["hasUniqueValue"], true, "{id_property} must be unique");
                }
            }
            seen.insert((*kind, id_property.to_owned(), upsert));
        }
    }
    assert!(seen.contains(&(RecordKind::User, HUBSPOT_USER_ID_PROPERTY.to_owned(), false)));
    assert!(seen.contains(&(RecordKind::User, "email".to_owned(), true)));
    assert!(seen.contains(&(
        RecordKind::Account,
        HUBSPOT_ACCOUNT_ID_PROPERTY.to_owned(),
        false
    )));
    assert!(seen.contains(&(
        RecordKind::Account,
        HUBSPOT_ACCOUNT_ID_PROPERTY.to_owned(),
        true
    )));

    // Keying companies by domain is refused before anything is built.
    let (_, snapshot) = sample_snapshot();
    let by_domain = DiffOptions::new()
        .with_properties(PropertyMap::hubspot())
        .with_company_key(CompanyKey::Domain);
    let changes = diff(snapshot.records(), &SyncState::new(), &by_domain);
    for upsert in [false, true] {
        assert!(
            HubSpot::new(HubSpotOptions::new().with_upsert(upsert))
                .requests(&changes)
                .is_err()
        );
    }
}

#[test]
fn hubspot_sends_only_defined_properties_or_builtins_mapped_on_purpose() {
    let out = hubspot_output();
    let defined = defined(&out);
    let mapped_builtins: BTreeMap<RecordKind, &[&str]> = BTreeMap::from([
        (RecordKind::User, &["email", "firstname", "lastname"][..]),
        (RecordKind::Account, &["name", "domain"][..]),
    ]);
    let mut builtins_sent = BTreeSet::new();
    for (kind, request) in &out.batches {
        for input in request["body"]["inputs"].as_array().expect("inputs") {
            for name in input["properties"].as_object().expect("properties").keys() {
                if defined[kind].contains_key(name) {
                    continue;
                }
                assert!(
                    mapped_builtins[kind].contains(&name.as_str()),
                    "{} property `{name}` is neither defined nor a built-in mapped on purpose",
                    object_of(*kind)
                );
                builtins_sent.insert(name.clone());
            }
        }
    }
    assert!(builtins_sent.contains("firstname") && builtins_sent.contains("domain"));

    // Passed-through traits exist on the sample and are not sent.
    let (_, snapshot) = sample_snapshot();
    let traits: BTreeSet<&str> = snapshot
        .records()
        .flat_map(|r| r.iter().skip(r.schema().len()).map(|(n, _)| n))
        .collect();
    for t in ["name", "preferred_name", "role"] {
        assert!(
            traits.contains(t),
            "the sample passes `{t}` through: {traits:?}"
        );
    }
    for (kind, request) in &out.batches {
        if *kind != RecordKind::User {
            continue;
        }
        for input in request["body"]["inputs"].as_array().expect("inputs") {
            let props = input["properties"].as_object().expect("properties");
            for t in ["name", "preferred_name", "role"] {
                assert!(!props.contains_key(t), "trait `{t}` sent to contacts");
            }
        }
    }
}

#[test]
fn hubspot_definitions_never_recreate_builtins_and_enumerations_have_options() {
    let out = hubspot_output();
    let defined = defined(&out);
    for (kind, defs) in &defined {
        for (name, def) in defs {
            assert!(
                !is_hubspot_builtin(*kind, name),
                "built-in `{name}` defined"
            );
            if def["type"] == "enumeration" {
                let options = def["options"].as_array().expect("options");
                assert!(!options.is_empty(), "enumeration `{name}` without options");
            }
            assert_eq!(def["groupName"], "pulsecheck");
        }
    }
    for name in ["email", "firstname", "lastname"] {
        assert!(!defined[&RecordKind::User].contains_key(name));
    }
    for name in ["name", "domain"] {
        assert!(!defined[&RecordKind::Account].contains_key(name));
    }
    // The sample configures no user action: contacts' `next_action` has no options, so
    // it is text; companies' has the configured actions.
    let (engine, _) = sample_snapshot();
    assert_eq!(
        engine.schema(RecordKind::User).property_type("next_action"),
        Some(&PropertyType::enumeration(Vec::<String>::new()))
    );
    assert_eq!(defined[&RecordKind::User]["next_action"]["type"], "string");
    assert_eq!(
        defined[&RecordKind::Account]["next_action"]["type"],
        "enumeration"
    );
    // The group each object's definitions go to is created first.
    for kind in [RecordKind::User, RecordKind::Account] {
        let paths: Vec<&str> = out
            .schema
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, r)| r["path"].as_str().expect("path"))
            .collect();
        assert_eq!(
            paths[0],
            format!("/crm/v3/properties/{}/groups", object_of(kind))
        );
        assert!(paths[1..].iter().all(|p| p.ends_with("/batch/create")));
    }
}

#[test]
fn salesforce_upserts_keep_their_shape_and_send_only_defined_fields() {
    let (engine, snapshot) = sample_snapshot();
    let map = PropertyMap::salesforce();
    let sf = Salesforce::new(SalesforceOptions::new());
    let mut fields: BTreeMap<&str, BTreeMap<String, Json>> = BTreeMap::new();
    for (kind, sobject) in [
        (RecordKind::User, "Contact"),
        (RecordKind::Account, "Account"),
    ] {
        let requests = sf
            .schema_requests(engine.schema(kind), &map)
            .expect("valid fields");
        for request in to_json(&requests) {
            assert_eq!(request["method"], "POST");
            assert_eq!(
                request["path"],
                "/services/data/v62.0/tooling/sobjects/CustomField"
            );
            let full_name = request["body"]["FullName"].as_str().expect("FullName");
            let (object, field) = full_name.split_once('.').expect("SObject.Field");
            assert_eq!(object, sobject);
            assert!(field.ends_with("__c"), "{field}");
            let metadata = &request["body"]["Metadata"];
            assert!(metadata["label"].as_str().is_some_and(|l| !l.is_empty()));
            if metadata["type"] == "Picklist" {
                let values = metadata["valueSet"]["valueSetDefinition"]["value"]
                    .as_array()
                    .expect("picklist values");
                assert!(!values.is_empty(), "picklist {field} without values");
            }
            fields
                .entry(sobject)
                .or_default()
                .insert(field.to_owned(), metadata.clone());
        }
    }

    let changes = diff(
        snapshot.records(),
        &SyncState::new(),
        &DiffOptions::new().with_properties(map),
    );
    let requests = to_json(&sf.requests(&changes).expect("valid requests"));
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request["method"], "PATCH");
        let path = request["path"].as_str().expect("path");
        let rest = path
            .strip_prefix("/services/data/v62.0/composite/sobjects/")
            .expect("sObject Collections upsert");
        let (sobject, external_id) = rest.split_once('/').expect("SObject/ExternalIdField");
        let defs = &fields[sobject];
        assert_eq!(defs[external_id]["externalId"], true, "{external_id}");
        assert_eq!(defs[external_id]["unique"], true, "{external_id}");
        assert_eq!(request["body"]["allOrNone"], false);
        let records = request["body"]["records"].as_array().expect("records");
        assert!(!records.is_empty() && records.len() <= 200);
        for record in records {
            let record = record.as_object().expect("record");
            assert_eq!(record["attributes"], json!({"type": sobject}));
            assert!(record[external_id].is_string(), "external id value");
            assert!(!record.contains_key("id") && !record.contains_key("Id"));
            for name in record.keys().filter(|k| *k != "attributes") {
                assert!(
                    defs.contains_key(name),
                    "{sobject} field `{name}` is not defined"
                );
            }
        }
    }
}
