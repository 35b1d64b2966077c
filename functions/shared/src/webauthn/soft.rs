//! A software authenticator for tests: it plays `navigator.credentials.create` and `.get` as a
//! browser at a given origin would, with a platform authenticator holding ES256 (P-256) passkeys,
//! and answers in WebAuthn Level 3's JSON forms (`RegistrationResponseJSON`,
//! `AuthenticationResponseJSON`). Knobs make it misbehave for the refusal tests.
//!
//! Its encodings are the ones real authenticators send: CTAP2 canonical CBOR for the attestation
//! object and the COSE key, DER for signatures, SPKI for `publicKey`. It holds private keys, so it
//! has no `Debug` and prints nothing.

use super::base64url;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

/// Authenticator data flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_CREDENTIAL_DATA: u8 = 0x40;

/// DER of `SubjectPublicKeyInfo { id-ecPublicKey, prime256v1 }` up to the uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// COSE algorithm ES256.
const ES256: i64 = -7;

/// Holds the passkeys it created: id, ES256 signing key, user handle, rp id and counter.
pub struct SoftAuthenticator {
    credentials: Vec<SoftCredential>,
    rp_id_override: Option<String>,
    next_counter: Option<u32>,
    synced: bool,
    user_verification: bool,
}

struct SoftCredential {
    id: Vec<u8>,
    key: SigningKey,
    user_handle: Vec<u8>,
    rp_id: String,
    counter: u32,
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        Self::new()
    }
}

impl SoftAuthenticator {
    pub fn new() -> Self {
        Self {
            credentials: Vec::new(),
            rp_id_override: None,
            next_counter: None,
            synced: false,
            user_verification: true,
        }
    }

    /// Plays navigator.credentials.create for `options` (the `{"publicKey":…}` JSON the server
    /// sent) as a browser at `origin` would: a RegistrationResponseJSON with attestation "none",
    /// UP and UV set (UV unless `without_user_verification`), BE and BS per `synced`, and the
    /// counter at 1 (0 when synced).
    ///
    /// # Panics
    /// When `options` lack `rp.id`, `user.id` or `challenge`: the test sent no creation options.
    pub fn create(&mut self, options: &Value, origin: &str) -> Value {
        let options = &options["publicKey"];
        let rp_id = text(&options["rp"]["id"], "rp.id");
        let user_handle = bytes(&options["user"]["id"], "user.id");
        let challenge = text(&options["challenge"], "challenge");
        let credential = SoftCredential {
            id: random_bytes::<32>().to_vec(),
            key: random_signing_key(),
            user_handle,
            rp_id: rp_id.to_owned(),
            counter: if self.synced { 0 } else { 1 },
        };

        let point = credential.key.verifying_key().to_encoded_point(false);
        let (x, y) = (point.x().expect("x"), point.y().expect("y"));
        // {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}, keys in canonical order.
        let mut cose_key = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        cose_key.extend_from_slice(x);
        cose_key.extend_from_slice(&[0x22, 0x58, 0x20]);
        cose_key.extend_from_slice(y);

        let mut authenticator_data =
            self.authenticator_data(rp_id, ATTESTED_CREDENTIAL_DATA, credential.counter);
        authenticator_data.extend_from_slice(&[0; 16]); // AAGUID: none, as with attestation "none"
        authenticator_data.extend_from_slice(&(credential.id.len() as u16).to_be_bytes());
        authenticator_data.extend_from_slice(&credential.id);
        authenticator_data.extend_from_slice(&cose_key);

        // {"fmt": "none", "attStmt": {}, "authData": …}, keys in canonical order.
        let mut attestation_object = vec![0xa3, 0x63];
        attestation_object.extend_from_slice(b"fmt");
        attestation_object.push(0x64);
        attestation_object.extend_from_slice(b"none");
        attestation_object.push(0x67);
        attestation_object.extend_from_slice(b"attStmt");
        attestation_object.extend_from_slice(&[0xa0, 0x68]);
        attestation_object.extend_from_slice(b"authData");
        cbor_byte_string(&mut attestation_object, &authenticator_data);

        let mut public_key = P256_SPKI_PREFIX.to_vec();
        public_key.extend_from_slice(point.as_bytes());

        let response = json!({
            "id": base64url(&credential.id),
            "rawId": base64url(&credential.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": base64url(&client_data("webauthn.create", challenge, origin)),
                "attestationObject": base64url(&attestation_object),
                "authenticatorData": base64url(&authenticator_data),
                "transports": ["internal"],
                "publicKeyAlgorithm": ES256,
                "publicKey": base64url(&public_key),
            },
        });
        self.credentials.push(credential);
        response
    }

    /// Plays navigator.credentials.get (discoverable: picks its credential for the options'
    /// rpId, the most recent one created if several; within `allowCredentials` if the options
    /// list some) → AuthenticationResponseJSON with userHandle.
    ///
    /// # Panics
    /// When it holds no passkey for the options' rpId, or the options lack `rpId` or `challenge`.
    pub fn get(&mut self, options: &Value, origin: &str) -> Value {
        let options = &options["publicKey"];
        let rp_id = text(&options["rpId"], "rpId");
        let challenge = text(&options["challenge"], "challenge");
        let allowed: Vec<Vec<u8>> = options["allowCredentials"]
            .as_array()
            .map(|list| list.iter().map(|c| bytes(&c["id"], "id")).collect())
            .unwrap_or_default();
        let index = self
            .credentials
            .iter()
            .rposition(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .unwrap_or_else(|| panic!("the soft authenticator holds no passkey for {rp_id}"));

        let counter = if self.synced {
            0
        } else if let Some(value) = self.next_counter.take() {
            value
        } else {
            self.credentials[index].counter.wrapping_add(1)
        };
        self.credentials[index].counter = counter;

        let authenticator_data = self.authenticator_data(rp_id, 0, counter);
        let client_data = client_data("webauthn.get", challenge, origin);
        let mut signed = authenticator_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let credential = &self.credentials[index];
        let signature: Signature = credential.key.sign(&signed);

        json!({
            "id": base64url(&credential.id),
            "rawId": base64url(&credential.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": base64url(&client_data),
                "authenticatorData": base64url(&authenticator_data),
                "signature": base64url(signature.to_der().as_bytes()),
                "userHandle": base64url(&credential.user_handle),
            },
        })
    }

    /// Signs with another rp id's hash (the options' rp id still picks the passkey).
    pub fn with_rp_id_override(mut self, rp_id: &str) -> Self {
        self.rp_id_override = Some(rp_id.to_owned());
        self
    }

    /// The next assertion reports this counter (later ones count up from it). A synced
    /// authenticator ignores it: it always says 0.
    pub fn set_counter(&mut self, value: u32) {
        self.next_counter = Some(value);
    }

    /// A synced passkey provider: BE and BS set, and every counter (create and get) is 0.
    pub fn synced(mut self) -> Self {
        self.synced = true;
        self
    }

    /// UV clear from now on (UP stays set).
    pub fn without_user_verification(mut self) -> Self {
        self.user_verification = false;
        self
    }

    /// The id (raw bytes) of the last credential created.
    ///
    /// # Panics
    /// When it has created none.
    pub fn last_credential_id(&self) -> Vec<u8> {
        self.credentials
            .last()
            .expect("the soft authenticator has created a passkey")
            .id
            .clone()
    }

    /// rpIdHash, flags (UP, UV, BE, BS as configured, plus `extra_flags`) and the counter.
    fn authenticator_data(&self, rp_id: &str, extra_flags: u8, counter: u32) -> Vec<u8> {
        let signed_rp_id = self.rp_id_override.as_deref().unwrap_or(rp_id);
        let mut flags = USER_PRESENT | extra_flags;
        if self.user_verification {
            flags |= USER_VERIFIED;
        }
        if self.synced {
            flags |= BACKUP_ELIGIBLE | BACKED_UP;
        }
        let mut data = Sha256::digest(signed_rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&counter.to_be_bytes());
        data
    }
}

/// clientDataJSON as browsers serialize it: these members, in this order.
fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    format!(
        r#"{{"type":{},"challenge":{},"origin":{},"crossOrigin":false}}"#,
        Value::from(kind),
        Value::from(challenge),
        Value::from(origin)
    )
    .into_bytes()
}

fn cbor_byte_string(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes.len() {
        length @ 0..=23 => out.push(0x40 | length as u8),
        length @ 24..=0xff => out.extend_from_slice(&[0x58, length as u8]),
        length => {
            out.push(0x59);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(bytes);
}

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("the options have no {name}"))
}

fn bytes(value: &Value, name: &str) -> Vec<u8> {
    super::base64url_decode(text(value, name))
        .unwrap_or_else(|_| panic!("the options' {name} is not base64url"))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    bytes
}

fn random_signing_key() -> SigningKey {
    loop {
        // Not a scalar below the group order about once in 2^32 draws: draw again.
        if let Ok(key) = SigningKey::from_bytes(&random_bytes::<32>().into()) {
            return key;
        }
    }
}
