//! Standard Webhooks signing (<https://www.standardwebhooks.com/>): an endpoint's secret and the
//! three headers every delivery carries.
//!
//! HMAC-SHA256 comes from aws-lc-rs, as for the crate's other keyed hashes (codes, devices, mail):
//! the same library rustls and the session keys already use, so no second crypto stack is linked.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::fmt;

/// The prefix the specification gives a secret's text form.
const WHSEC_PREFIX: &str = "whsec_";
/// Random bytes in a secret (the specification allows 24 to 64).
pub const SECRET_BYTES: usize = 32;

/// An endpoint's signing secret: 32 random bytes, shown to the admin once as `whsec_…`.
/// `Debug` names the type and never the bytes, so a secret cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret([u8; SECRET_BYTES]);

impl WebhookSecret {
    /// A fresh secret from the operating system's random number generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes).expect("the OS random number generator is available");
        Self(bytes)
    }

    /// The secret as the admin receives it: `whsec_` + standard base64 of the 32 bytes.
    pub fn to_whsec(&self) -> String {
        format!("{WHSEC_PREFIX}{}", STANDARD.encode(self.0))
    }

    /// Reads back what [`to_whsec`](Self::to_whsec) wrote (as the store will keep it); anything
    /// else, including a secret of another length, is `None`.
    pub fn from_whsec(text: &str) -> Option<Self> {
        let encoded = text.strip_prefix(WHSEC_PREFIX)?;
        let bytes = STANDARD.decode(encoded).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// The `webhook-signature` value: `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`.
/// `timestamp` is the attempt's time in integer seconds: every retry is signed again.
pub fn signature(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    signature_with_key(&secret.0, msg_id, timestamp, body)
}

/// [`signature`] under any key length, so the specification's own example (a 24-byte key) can
/// test it.
fn signature_with_key(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    context.update(msg_id.as_bytes());
    context.update(b".");
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    format!("v1,{}", STANDARD.encode(context.sign()))
}

/// The three headers of one delivery attempt, named as the specification names them.
pub fn headers(
    secret: &WebhookSecret,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    [
        ("webhook-id", msg_id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        (
            "webhook-signature",
            signature(secret, msg_id, timestamp, body),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example the specification's reference libraries test with: this secret (24 bytes, so
    /// not one of ours), id, timestamp and body sign to this value.
    #[test]
    fn the_specifications_example_signs_to_its_published_value() {
        let key = STANDARD.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature_with_key(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_secret_survives_its_text_form_and_others_are_refused() {
        let secret = WebhookSecret::generate();
        let text = secret.to_whsec();
        assert!(text.starts_with("whsec_"));
        assert_eq!(text.len(), "whsec_".len() + 44);
        assert_eq!(WebhookSecret::from_whsec(&text), Some(secret.clone()));
        assert_ne!(WebhookSecret::generate(), secret);

        assert_eq!(WebhookSecret::from_whsec(&text["whsec_".len()..]), None);
        assert_eq!(WebhookSecret::from_whsec("whsec_not base64!"), None);
        // 24 bytes is valid for the specification, but not a secret this service made.
        assert_eq!(
            WebhookSecret::from_whsec(&format!("whsec_{}", STANDARD.encode([7u8; 24]))),
            None
        );
    }

    #[test]
    fn a_secrets_debug_print_shows_no_byte_of_it() {
        let secret = WebhookSecret::generate();
        let printed = format!("{secret:?}");
        assert_eq!(printed, "WebhookSecret(..)");
        assert!(!printed.contains(&secret.to_whsec()["whsec_".len()..]));
    }

    #[test]
    fn the_headers_carry_the_id_the_timestamp_and_the_signature_of_the_body() {
        let secret = WebhookSecret::generate();
        let body = "{\"type\":\"invite.accepted\",\"name\":\"Zoë\"}".as_bytes();
        let [id, timestamp, signed] = headers(&secret, "evt_1", 1_700_000_000, body);
        assert_eq!(id, ("webhook-id", "evt_1".to_owned()));
        assert_eq!(timestamp, ("webhook-timestamp", "1700000000".to_owned()));
        assert_eq!(signed.0, "webhook-signature");
        assert_eq!(signed.1, signature(&secret, "evt_1", 1_700_000_000, body));
        assert_ne!(signed.1, signature(&secret, "evt_1", 1_700_000_001, body));
    }
}
