//! One-time tokens behind setup and reset links: 32 random bytes, base64url in the link, and only
//! their SHA-256 kept. Purpose, expiry, one-time use and generation are checked on every use.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::code::{CodeHash, CodeKeys, OneTimeCode};
use super::{Contacts, Locale, OrgId, Role, User, UserId};

const TOKEN_BYTES: usize = 32;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenPurpose {
    Setup,
    Reset,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Reset => "reset",
        }
    }
    /// The path of the page the link opens.
    pub fn path(self) -> &'static str {
        match self {
            Self::Setup => "/setup",
            Self::Reset => "/reset",
        }
    }
}

/// SHA-256 of a token: what the store keys tokens by. A 256-bit random token needs no salt or
/// slow hash; a leaked table gives nothing that opens a link.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let s = std::str::from_utf8(chunk).ok()?;
            out[i] = u8::from_str_radix(s, 16).ok()?;
        }
        Some(Self(out))
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash([redacted])")
    }
}

impl Serialize for TokenHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(d)?;
        Self::from_hex(&hex).ok_or_else(|| serde::de::Error::custom("not a token hash"))
    }
}

/// A token as a link carries it. Only the email sees the plain value.
pub struct IssuedToken {
    pub plain: SecretString,
    pub record: TokenRecord,
}

/// What the store keeps of a token. It carries a copy of the user's identity (including the facts
/// the signed-in answer shows: name and when the account was made, which never change), so
/// redeeming a token needs no second read to sign the user in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    pub hash: TokenHash,
    pub purpose: TokenPurpose,
    pub user_id: UserId,
    pub org_id: OrgId,
    /// The user's email and phone when the token was issued (`email` alone in records written
    /// before phones, which read the same).
    #[serde(flatten)]
    pub contacts: Contacts,
    pub org_name: Option<String>,
    /// The user's display name and creation time; `default` keeps records written before these
    /// were copied readable.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub user_created_at: DateTime<Utc>,
    pub role: Role,
    pub generation: u64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// The keyed hash of the one-time code beside this link (`domain::code`); `None` for links
    /// issued before codes existed.
    #[serde(default)]
    pub code: Option<CodeHash>,
    /// Wrong codes tried against this link so far; at
    /// [`WRONG_CODES_PER_LINK`](super::code::WRONG_CODES_PER_LINK) its code is dead (the link
    /// still works).
    #[serde(default)]
    pub wrong_codes: u32,
    /// The user's locale when the link was issued, so its page speaks the language of the
    /// message that carried it; `None` for a user without one (and links issued before
    /// languages): `DEFAULT_LOCALE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
}

/// Why a link cannot be used. The one place that decides it is [`TokenRecord::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkProblem {
    #[error("the link is not valid, or a newer one replaced it")]
    Invalid,
    #[error("the link has expired")]
    Expired,
    #[error("the link has already been used")]
    Used,
}

/// Why a new link is not issued to a user ([`crate::domain::User::accept_link`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkRefused {
    /// A setup link for a user who has set a password (or is no longer invited).
    #[error("the user has already set a password")]
    AlreadyActive,
    /// Another link of the purpose was issued meanwhile: the generation is not the next one.
    #[error("another link was issued meanwhile")]
    Stale,
}

impl TokenRecord {
    /// Expired at the very instant of `expires_at`: a 7-day link is good for 7 days, not a second longer.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Whether this token can be used now for `purpose`: what can be known without the user.
    /// A used link says so even once expired, since that is the more useful thing to tell.
    pub fn check(&self, purpose: TokenPurpose, now: DateTime<Utc>) -> Result<(), LinkProblem> {
        if self.purpose != purpose {
            return Err(LinkProblem::Invalid);
        }
        if self.used_at.is_some() {
            return Err(LinkProblem::Used);
        }
        if self.is_expired(now) {
            return Err(LinkProblem::Expired);
        }
        Ok(())
    }

    /// Whether the token is still its user's newest link of its kind: a newer link, or a
    /// password set since, makes it dead. `user` is whoever the store found for it (if anyone).
    pub fn check_user(&self, user: Option<&User>) -> Result<(), LinkProblem> {
        match user {
            Some(u) if u.id == self.user_id && u.generation(self.purpose) == self.generation => {
                Ok(())
            }
            _ => Err(LinkProblem::Invalid),
        }
    }
}

/// Parses the token from a link, refusing anything that could not be one of ours before the
/// store is asked.
pub fn parse_token(raw: &str) -> Option<&str> {
    let raw = raw.trim();
    let ok = raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(raw)
}

pub struct TokenSubject<'a> {
    pub user_id: &'a UserId,
    pub org_id: &'a OrgId,
    pub contacts: &'a Contacts,
    pub org_name: Option<&'a str>,
    pub name: Option<&'a str>,
    pub created_at: DateTime<Utc>,
    pub role: Role,
    /// Copied onto the link ([`TokenRecord::locale`]).
    pub locale: Option<Locale>,
}

/// Draws a new token from the OS CSPRNG.
pub fn issue(
    purpose: TokenPurpose,
    subject: TokenSubject<'_>,
    generation: u64,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> IssuedToken {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    issue_from(bytes, purpose, subject, generation, now, now + lifetime)
}

/// A token of the given bytes: a mail job's link, whose bytes are derived from the job
/// (`domain::mail::LinkKeys`), so whoever sends the job rebuilds the link the store knows.
pub fn issue_from(
    bytes: [u8; TOKEN_BYTES],
    purpose: TokenPurpose,
    subject: TokenSubject<'_>,
    generation: u64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> IssuedToken {
    let plain = B64.encode(bytes);
    let record = TokenRecord {
        hash: TokenHash::of(&plain),
        purpose,
        user_id: subject.user_id.clone(),
        org_id: subject.org_id.clone(),
        contacts: subject.contacts.clone(),
        org_name: subject.org_name.map(str::to_owned),
        name: subject.name.map(str::to_owned),
        user_created_at: subject.created_at,
        role: subject.role,
        generation,
        created_at: now,
        expires_at,
        used_at: None,
        code: None,
        wrong_codes: 0,
        locale: subject.locale,
    };
    IssuedToken {
        plain: SecretString::from(plain),
        record,
    }
}

impl IssuedToken {
    /// The token with the keyed hash of its one-time code recorded, as every link is stored.
    pub fn with_code(mut self, keys: &CodeKeys) -> Self {
        let code = self.code();
        self.record.code = Some(keys.hash(&self.record.user_id, self.record.purpose, &code));
        self
    }

    /// The one-time code beside this link.
    pub fn code(&self) -> OneTimeCode {
        OneTimeCode::of_token(&self.plain)
    }

    /// The link for an email, from the configured public base URL (never a request's Host).
    pub fn link(&self, public_base_url: &str) -> String {
        format!(
            "{}{}?token={}",
            public_base_url.trim_end_matches('/'),
            self.record.purpose.path(),
            self.plain.expose_secret()
        )
    }

    /// The short form a text message carries, `{PUBLIC_BASE_URL}/s/{token}`: a `GET` of it
    /// answers `303` to the link's page without consuming anything. 16 characters shorter than
    /// [`IssuedToken::link`], which is a tenth of a GSM-7 segment.
    pub fn short_link(&self, public_base_url: &str) -> String {
        format!(
            "{}/s/{}",
            public_base_url.trim_end_matches('/'),
            self.plain.expose_secret()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject_issue(now: DateTime<Utc>) -> IssuedToken {
        let user_id = UserId("u1".into());
        let org_id = OrgId("o1".into());
        let contacts =
            Contacts::email(crate::domain::EmailAddress::parse("ana@example.com").unwrap());
        issue(
            TokenPurpose::Setup,
            TokenSubject {
                user_id: &user_id,
                org_id: &org_id,
                contacts: &contacts,
                org_name: None,
                name: None,
                created_at: now,
                role: Role::Tech,
                locale: Some(crate::domain::Locale::Es),
            },
            1,
            now,
            Duration::days(7),
        )
    }

    #[test]
    fn tokens_are_32_random_bytes_in_base64url_and_stored_as_their_sha256() {
        let now = Utc::now();
        let a = subject_issue(now);
        let b = subject_issue(now);
        let plain = a.plain.expose_secret();
        assert_eq!(plain.len(), 43);
        assert!(parse_token(plain).is_some());
        assert_ne!(plain, b.plain.expose_secret());
        assert_eq!(a.record.hash, TokenHash::of(plain));
        assert_ne!(a.record.hash.to_hex(), *plain);
    }

    #[test]
    fn a_setup_token_is_good_for_seven_days_and_not_a_second_longer() {
        let now = Utc::now();
        let token = subject_issue(now);
        assert!(!token
            .record
            .is_expired(now + Duration::days(7) - Duration::seconds(1)));
        assert!(token.record.is_expired(now + Duration::days(7)));
    }

    #[test]
    fn a_token_carries_its_users_locale_and_one_issued_before_languages_reads_without() {
        let token = subject_issue(Utc::now());
        assert_eq!(token.record.locale, Some(Locale::Es));
        let mut json = serde_json::to_value(&token.record).unwrap();
        assert_eq!(json["locale"], "es");
        json.as_object_mut().unwrap().remove("locale");
        let old: TokenRecord = serde_json::from_value(json).unwrap();
        assert_eq!(old.locale, None);
    }

    #[test]
    fn links_use_the_configured_base_url() {
        let token = subject_issue(Utc::now());
        let link = token.link("https://onboard.example.com/");
        assert!(link.starts_with("https://onboard.example.com/setup?token="));
    }

    #[test]
    fn hashes_round_trip_through_hex() {
        let h = TokenHash::of("x");
        assert_eq!(TokenHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(TokenHash::from_hex("zz"), None);
    }

    #[test]
    fn strings_that_cannot_be_tokens_are_refused_before_any_lookup() {
        assert!(parse_token("").is_none());
        assert!(parse_token("short").is_none());
        assert!(parse_token(&"a".repeat(44)).is_none());
        assert!(parse_token(&format!("{}=", "a".repeat(42))).is_none());
    }
}
