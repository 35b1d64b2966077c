//! The OpenAPI copy of the contract (docs/openapi.yaml) names exactly the router's routes.

use std::collections::BTreeSet;

#[test]
fn the_openapi_document_has_exactly_the_routers_routes() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml"))
            .unwrap();
    let mut documented = BTreeSet::new();
    let mut in_paths = false;
    let mut path = String::new();
    // A small reader for this file's layout: two-space path keys under `paths:`, four-space methods.
    for line in text.lines() {
        if line == "paths:" {
            in_paths = true;
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(p) = line.strip_prefix("  /") {
            path = format!("/{}", p.trim_end_matches(':'));
        } else if let Some(m) = line.strip_prefix("    ").and_then(|l| l.strip_suffix(':')) {
            if ["get", "post", "put", "patch", "delete"].contains(&m) {
                documented.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = onboarding::ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, routed);
}
