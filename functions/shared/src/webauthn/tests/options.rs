//! The relying party from the base URL, and the options' JSON as a browser's
//! `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` reads it.

use super::*;
use serde_json::json;

fn is_unpadded_base64url(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[test]
fn ip_addresses_are_not_relying_parties() {
    for base_url in [
        "http://127.0.0.1:3000",
        "http://[::1]:3000",
        "https://192.0.2.7",
    ] {
        assert!(
            RelyingParty::from_base_url(base_url).is_none(),
            "{base_url}"
        );
    }
}

#[test]
fn unusable_base_urls_are_not_relying_parties() {
    for base_url in [
        "",
        "auth.example.com",
        "ftp://auth.example.com",
        "http://auth.example.com",
        "https://auth.example.com./",
    ] {
        assert!(
            RelyingParty::from_base_url(base_url).is_none(),
            "{base_url:?}"
        );
    }
}

#[test]
fn the_relying_party_is_the_base_urls_host_and_origin() {
    let cases = [
        (
            "https://auth.example.com",
            "auth.example.com",
            "https://auth.example.com",
        ),
        (
            "https://Auth.Example.com/app/",
            "auth.example.com",
            "https://auth.example.com",
        ),
        (
            "https://auth.example.com:8443",
            "auth.example.com",
            "https://auth.example.com:8443",
        ),
        (
            "https://auth.example.com:443",
            "auth.example.com",
            "https://auth.example.com",
        ),
        (
            "http://localhost:3000",
            "localhost",
            "http://localhost:3000",
        ),
    ];
    for (base_url, id, origin) in cases {
        let rp = relying_party(base_url);
        assert_eq!((rp.id(), rp.origin()), (id, origin), "{base_url}");
    }
}

#[test]
fn sign_up_options_are_the_contracts() {
    let rp = relying_party(HTTPS_BASE);
    let handle = user_handle(64);
    let existing = [vec![0xfb; 32], vec![0xfe; 20]];
    let started = start_registration(&rp, &handle, "+1 555 0100", "Jo Tech", &existing);
    let options = &started.options["publicKey"];

    assert_eq!(options["rp"]["id"], "auth.example.com");
    let challenge = options["challenge"].as_str().unwrap();
    assert!(is_unpadded_base64url(challenge), "{challenge}");
    assert_eq!(challenge, started.challenge);
    assert_eq!(base64url_decode(challenge).map(|c| c.len()), Ok(16));

    let user_id = options["user"]["id"].as_str().unwrap();
    assert!(is_unpadded_base64url(user_id), "{user_id}");
    assert_eq!(base64url_decode(user_id), Ok(handle));
    assert_eq!(options["user"]["name"], "+1 555 0100");
    assert_eq!(options["user"]["displayName"], "Jo Tech");

    let excluded: Vec<&str> = options["excludeCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|credential| {
            assert_eq!(credential["type"], "public-key");
            credential["id"].as_str().unwrap()
        })
        .collect();
    assert!(excluded.iter().all(|id| is_unpadded_base64url(id)));
    let mut excluded: Vec<Vec<u8>> = excluded
        .into_iter()
        .map(|id| base64url_decode(id).unwrap())
        .collect();
    excluded.sort();
    assert_eq!(excluded, existing.to_vec());

    let selection = &options["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["requireResidentKey"], true);
    assert_eq!(selection["userVerification"], "required");
    assert_eq!(options["attestation"], "none");
    let algorithms: Vec<(&str, i64)> = options["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["type"].as_str().unwrap(), p["alg"].as_i64().unwrap()))
        .collect();
    assert_eq!(algorithms, [("public-key", -8), ("public-key", -7)]);
    assert_eq!(options["timeout"], 300_000);
    assert_eq!(options["extensions"], json!({}));
}

#[test]
fn sign_in_options_are_discoverable_and_require_user_verification() {
    let rp = relying_party(LOCALHOST_BASE);
    let started = start_authentication(&rp);
    let options = &started.options["publicKey"];
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["challenge"], started.challenge.as_str());
    assert!(is_unpadded_base64url(&started.challenge));
    assert_eq!(options["userVerification"], "required");
    assert_eq!(options["timeout"], 300_000);
    assert!(options.get("allowCredentials").is_none());
}

#[test]
fn every_ceremony_has_its_own_challenge() {
    let rp = relying_party(HTTPS_BASE);
    let first = start_authentication(&rp);
    let second = start_authentication(&rp);
    assert_ne!(first.challenge, second.challenge);
    assert_ne!(first.state, second.state);
}
