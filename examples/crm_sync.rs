//! Change detection: sync the sample to HubSpot on two consecutive days and show
//! that the second day sends only what changed.
//!
//! ```text
//! cargo run --example crm_sync
//! ```

use chrono::Duration;
use pulsecheck::Engine;
use pulsecheck::crm::{DiffOptions, HubSpot, HubSpotOptions, PropertyMap, SyncState, diff};
use pulsecheck::sample::{self, Sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sample = Sample::new();
    let mut engine = Engine::new(sample::config())?;
    for call in sample.calls() {
        engine.ingest(&call)?;
    }

    // Keyed by user and account id, matched in HubSpot by the unique properties
    // `pulsecheck_user_id` / `pulsecheck_account_id`; HubSpot's built-ins (`email`,
    // `firstname`, `name`, `domain`…) under their names, every other property
    // prefixed `pc_`. `HubSpot::schema_requests` defines them once per portal.
    let options = DiffOptions::new().with_properties(PropertyMap::hubspot().prefix("pc_"));
    let hubspot = HubSpot::new(HubSpotOptions::new());
    let mut state = SyncState::new();

    let yesterday = sample.end() - Duration::days(1);
    for day in [yesterday, sample.end()] {
        let snapshot = engine.snapshot(day);
        let changes = diff(snapshot.records(), &state, &options);
        let requests = hubspot.requests(&changes)?;
        println!(
            "{day}: {} records changed ({} properties), {} unchanged, {} skipped → {} HubSpot request(s)",
            changes.len(),
            changes.property_count(),
            changes.unchanged(),
            changes.skipped().len(),
            requests.len()
        );
        if day == sample.end() {
            for change in changes.iter().take(8) {
                let props: Vec<String> = change
                    .properties()
                    .iter()
                    .map(|p| format!("{}={}", p.name(), p.value()))
                    .collect();
                println!(
                    "  {} {}: {}",
                    change.kind().crm_object(),
                    change.key(),
                    props.join(", ")
                );
            }
            if changes.len() > 8 {
                println!("  … and {} more", changes.len() - 8);
            }
            if let Some(first) = requests.first() {
                let body = first.body_json()?;
                println!(
                    "\nfirst request: {} {}\n{}…",
                    first.method().as_str(),
                    first.path(),
                    &body[..body.len().min(400)]
                );
            }
        }
        // The requests went through: remember what the CRM now holds.
        state.confirm(&changes);
    }
    Ok(())
}
