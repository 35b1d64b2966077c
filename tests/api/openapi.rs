//! docs/openapi.yaml is generated from the contract's types and the route table
//! (`onboarding::http::openapi`): the committed file is exactly what the code generates, and it
//! names exactly the router's routes.

use std::collections::BTreeSet;
use yaml_rust2::YamlLoader;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml");

#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let generated = onboarding::http::openapi::yaml();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap();
    assert!(
        committed == generated,
        "docs/openapi.yaml is not what the contract's types generate. Regenerate it with\n    \
         UPDATE_OPENAPI=1 cargo test -p tests --test api openapi\nand commit it (first lines \
         that differ: {:?})",
        committed
            .lines()
            .zip(generated.lines())
            .find(|(a, b)| a != b)
    );
}

#[test]
fn the_openapi_document_has_exactly_the_routers_routes() {
    let text = std::fs::read_to_string(COMMITTED).unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_hash().expect("a `paths` map") {
        for (method, _) in item.as_hash().expect("a path item") {
            let method = method.as_str().unwrap();
            if ["get", "post", "put", "patch", "delete"].contains(&method) {
                documented.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = onboarding::ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(documented, routed);
}
