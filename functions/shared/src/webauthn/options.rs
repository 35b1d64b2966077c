//! Starting the ceremonies: the library's options and server state, with our user handle and names
//! written into the options (the module docs say why), and the state framed so that a
//! registration's state cannot be taken for a sign-in's.

use super::{base64url, PasskeyInvalid, RelyingParty, Started};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use webauthn_rp::bin::{Decode as _, Encode as _};
use webauthn_rp::request::auth::DiscoverableCredentialRequestOptions;
use webauthn_rp::request::register::{
    CoseAlgorithmIdentifier, CoseAlgorithmIdentifiers, Extension,
    PublicKeyCredentialCreationOptions, PublicKeyCredentialUserEntity, UserHandle,
    USER_HANDLE_MAX_LEN,
};
use webauthn_rp::request::PublicKeyCredentialDescriptor;
use webauthn_rp::response::{AuthTransports, CredentialId};

/// The contract accepts exactly EdDSA (-8) and ES256 (-7).
const ACCEPTED_ALGORITHMS: CoseAlgorithmIdentifiers = CoseAlgorithmIdentifiers::ALL
    .remove(CoseAlgorithmIdentifier::Es384)
    .remove(CoseAlgorithmIdentifier::Rs256);

/// The first byte of a state: which ceremony it belongs to.
const REGISTRATION: u8 = b'R';
const AUTHENTICATION: u8 = b'A';
/// The second byte: the layout of what follows, so that a change can tell old states apart.
const STATE_VERSION: u8 = 1;

/// The user handle as the library sees it: SHA-256 of ours (see the module docs).
pub(super) type LibraryHandle = UserHandle<32>;

pub(super) fn library_handle(user_handle: &[u8]) -> LibraryHandle {
    let Ok(handle) = LibraryHandle::decode(Sha256::digest(user_handle).into());
    handle
}

/// Registration options: user verification required, resident key required, attestation "none",
/// pubKeyCredParams EdDSA (-8) and ES256 (-7), user.id = user_handle (16..=64 random bytes, chosen
/// by the caller), user.name/displayName as given, excludeCredentials = the given credential ids.
/// Timeout 5 minutes. No extensions: the library's passkey defaults would ask for credProtect
/// with `enforceCredentialProtectionPolicy`, which lets a browser refuse an authenticator that
/// lacks it; user verification at every ceremony already gives us what credProtect would.
///
/// # Panics
/// When `user_handle` is empty or longer than 64 bytes (WebAuthn's bounds): a caller's bug.
pub fn start_registration(
    rp: &RelyingParty,
    user_handle: &[u8],
    user_name: &str,
    display_name: &str,
    exclude: &[Vec<u8>],
) -> Started {
    assert!(
        (1..=USER_HANDLE_MAX_LEN).contains(&user_handle.len()),
        "a WebAuthn user handle is 1 to 64 bytes, not {}",
        user_handle.len()
    );
    let handle = library_handle(user_handle);
    // Every id we stored came out of `finish_registration`, which only accepts valid ones (16 to
    // 1023 bytes); one that is not could not be in an authenticator either.
    // Transports are hints for a browser looking for a passkey; we keep none.
    let no_transports = AuthTransports::decode(0).expect("0 is the empty set of transports");
    let exclude_credentials = exclude
        .iter()
        .filter_map(|id| CredentialId::<Vec<u8>>::decode(id.clone()).ok())
        .map(|id| PublicKeyCredentialDescriptor {
            id,
            transports: no_transports,
        })
        .collect();
    let mut options = PublicKeyCredentialCreationOptions::passkey(
        &rp.rp_id,
        PublicKeyCredentialUserEntity::from(&handle),
        exclude_credentials,
    );
    options.pub_key_cred_params = ACCEPTED_ALGORITHMS;
    options.extensions = Extension::default();
    let (server, client) = options
        .start_ceremony()
        .expect("the library's own passkey options, with fewer algorithms, are consistent");
    let mut public_key = serde_json::to_value(&client).expect("creation options are JSON");
    public_key["user"] = json!({
        "name": user_name,
        "id": base64url(user_handle),
        "displayName": display_name,
    });
    let mut state = vec![REGISTRATION, STATE_VERSION, user_handle.len() as u8];
    state.extend_from_slice(user_handle);
    state.extend(
        server
            .encode()
            .expect("the system clock is after 1970 (the state's expiry is encoded from it)"),
    );
    started(public_key, state)
}

/// Discoverable authentication options (no allowCredentials), user verification required.
/// Timeout 5 minutes.
pub fn start_authentication(rp: &RelyingParty) -> Started {
    let (server, client) = DiscoverableCredentialRequestOptions::passkey(&rp.rp_id)
        .start_ceremony()
        .expect("the library's own discoverable options are consistent");
    let mut public_key = serde_json::to_value(&client).expect("request options are JSON");
    if let Some(fields) = public_key.as_object_mut() {
        fields.remove("allowCredentials");
    }
    let mut state = vec![AUTHENTICATION, STATE_VERSION];
    state.extend(
        server
            .encode()
            .expect("the system clock is after 1970 (the state's expiry is encoded from it)"),
    );
    started(public_key, state)
}

fn started(public_key: Value, state: Vec<u8>) -> Started {
    let challenge = public_key["challenge"]
        .as_str()
        .expect("the library's options carry their challenge")
        .to_owned();
    Started {
        challenge,
        state,
        options: json!({ "publicKey": public_key }),
    }
}

/// A registration's state: the user handle the ceremony was started with and the library's state.
pub(super) fn read_registration_state(state: &[u8]) -> Result<(&[u8], &[u8]), PasskeyInvalid> {
    let [REGISTRATION, STATE_VERSION, length, rest @ ..] = state else {
        return Err(PasskeyInvalid::Malformed);
    };
    let length = usize::from(*length);
    if length == 0 || rest.len() < length {
        return Err(PasskeyInvalid::Malformed);
    }
    Ok(rest.split_at(length))
}

/// A sign-in's state: the library's state.
pub(super) fn read_authentication_state(state: &[u8]) -> Result<&[u8], PasskeyInvalid> {
    match state {
        [AUTHENTICATION, STATE_VERSION, rest @ ..] => Ok(rest),
        _ => Err(PasskeyInvalid::Malformed),
    }
}
