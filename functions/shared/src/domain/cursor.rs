//! Signed page cursors (API.md, "Audit log": "Cursors are opaque and signed, bound to the
//! organisation and the filters"). A cursor is the page's end, base64url, a dot, and an
//! HMAC-SHA256 over the scope it was issued for (organisation and filters) and that end, keyed
//! with a key derived from the session signing secret under a label of its own. A cursor edited,
//! issued to another organisation or for other filters does not verify.

use aws_lc_rs::{constant_time, hmac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};

use super::session::SigningSecrets;

const CURSOR_KEY_LABEL: &[u8] = b"onboarding page cursors v1";

/// The longest cursor accepted: far more than any this service issues.
const MAX_CURSOR_CHARS: usize = 512;

/// The keys cursors are signed with: the current secret's signs; the staged and previous ones
/// still verify during a rotation.
pub struct CursorKeys {
    keys: Vec<hmac::Key>,
}

impl CursorKeys {
    pub fn new(secrets: &SigningSecrets) -> Self {
        let derive = |secret: &SecretString| {
            let root = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret().as_bytes());
            hmac::Key::new(
                hmac::HMAC_SHA256,
                hmac::sign(&root, CURSOR_KEY_LABEL).as_ref(),
            )
        };
        Self {
            keys: std::iter::once(&secrets.current)
                .chain(secrets.next.as_ref())
                .chain(secrets.previous.as_ref())
                .map(derive)
                .collect(),
        }
    }

    fn tag(key: &hmac::Key, scope: &str, payload: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(key);
        context.update(&(scope.len() as u64).to_be_bytes());
        context.update(scope.as_bytes());
        context.update(payload);
        context.sign()
    }

    /// The cursor of `payload` (a page's end) for `scope`.
    pub fn sign(&self, scope: &str, payload: &[u8]) -> String {
        let tag = Self::tag(&self.keys[0], scope, payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The payload of `cursor` if one of our keys signed it for `scope`; `None` otherwise.
    pub fn open(&self, scope: &str, cursor: &str) -> Option<Vec<u8>> {
        if cursor.len() > MAX_CURSOR_CHARS {
            return None;
        }
        let (payload, tag) = cursor.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.keys
            .iter()
            .any(|key| {
                constant_time::verify_slices_are_equal(
                    Self::tag(key, scope, &payload).as_ref(),
                    &tag,
                )
                .is_ok()
            })
            .then_some(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> CursorKeys {
        CursorKeys::new(&SigningSecrets::only(SecretString::from(secret.to_owned())))
    }

    #[test]
    fn a_cursor_opens_only_in_its_scope_and_untouched() {
        let k = keys("a secret of enough length for the tests here");
        let cursor = k.sign("org-1|-|-", b"{\"t\":1}");
        assert_eq!(k.open("org-1|-|-", &cursor).unwrap(), b"{\"t\":1}");
        assert_eq!(k.open("org-2|-|-", &cursor), None, "another organisation");
        assert_eq!(k.open("org-1|u|-", &cursor), None, "other filters");
        let (payload, tag) = cursor.split_once('.').unwrap();
        let edited = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(b"{\"t\":2}"));
        assert_ne!(payload, URL_SAFE_NO_PAD.encode(b"{\"t\":2}"));
        assert_eq!(k.open("org-1|-|-", &edited), None, "an edited end");
        assert_eq!(k.open("org-1|-|-", "nonsense"), None);
        assert_eq!(k.open("org-1|-|-", &"a.".repeat(400)), None);
        let other = keys("another secret of enough length for the tests");
        assert_eq!(
            other.open("org-1|-|-", &cursor),
            None,
            "another deployment's key"
        );
    }
}
