//! The outbox: every email that carries a link (welcome, reminder, reset) is a mail job, written
//! in the same store transaction as the link it carries, and sent afterwards by whoever holds it
//! (the request that wrote it, at once, or the schedule's sweep). A process that dies between the
//! commit and the mail service's answer loses nothing: the job is still there.
//!
//! The store keeps only a token's SHA-256, so a job cannot hold its link. Instead the link's
//! token is derived from the job's random id with a key derived from the session signing secret
//! ([`LinkKeys`]): whoever can read that secret (each function reads it at init) can rebuild the
//! link, and a retry sends the very link that was stored. A leaked table gives job ids but no key;
//! the key opens nothing without the table. Both are needed, as for a session.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::session::SigningSecrets;
use super::{Identifier, TokenPurpose, UserId};

/// What a job's email is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailKind {
    /// The invite's setup link (on `POST /users`, a resend, a batch row).
    Welcome,
    /// One reminder of a waiting invite, with a fresh setup link that expires when the invite's
    /// link would have (`REMINDER_BEFORE` ahead of it).
    Reminder,
    /// A forgot-password reset link.
    Reset,
    /// No message: a watch on an invite's link, due when the link expires, that records
    /// `invite.expired` if the invite is still waiting on that link then (API.md, "Audit log").
    Expiry,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::Reminder => "reminder",
            Self::Reset => "reset",
            Self::Expiry => "expiry",
        }
    }

    /// The purpose of the link the email carries.
    pub fn purpose(self) -> TokenPurpose {
        match self {
            Self::Welcome | Self::Reminder | Self::Expiry => TokenPurpose::Setup,
            Self::Reset => TokenPurpose::Reset,
        }
    }
}

/// Which line a job waits in: emails and text messages are sent at rates of their own
/// (`MAIL_SEND_RATE`, `SMS_SEND_RATE`), so neither waits behind the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    Mail,
    Text,
    /// The invites' expiry watches ([`MailKind::Expiry`]), which the schedule reads, never sends.
    Expiry,
}

impl Queue {
    /// The queue's name as stored (DynamoDB: the `mailQueue` index's partition key).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mail => "mail",
            Self::Text => "text",
            Self::Expiry => "expiry",
        }
    }
}

/// One email waiting for the mail service. Nothing in it opens anything by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailJob {
    /// 128 random bits, base64url: the job's key, and what its link's token is derived from.
    pub id: String,
    pub kind: MailKind,
    pub user_id: UserId,
    /// Where the message goes: an email address (an email) or a mobile number (a text message).
    pub to: Identifier,
    /// The identifier the user was filed under when the job was written (the store reaches the
    /// user's record through it); absent in jobs written before phones, whose `to` was it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<Identifier>,
    /// The generation of the link this job is about: for a welcome or reset, the link it carries;
    /// for a reminder, the invite's link it reminds of (its own link is the next generation).
    pub generation: u64,
    /// When the link expires; a job is worth nothing after that.
    pub link_expires_at: DateTime<Utc>,
    /// Which [`LinkKeys`] key derives the token.
    pub key_id: String,
    /// When the job may be taken next: now for a queued job, the future while someone holds it
    /// (a lease) or while it waits for a retry, the reminder's time for a reminder.
    pub due: DateTime<Utc>,
    /// How many times someone took the job to send it.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

/// How long whoever takes a job holds it before someone else may (seconds): several times one
/// send and its store writes (every AWS call has its own timeouts, at most 7 s), so two senders
/// never hold one job, and short enough that a sender killed mid-send delays its email little.
pub const LEASE: i64 = 30;

/// After this many attempts a job that could not be handed over is `failed`.
pub const MAX_ATTEMPTS: u32 = 8;

impl MailJob {
    /// A new job for `user_id`'s link of `generation`, held by its writer until `due` (use `now`
    /// for a job that the sweep should send).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: MailKind,
        user_id: &UserId,
        to: &Identifier,
        home: &Identifier,
        generation: u64,
        link_expires_at: DateTime<Utc>,
        keys: &LinkKeys,
        now: DateTime<Utc>,
        due: DateTime<Utc>,
    ) -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random number generator is available");
        Self {
            id: URL_SAFE_NO_PAD.encode(bytes),
            kind,
            user_id: user_id.clone(),
            to: to.clone(),
            home: Some(home.clone()),
            generation,
            link_expires_at,
            key_id: keys.signing.id.clone(),
            due,
            attempts: u32::from(due > now),
            created_at: now,
        }
    }

    /// The identifier the user was filed under when the job was written.
    pub fn home(&self) -> &Identifier {
        self.home.as_ref().unwrap_or(&self.to)
    }

    /// Whether the job is a text message rather than an email.
    pub fn is_text(&self) -> bool {
        matches!(self.to, Identifier::Phone(_))
    }

    pub fn queue(&self) -> Queue {
        if self.kind == MailKind::Expiry {
            Queue::Expiry
        } else if self.is_text() {
            Queue::Text
        } else {
            Queue::Mail
        }
    }

    /// The generation of the link the email carries.
    pub fn link_generation(&self) -> u64 {
        match self.kind {
            MailKind::Welcome | MailKind::Reset | MailKind::Expiry => self.generation,
            MailKind::Reminder => self.generation + 1,
        }
    }

    /// When a job that could not be handed over on its `attempts`-th try is tried again:
    /// 10 s, 20 s, 40 s… capped at 15 minutes.
    pub fn retry_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let exponent = self.attempts.saturating_sub(1).min(7);
        let secs = (10_i64 << exponent).min(15 * 60);
        now + Duration::seconds(secs)
    }

    /// Until when the store keeps the job (DynamoDB: its TTL): a day past its link's expiry, or
    /// a week for an expiry watch, which is due at that expiry and must outlive it.
    pub fn keep_until(&self) -> DateTime<Utc> {
        let days = if self.kind == MailKind::Expiry { 7 } else { 1 };
        self.link_expires_at + Duration::days(days)
    }

    /// An expiry watch on the invite link of `generation` that `user_id` (filed under `home`) was
    /// sent, due when it expires ([`MailKind::Expiry`]).
    pub fn expiry_watch(
        user_id: &UserId,
        home: &Identifier,
        generation: u64,
        link_expires_at: DateTime<Utc>,
        keys: &LinkKeys,
        now: DateTime<Utc>,
    ) -> Self {
        let mut job = Self::new(
            MailKind::Expiry,
            user_id,
            home,
            home,
            generation,
            link_expires_at,
            keys,
            now,
            link_expires_at,
        );
        job.attempts = 0;
        job
    }

    /// Whether the link is still worth sending at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.link_expires_at
    }
}

/// The label the link key is derived under, so it is never the session key's seed.
const LINK_KEY_LABEL: &[u8] = b"onboarding link tokens v1";

struct LinkKey {
    id: String,
    key: hmac::Key,
}

impl LinkKey {
    fn from_secret(secret: &SecretString) -> Self {
        let root = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret().as_bytes());
        let derived = hmac::sign(&root, LINK_KEY_LABEL);
        // The id names the key without saying anything about it: a hash of the derived key.
        let digest = Sha256::digest(derived.as_ref());
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            id,
            key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        }
    }
}

/// The keys mail jobs' tokens are derived with: the current session secret's derives new jobs,
/// and during a rotation the staged and the previous one still rebuild older jobs' links.
pub struct LinkKeys {
    signing: LinkKey,
    others: Vec<LinkKey>,
}

impl LinkKeys {
    pub fn new(secrets: &SigningSecrets) -> Self {
        Self {
            signing: LinkKey::from_secret(&secrets.current),
            others: [&secrets.next, &secrets.previous]
                .into_iter()
                .flatten()
                .map(LinkKey::from_secret)
                .collect(),
        }
    }

    /// The 32 token bytes of `job`'s link, or `None` when no key of ours made it (a job written
    /// before a rotation retired its key: it cannot be sent any more).
    pub fn token_bytes(&self, job: &MailJob) -> Option<[u8; 32]> {
        let key = std::iter::once(&self.signing)
            .chain(&self.others)
            .find(|k| k.id == job.key_id)?;
        let tag = hmac::sign(
            &key.key,
            format!("{}:{}", job.kind.as_str(), job.id).as_bytes(),
        );
        tag.as_ref().try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ana() -> Identifier {
        Identifier::Email(crate::domain::EmailAddress::parse("ana@example.com").unwrap())
    }

    fn keys(secret: &str) -> LinkKeys {
        LinkKeys::new(&SigningSecrets::only(SecretString::from(secret.to_owned())))
    }

    fn job(keys: &LinkKeys) -> MailJob {
        let now = Utc::now();
        MailJob::new(
            MailKind::Welcome,
            &UserId("u1".into()),
            &ana(),
            &ana(),
            1,
            now + Duration::days(7),
            keys,
            now,
            now,
        )
    }

    #[test]
    fn a_job_rebuilds_the_same_token_and_another_job_or_key_does_not() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let a = job(&k);
        let b = job(&k);
        assert_eq!(k.token_bytes(&a), k.token_bytes(&a));
        assert!(k.token_bytes(&a).is_some());
        assert_ne!(k.token_bytes(&a), k.token_bytes(&b));
        let other = keys("another secret, another deployment");
        assert_eq!(other.token_bytes(&a), None);
    }

    #[test]
    fn a_rotation_keeps_rebuilding_jobs_of_the_previous_key() {
        let old = keys("the old secret, thirty-two bytes!");
        let j = job(&old);
        let rotated = LinkKeys::new(&SigningSecrets {
            current: SecretString::from("the new secret".to_owned()),
            next: None,
            previous: Some(SecretString::from(
                "the old secret, thirty-two bytes!".to_owned(),
            )),
        });
        assert_eq!(rotated.token_bytes(&j), old.token_bytes(&j));
    }

    #[test]
    fn a_job_held_by_its_writer_counts_one_attempt_and_retries_back_off() {
        let k = keys("s");
        let now = Utc::now();
        let held = MailJob::new(
            MailKind::Reset,
            &UserId("u1".into()),
            &ana(),
            &ana(),
            1,
            now + Duration::minutes(30),
            &k,
            now,
            now + Duration::seconds(LEASE),
        );
        assert_eq!(held.attempts, 1, "its writer holds it: the first attempt");
        let mut j = job(&k);
        assert_eq!(j.attempts, 0, "due for the sweep: no attempt yet");
        j.attempts = 1;
        assert_eq!(j.retry_at(now), now + Duration::seconds(10));
        j.attempts = 3;
        assert_eq!(j.retry_at(now), now + Duration::seconds(40));
        j.attempts = 30;
        assert_eq!(j.retry_at(now), now + Duration::minutes(15));
    }
}
