//! One-time codes beside every link (API.md, "One-time codes beside every link"): every setup,
//! reminder and reset message carries a 6-digit code for the same one-time credential as its
//! link, for a tech whose link a mail scanner or an email app's own browser opened first, or who
//! reads the email on one device and sets up on another.
//!
//! - The code is derived from the link's token (a SHA-256 under a label of its own), so whoever
//!   rebuilds a mail job's link (the outbox, on a retry) rebuilds the same code, and nothing more
//!   is stored to send it again. Knowing the token gives the code; the token is the stronger
//!   credential of the two anyway.
//! - The store keeps only a keyed hash of the code ([`CodeHash`]): an HMAC-SHA256 under a key
//!   derived from the session secret with a label of its own, over the user's id, the purpose and
//!   the code. A leaked table alone does not give the million possible codes away to a brute
//!   force. The key's id is stored beside the hash, so during a rotation the staged and previous
//!   secrets still verify live codes.

use aws_lc_rs::hmac;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::session::SigningSecrets;
use super::{TokenPurpose, UserId};

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;

/// Wrong codes one link's code takes; the next is refused even when right (its link still works).
pub const WRONG_CODES_PER_LINK: u32 = 5;

/// The label the code is derived from its token under.
const CODE_FROM_TOKEN_LABEL: &[u8] = b"onboarding one-time code v1\n";
/// The label the code-hashing key is derived under, so it is never another key.
const CODE_KEY_LABEL: &[u8] = b"onboarding code hash key v1";

/// A 6-digit one-time code. No `Debug` or `Display`: it is a credential, never logged.
#[derive(Clone)]
pub struct OneTimeCode(SecretString);

impl OneTimeCode {
    /// The code beside the link whose token is `plain`.
    pub fn of_token(plain: &SecretString) -> Self {
        let mut digest = Sha256::new();
        digest.update(CODE_FROM_TOKEN_LABEL);
        digest.update(plain.expose_secret().as_bytes());
        let digest = digest.finalize();
        // 2^32 / 10^6: the bias toward low codes is under 0.03 %.
        let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % 1_000_000;
        Self(SecretString::from(format!("{n:06}")))
    }

    /// A code as a person typed it: spaces and dashes ignored (`482 913`, `482-913`), anything
    /// else refused. `None` is "not a code", answered like a wrong one.
    pub fn parse(typed: &str) -> Option<Self> {
        let digits: String = typed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}' | '\t'))
            .collect();
        (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(SecretString::from(digits)))
    }

    /// The six digits, for a message or an answer that hands the code over.
    pub fn digits(&self) -> &str {
        self.0.expose_secret()
    }

    /// Spaced for reading aloud or copying by eye: `482 913`.
    pub fn spaced(&self) -> String {
        let d = self.digits();
        format!("{} {}", &d[..3], &d[3..])
    }
}

impl PartialEq for OneTimeCode {
    fn eq(&self, other: &Self) -> bool {
        self.digits() == other.digits()
    }
}

/// The line a text message ends with so phones offer the code (WebOTP, iOS): `@{host} #482913`,
/// the host of `public_base_url` without scheme or port.
pub fn autofill_line(public_base_url: &str, code: &OneTimeCode) -> String {
    let rest = public_base_url
        .split_once("://")
        .map_or(public_base_url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = match authority.rsplit_once(':') {
        // `[::1]:3000` keeps its brackets; a bare IPv6 literal has no port to strip.
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.is_empty() => h,
        _ => authority,
    };
    format!("@{host} #{}", code.digits())
}

/// What the store keeps of a code: its keyed hash and the id of the key that made it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeHash {
    /// Lower-case hex of the HMAC-SHA256.
    pub hash: String,
    /// Which key made it ([`CodeKeys`]): a hash of the derived key, naming it without saying
    /// anything about it.
    pub key: String,
}

impl std::fmt::Debug for CodeHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeHash")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

struct CodeKey {
    id: String,
    key: hmac::Key,
}

impl CodeKey {
    fn from_secret(secret: &SecretString) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret().as_bytes());
        let derived = hmac::sign(&root, CODE_KEY_LABEL);
        let digest = Sha256::digest(derived.as_ref());
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            id,
            key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        }
    }

    fn message(user_id: &UserId, purpose: TokenPurpose, code: &OneTimeCode) -> String {
        format!("{}\n{}\n{}", user_id.0, purpose.as_str(), code.digits())
    }
}

/// The keys codes are hashed under: the current session secret's hashes new codes; the staged
/// and previous ones still verify during a rotation.
pub struct CodeKeys {
    signing: CodeKey,
    others: Vec<CodeKey>,
}

impl CodeKeys {
    pub fn new(secrets: &SigningSecrets) -> Self {
        Self {
            signing: CodeKey::from_secret(&secrets.current),
            others: [&secrets.next, &secrets.previous]
                .into_iter()
                .flatten()
                .map(CodeKey::from_secret)
                .collect(),
        }
    }

    /// The hash the store keeps of `code`, the code of `user_id`'s link of `purpose`.
    pub fn hash(&self, user_id: &UserId, purpose: TokenPurpose, code: &OneTimeCode) -> CodeHash {
        let tag = hmac::sign(
            &self.signing.key,
            CodeKey::message(user_id, purpose, code).as_bytes(),
        );
        CodeHash {
            hash: tag.as_ref().iter().map(|b| format!("{b:02x}")).collect(),
            key: self.signing.id.clone(),
        }
    }

    /// Whether `code` is the code `stored` was made of, for that user and purpose. Constant
    /// time in the code; `false` when no key of ours made `stored`.
    pub fn verify(
        &self,
        stored: &CodeHash,
        user_id: &UserId,
        purpose: TokenPurpose,
        code: &OneTimeCode,
    ) -> bool {
        let Some(key) = std::iter::once(&self.signing)
            .chain(&self.others)
            .find(|k| k.id == stored.key)
        else {
            return false;
        };
        let Some(tag) = hex_bytes(&stored.hash) else {
            return false;
        };
        hmac::verify(
            &key.key,
            CodeKey::message(user_id, purpose, code).as_bytes(),
            &tag,
        )
        .is_ok()
    }
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &str) -> CodeKeys {
        CodeKeys::new(&SigningSecrets::only(SecretString::from(secret.to_owned())))
    }

    fn token(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_code_is_six_digits_derived_from_its_token_alone() {
        let a = OneTimeCode::of_token(&token("token-a"));
        assert_eq!(a.digits().len(), 6);
        assert!(a.digits().bytes().all(|b| b.is_ascii_digit()));
        assert!(
            a == OneTimeCode::of_token(&token("token-a")),
            "a retry rebuilds it"
        );
        let distinct: std::collections::HashSet<String> = (0..200)
            .map(|i| {
                OneTimeCode::of_token(&token(&format!("t{i}")))
                    .digits()
                    .to_owned()
            })
            .collect();
        assert!(distinct.len() > 190, "codes spread: {}", distinct.len());
    }

    #[test]
    fn typed_codes_ignore_spaces_and_dashes_and_nothing_else() {
        let code = OneTimeCode::parse("482 913").unwrap();
        assert_eq!(code.digits(), "482913");
        assert_eq!(code.spaced(), "482 913");
        assert_eq!(OneTimeCode::parse(" 482-913 ").unwrap().digits(), "482913");
        for bad in ["48291", "4829134", "48291a", "", "482_913", "４８２９１３"] {
            assert!(OneTimeCode::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_autofill_line_names_the_host_without_port() {
        let code = OneTimeCode::parse("482913").unwrap();
        assert_eq!(
            autofill_line("https://onboard.example.com", &code),
            "@onboard.example.com #482913"
        );
        assert_eq!(
            autofill_line("http://127.0.0.1:3000/", &code),
            "@127.0.0.1 #482913"
        );
    }

    #[test]
    fn a_code_verifies_for_its_user_and_purpose_only_and_through_a_rotation() {
        let k = keys("secret one");
        let user = UserId("u1".into());
        let code = OneTimeCode::parse("123456").unwrap();
        let stored = k.hash(&user, TokenPurpose::Setup, &code);
        assert!(!stored.hash.contains("123456"));
        assert!(k.verify(&stored, &user, TokenPurpose::Setup, &code));
        let wrong = OneTimeCode::parse("123457").unwrap();
        assert!(!k.verify(&stored, &user, TokenPurpose::Setup, &wrong));
        assert!(!k.verify(&stored, &UserId("u2".into()), TokenPurpose::Setup, &code));
        assert!(!k.verify(&stored, &user, TokenPurpose::Reset, &code));
        // Another secret's keys do not verify it...
        assert!(!keys("secret two").verify(&stored, &user, TokenPurpose::Setup, &code));
        // ...unless that secret is the previous one of a rotation.
        let rotated = CodeKeys::new(&SigningSecrets {
            current: SecretString::from("secret two".to_owned()),
            next: None,
            previous: Some(SecretString::from("secret one".to_owned())),
        });
        assert!(rotated.verify(&stored, &user, TokenPurpose::Setup, &code));
        assert_ne!(
            rotated.hash(&user, TokenPurpose::Setup, &code).key,
            stored.key
        );
    }

    #[test]
    fn nothing_about_a_code_reaches_debug_output() {
        let k = keys("s");
        let code = OneTimeCode::parse("482913").unwrap();
        let stored = k.hash(&UserId("u".into()), TokenPurpose::Reset, &code);
        let shown = format!("{stored:?}");
        assert!(!shown.contains(&stored.hash), "{shown}");
    }
}
