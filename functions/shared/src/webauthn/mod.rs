//! Passkeys' WebAuthn relying party (API.md "Passkeys"): the options a ceremony sends the browser,
//! the opaque state the server keeps until the response comes back, and the verification of that
//! response. The routes, the stores and the pages are elsewhere and use only this module's API;
//! nothing here reads a clock the caller controls, a store or the network.
//!
//! Why `webauthn_rp`: it is pure Rust on RustCrypto (p256, ed25519-dalek, rsa), so the functions
//! cross-build for x86_64 and arm64 Lambda with nothing but cargo; webauthn-rs verifies with
//! OpenSSL, which we would have to vendor, cross-compile for both architectures and ship in every
//! zip. It also holds to WebAuthn Level 3 closely (the JSON forms, the counter rule, CTAP2
//! canonical CBOR), and its server state serializes, so a ceremony can wait in our store.
//!
//! Where we go around the library, and why:
//! - It types a user handle by its length at compile time (`UserHandle<LEN>`); ours are 16 to 64
//!   bytes, chosen by the caller. The library is given SHA-256 of our handle (32 bytes) on both
//!   sides of every comparison; the browser gets our handle itself (`user.id` in the options) and
//!   sends it back (`userHandle`), which we compare with the stored one before the library runs.
//! - It checks user names against the PRECIS profiles (RFC 8265, 8266), which a phone number with
//!   spaces or an empty display name fails; the names are never verified (the browser only shows
//!   them), so `user.name` and `user.displayName` are written into the options as given.
//! - `allowCredentials` is left out of sign-in options (the library writes an empty list; the
//!   contract says none: discoverable).
//! - Origins are compared as strings with exactly [`RelyingParty::origin`], which is how
//!   `http://localhost:3000` works (the library's default would only accept `https://{rp id}`).
//!
//! Attestation: we ask for `"none"`. A `"none"` statement is accepted; `"packed"` self
//! attestation (no certificate) is verified by the library with the new key and accepted; every
//! other statement (`packed` with a certificate chain, `tpm`, `android-key`, `apple`, `fido-u2f`)
//! is refused ([`PasskeyInvalid::Attestation`]). Browsers replace those with `"none"` when asked.
//!
//! [`NewPasskey::public_key`] is the library's `StaticState` encoding: one tag byte (0 Ed25519,
//! 1 P-256, 2 P-384, 3 RSA) and the compressed key (Ed25519: the 32 bytes; P-256: the 32-byte x
//! and one byte saying whether y is odd), then the credProtect policy byte and the hmac-secret
//! option the authenticator reported. `finish_authentication` reads it back; a major version of
//! `webauthn_rp` that changed it would need a migration of the stored keys.

mod options;
mod verify;

#[cfg(any(test, feature = "test-hooks"))]
pub mod soft;
#[cfg(test)]
mod tests;

pub use options::{start_authentication, start_registration};
pub use verify::{finish_authentication, finish_registration};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::Value;
use webauthn_rp::request::{AsciiDomain, RpId};

/// The relying party from PUBLIC_BASE_URL: rp id = its host, origin = its origin (scheme://host[:port]).
#[derive(Debug, Clone)]
pub struct RelyingParty {
    rp_id: RpId,
    origin: String,
}

impl RelyingParty {
    /// None when the base URL's host is an IP address (browsers refuse IPs as rp id) or the URL is
    /// unusable: not http(s), no host, or `http` anywhere but `localhost` (browsers offer WebAuthn
    /// only in a secure context, and plain http is one only on localhost).
    /// `http://localhost:3000` works (rp id "localhost", origin "http://localhost:3000"), and so
    /// does `https://auth.example.com`.
    pub fn from_base_url(base_url: &str) -> Option<Self> {
        let url = url::Url::parse(base_url).ok()?;
        let url::Host::Domain(host) = url.host()? else {
            return None;
        };
        let secure = match url.scheme() {
            "https" => true,
            "http" => host == "localhost" || host.ends_with(".localhost"),
            _ => false,
        };
        // A trailing dot names the same site to DNS but another rp id to browsers.
        if !secure || host.ends_with('.') {
            return None;
        }
        let rp_id = RpId::Domain(AsciiDomain::try_from(host.to_owned()).ok()?);
        Some(Self {
            rp_id,
            origin: url.origin().ascii_serialization(),
        })
    }

    pub fn id(&self) -> &str {
        self.rp_id.as_ref()
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// A ceremony just started: what to store (5 minutes, one use) and what to send the browser.
#[derive(Debug, Clone)]
pub struct Started {
    /// The challenge, base64url without padding, exactly as it will come back in clientDataJSON (the store's key).
    pub challenge: String,
    /// Opaque bytes the server keeps until the response arrives: a kind byte, a version byte, for
    /// a registration the user handle (length byte and bytes), then the library's server state
    /// (challenge, requirements, and an expiry 5 minutes after the start by the system clock).
    pub state: Vec<u8>,
    /// `{"publicKey": {...}}`: PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON
    /// (WebAuthn Level 3 JSON, base64url without padding), ready to serialize as the HTTP body.
    pub options: Value,
}

/// Why a response was refused (all map to the contract's `passkey_invalid` / `invalid_credentials`);
/// never holds secret bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasskeyInvalid {
    #[error("the passkey response, its ceremony state or the stored passkey could not be read")]
    Malformed,
    #[error("the passkey ceremony expired (5 minutes by the system clock)")]
    Expired,
    #[error("the passkey response answers another challenge")]
    Challenge,
    #[error("the passkey response comes from another origin, or from a frame of another site")]
    Origin,
    #[error("the passkey response was made for another relying party id")]
    RpId,
    #[error("the authenticator says the user was not present")]
    UserPresence,
    #[error("the authenticator did not verify the user (PIN, fingerprint, face)")]
    UserVerification,
    #[error("the passkey's signature does not verify")]
    Signature,
    #[error("the signature counter did not go up: the passkey may have been cloned")]
    Counter,
    #[error("the passkey uses an algorithm other than EdDSA or ES256")]
    Algorithm,
    #[error("the attestation statement is not one we accept (none, or packed self attestation)")]
    Attestation,
    #[error("the passkey names another user than the one it is stored for")]
    UserHandle,
    #[error("the passkey response names another credential than the stored one")]
    CredentialId,
    #[error("the passkey's backup eligibility changed since it was registered")]
    Backup,
    #[error("the authenticator's extension outputs are invalid or contradict the request")]
    Extension,
}

/// The challenge a RegistrationResponseJSON or AuthenticationResponseJSON (raw JSON bytes of the
/// `credential` object) answers, base64url no padding, read from its clientDataJSON, so the caller
/// can find and take the stored ceremony. Err(Malformed) if unparseable.
pub fn challenge_of(credential_json: &[u8]) -> Result<String, PasskeyInvalid> {
    #[derive(serde::Deserialize)]
    struct ClientData {
        challenge: String,
    }
    let credential = parse_json(credential_json)?;
    let client_data = base64url_field(&credential["response"], "clientDataJSON")?;
    let client_data: ClientData =
        serde_json::from_slice(&client_data).map_err(|_| PasskeyInvalid::Malformed)?;
    // Ours are 16 bytes; anything much longer is no challenge of ours, and never a store key.
    if base64url_decode(&client_data.challenge)?.len() > 64 {
        return Err(PasskeyInvalid::Malformed);
    }
    Ok(client_data.challenge)
}

/// A verified new credential, everything the server stores about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasskey {
    /// The credential id (raw bytes, 16 to 1023).
    pub id: Vec<u8>,
    /// The public key as `finish_authentication` reads it back (the module docs say the layout).
    pub public_key: Vec<u8>,
    pub sign_count: u32,
    pub backup_eligible: bool,
    pub backed_up: bool,
}

/// The credential id (raw bytes) and userHandle (raw bytes) an AuthenticationResponseJSON names,
/// for looking up the stored credential before verifying. Err(Malformed) if absent (a
/// discoverable credential always returns userHandle).
pub fn assertion_names(credential_json: &[u8]) -> Result<(Vec<u8>, Vec<u8>), PasskeyInvalid> {
    let names = AssertionNames::read(&parse_json(credential_json)?)?;
    Ok((names.id, names.user_handle))
}

/// What the server has stored for a credential.
#[derive(Debug, Clone, Copy)]
pub struct StoredPasskey<'a> {
    pub id: &'a [u8],
    pub user_handle: &'a [u8],
    pub public_key: &'a [u8],
    pub sign_count: u32,
    pub backup_eligible: bool,
}

/// A verified sign-in: the counter to store and whether the passkey is backed up now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assertion {
    pub sign_count: u32,
    pub backed_up: bool,
}

/// The ids an AuthenticationResponseJSON names: `rawId` (or `id`, which must then agree) and
/// `response.userHandle`.
struct AssertionNames {
    id: Vec<u8>,
    user_handle: Vec<u8>,
}

impl AssertionNames {
    fn read(credential: &Value) -> Result<Self, PasskeyInvalid> {
        let id = match (credential.get("rawId"), credential.get("id")) {
            (Some(raw_id), Some(id)) if raw_id != id => return Err(PasskeyInvalid::Malformed),
            (Some(_), _) => base64url_field(credential, "rawId")?,
            (None, _) => base64url_field(credential, "id")?,
        };
        let user_handle = base64url_field(&credential["response"], "userHandle")?;
        if id.is_empty() || user_handle.is_empty() {
            return Err(PasskeyInvalid::Malformed);
        }
        Ok(Self { id, user_handle })
    }
}

fn parse_json(json: &[u8]) -> Result<Value, PasskeyInvalid> {
    serde_json::from_slice(json).map_err(|_| PasskeyInvalid::Malformed)
}

/// The bytes of a base64url string field of a JSON object; Err(Malformed) if absent, null or not base64url.
fn base64url_field(object: &Value, field: &str) -> Result<Vec<u8>, PasskeyInvalid> {
    object
        .get(field)
        .and_then(Value::as_str)
        .ok_or(PasskeyInvalid::Malformed)
        .and_then(base64url_decode)
}

/// Level 3's JSON forms are base64url without padding; padding is tolerated on the way in.
const BASE64URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn base64url_decode(text: &str) -> Result<Vec<u8>, PasskeyInvalid> {
    BASE64URL_LENIENT
        .decode(text)
        .map_err(|_| PasskeyInvalid::Malformed)
}

fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
