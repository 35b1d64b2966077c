//! The passkey ceremonies end to end through the software authenticator: sign-ups and sign-ins
//! that work, each refusal the contract names, and the options' JSON as browsers read it.

mod options;
mod refusals;
mod round_trips;

use super::soft::SoftAuthenticator;
use super::*;

const HTTPS_BASE: &str = "https://auth.example.com";
const LOCALHOST_BASE: &str = "http://localhost:3000";
const EVIL_ORIGIN: &str = "https://evil.example";

fn relying_party(base_url: &str) -> RelyingParty {
    RelyingParty::from_base_url(base_url).expect("a usable base URL")
}

fn user_handle(length: usize) -> Vec<u8> {
    let mut handle = vec![0; length];
    getrandom::fill(&mut handle).expect("the OS random number generator is available");
    handle
}

fn to_bytes(json: &Value) -> Vec<u8> {
    serde_json::to_vec(json).expect("JSON serializes")
}

/// A tech's passkey as the server stored it after a sign-up.
struct Enrolled {
    passkey: NewPasskey,
    user_handle: Vec<u8>,
}

impl Enrolled {
    fn stored(&self, sign_count: u32) -> StoredPasskey<'_> {
        StoredPasskey {
            id: &self.passkey.id,
            user_handle: &self.user_handle,
            public_key: &self.passkey.public_key,
            sign_count,
            backup_eligible: self.passkey.backup_eligible,
        }
    }
}

/// The browser's answer to a sign-up's options, and the state the server kept for them.
fn registration_response(
    rp: &RelyingParty,
    authenticator: &mut SoftAuthenticator,
    user_handle: &[u8],
) -> (Started, Value) {
    let started = start_registration(rp, user_handle, "tech@example.com", "Jo Tech", &[]);
    let response = authenticator.create(&started.options, rp.origin());
    (started, response)
}

/// A sign-up that must succeed.
fn enroll(rp: &RelyingParty, authenticator: &mut SoftAuthenticator) -> Enrolled {
    let user_handle = user_handle(32);
    let (started, response) = registration_response(rp, authenticator, &user_handle);
    let passkey = finish_registration(rp, &started.state, &to_bytes(&response))
        .expect("the sign-up verifies");
    Enrolled {
        passkey,
        user_handle,
    }
}

/// The browser's answer to a sign-in's options, and the state the server kept for them.
fn authentication_response(
    rp: &RelyingParty,
    authenticator: &mut SoftAuthenticator,
) -> (Started, Value) {
    let started = start_authentication(rp);
    let response = authenticator.get(&started.options, rp.origin());
    (started, response)
}

/// A sign-in against the passkey stored with `sign_count`.
fn sign_in(
    rp: &RelyingParty,
    authenticator: &mut SoftAuthenticator,
    enrolled: &Enrolled,
    sign_count: u32,
) -> Result<Assertion, PasskeyInvalid> {
    let (started, response) = authentication_response(rp, authenticator);
    finish_authentication(
        rp,
        &started.state,
        &to_bytes(&response),
        &enrolled.stored(sign_count),
    )
}
