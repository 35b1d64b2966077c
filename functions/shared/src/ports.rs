//! The ports the handlers talk through: a store whose methods are the domain's atomic operations,
//! a mailer, and a clock. Each adapter makes each operation atomic in its own way.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

use crate::domain::user::Invite;
use crate::domain::{
    DeliveryEvent, EmailAddress, InviteStatus, MailJob, OrgId, TokenHash, TokenRecord, User,
    UserId, UserStatus,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("no such user")]
    UserNotFound,
    #[error("the user has already set a password")]
    AlreadyActive,
    #[error("the token was already used")]
    TokenUsed,
    #[error("the token has expired")]
    TokenExpired,
    #[error("the token does not exist or a newer one replaced it")]
    TokenInvalid,
    #[error("the record changed while we worked on it; try again")]
    Conflict,
    /// Busy or unreachable: the same request may pass later (the handlers answer `503`).
    #[error("the store is busy")]
    Unavailable(#[source] BackendError),
    /// Broken: a refusal, a bug or a malformed record (answered `503` like any store failure).
    #[error("store failure")]
    Backend(#[source] BackendError),
}

/// Store errors compare by kind, and the two failure kinds also by what the store was doing: a
/// cause is a trait object with no equality, and no caller decides anything on it. This keeps
/// `assert_eq!(result, Err(StoreError::TokenUsed))` in the contract suite.
impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Unavailable(a), Self::Unavailable(b)) | (Self::Backend(a), Self::Backend(b)) => {
                a.context == b.context
            }
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for StoreError {}

/// What a store was doing when it failed (`context`), and why (`source`), kept as an error chain
/// for the logs (`services::log_unexpected` walks it); responses never show either.
///
/// Adapters own what goes in: neither may carry a stored value (a token hash, an email, a
/// password hash), since both reach the logs. The DynamoDB adapter therefore keeps a redacted
/// copy of the SDK's chain rather than the SDK error itself (`adapters::dynamodb::errors`).
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
pub struct BackendError {
    pub context: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl BackendError {
    /// A failure with nothing underneath it (a condition the store checks itself).
    pub fn new(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            source: None,
        }
    }

    /// A failure caused by `source`.
    pub fn caused_by(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            context: context.into(),
            source: Some(source.into()),
        }
    }
}

/// Everything "consume this token and set the password" needs, known before the store is asked.
#[derive(Debug, Clone)]
pub struct Redemption {
    pub token: TokenRecord,
    pub password_hash: String,
    pub new_session_version: String,
    pub now: DateTime<Utc>,
}

/// A signed-in user's own change to their account, made only while the session that asked for
/// it is still current: the store refuses it (`Conflict`) when the user's session version moved
/// meanwhile (another password change, a reset, a sign-out everywhere, a disable).
#[derive(Debug, Clone)]
pub struct SessionChange {
    pub user_id: UserId,
    pub email: EmailAddress,
    /// The session version the asking session carries.
    pub session_version: String,
    /// The version every session issued from now on carries; every earlier session ends.
    pub new_session_version: String,
}

/// A change of password hash made on sign-in when argon2 parameters changed.
#[derive(Debug, Clone)]
pub struct Rehash {
    pub user_id: UserId,
    pub email: EmailAddress,
    /// Which hash is replaced: the user's own password, or the temporary one.
    pub temporary: bool,
    pub old_hash: String,
    pub new_hash: String,
}

/// The store. Reads return whole users; writes are whole domain operations.
#[async_trait]
pub trait Store: Send + Sync {
    /// Creates the user, claims the email (case-insensitively unique) and stores the first setup
    /// token, all or nothing.
    async fn create_user(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
    ) -> Result<(), StoreError> {
        self.create_user_with_mail(user, setup_token, &[]).await
    }

    /// [`Store::create_user`], and `mail` (the invite's emails: the transactional outbox) in the
    /// same write.
    async fn create_user_with_mail(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
        mail: &[MailJob],
    ) -> Result<(), StoreError>;

    /// The read that sign-in makes: one lookup by normalised email.
    async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<User>, StoreError>;

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError>;

    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError>;

    /// Stores a new token whose generation is one more than the user's current generation for its
    /// purpose, which kills every older token of that purpose in the same write. A setup token
    /// needs the user still `invited` (`AlreadyActive` otherwise) and records `invite` on the user.
    /// `Conflict` when another token was issued meanwhile.
    async fn issue_token(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
    ) -> Result<(), StoreError> {
        self.issue_token_with_mail(token, invite, &[]).await
    }

    /// [`Store::issue_token`], and `mail` (the emails of the new link) in the same write.
    async fn issue_token_with_mail(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
    ) -> Result<(), StoreError>;

    /// [`Store::issue_token_with_mail`] and [`Store::take_slots`] in one write, all or nothing:
    /// the link, its emails and one slot under each of `slots`' limits. `Ok(false)` when a limit
    /// is full: nothing is written (no slot, no link, no email), whatever else would have failed.
    /// A refusal of the link itself (`Conflict`, `UserNotFound`, `AlreadyActive`) takes no slot
    /// either, so the caller may retry without counting twice.
    ///
    /// One round trip: DynamoDB, one `TransactWriteItems` whose items are the counters (the
    /// condition of `take_slots`), the user's generation, the token and the jobs; at 2 WCU per
    /// item, as every transactional write.
    async fn issue_token_within_limits(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
        slots: &Slots<'_>,
    ) -> Result<bool, StoreError>;

    /// Up to `limit` mail jobs due at `now`, the longest waiting first (DynamoDB: one `Query` of
    /// the sparse `mailQueue` index, which only jobs are in). A job just taken by someone else may
    /// still be listed: taking it is what decides.
    async fn due_mail(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<MailJob>, StoreError>;

    /// Takes `job` until `until` (its `due`), counting one attempt, if it is still as listed:
    /// `None` when another sender took it first or it is gone. One conditional write.
    async fn take_mail(
        &self,
        job: &MailJob,
        until: DateTime<Utc>,
    ) -> Result<Option<MailJob>, StoreError>;

    /// Records what became of a job this sender holds, all or nothing ([`MailOutcome`]).
    async fn finish_mail(&self, job: &MailJob, outcome: &MailOutcome) -> Result<(), StoreError>;

    /// Consumes the token, sets the password, clears the temporary password, kills every other
    /// setup and reset token and every earlier session, all or nothing. Exactly one of any number
    /// of concurrent redemptions of one token succeeds.
    ///
    /// Returns the user to sign in: identity (from the token's copy), status, password hashes and
    /// session version as this redemption left them. `invite` and the generations are not part of
    /// the answer: a store that would need another round trip to read them back (DynamoDB's
    /// transactions return no item) may leave them out (`None`, `0`); read the user for those.
    async fn redeem_token(&self, redemption: &Redemption) -> Result<User, StoreError>;

    /// Sets the user's own password as a redemption does (`User::set_own_password`: temporary
    /// password cleared, every link and every other session ended), if `change` is still
    /// current. Returns the user as left.
    async fn change_password(
        &self,
        change: &SessionChange,
        password_hash: &str,
    ) -> Result<User, StoreError>;

    /// Ends every session of the user (a new session version), if `change` is still current.
    async fn end_sessions(&self, change: &SessionChange) -> Result<(), StoreError>;

    /// Records whether the welcome email reached the mail service.
    async fn set_invite_status(
        &self,
        user_id: &UserId,
        status: InviteStatus,
    ) -> Result<(), StoreError>;

    /// Records that the mail service accepted the invite's newest welcome email as `message_id`:
    /// the invite is `sent`, remembers that id (events about any earlier email stop counting) and
    /// forgets an earlier email's bounce; the id finds the user again (DynamoDB: a `MSG#<id>`
    /// item). `user` is who was invited (its id and email, as stored: no read is needed to find
    /// the item). `UserNotFound` when the user is gone or has no invite.
    async fn record_invite_email(
        &self,
        user: &User,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Applies a mail service's event about email `message_id` to the invite it was the newest
    /// email of ([`User::apply_delivery_event`]'s rules). Whether the invite changed: `false` for
    /// an unknown or superseded email, a used invite, and an event already applied.
    async fn apply_delivery_event(
        &self,
        message_id: &str,
        event: DeliveryEvent,
    ) -> Result<bool, StoreError>;

    /// Replaces a password hash if it is still `old_hash`.
    async fn rehash_password(&self, rehash: &Rehash) -> Result<(), StoreError>;

    /// Counts one event under `key` in the fixed window of `window` that holds `now`, and returns
    /// the count in that window including this one. Counters expire with their window.
    async fn count_event(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// The counts under `keys` in the window that holds `now`, without counting: what a request
    /// reads to know whether it is already over a limit. Missing counters are 0.
    async fn peek_counts(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError>;

    /// Takes one slot under every limit's key in the fixed window of `window` that holds `now`,
    /// all or none, atomically: `false` (and nothing written) when any key already holds `max`
    /// slots. Concurrent calls never take more than `max` slots of one key, so a burst is counted
    /// as it arrives. Counters expire with their window. A key given twice is one counter, held
    /// to the stricter `max`.
    ///
    /// One round trip: DynamoDB, one `TransactWriteItems` with a conditional update per key
    /// (2 WCU per key, twice a plain `UpdateItem`'s 1, bought for all-or-none without a
    /// give-back round trip on refusal). Concurrent transactions on one counter conflict and are
    /// retried (`DynamoStore::transact`), where plain updates would queue.
    async fn take_slots(
        &self,
        limits: &[Limited],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives back one slot under each key, never below zero: an attempt that turned out not to
    /// count (a successful sign-in).
    async fn give_back_slots(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// What sign-in reads: the user by email and its rate-limit counters in the window holding
    /// `now`. Stores that can read both in one request do (DynamoDB: one BatchGetItem).
    async fn sign_in_view(
        &self,
        email: &EmailAddress,
        counter_keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(Option<User>, Vec<u64>), StoreError> {
        let (user, counts) = tokio::join!(
            self.user_by_email(email),
            self.peek_counts(counter_keys, window, now)
        );
        Ok((user?, counts?))
    }

    /// One page of an organisation's users, newest first (by creation time, then by email,
    /// both descending), only those of `status` when given: at most `limit` users, starting after
    /// `after`. `next` is the last user's position when more may follow. One read per page
    /// (DynamoDB: one `Query` of the organisation index).
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError>;

    /// Removes a user who has not set a password yet: the user, their email's claim and their
    /// links, all or nothing, so the email is free again. `AlreadyActive` once they have set a
    /// password (so a cancel racing a setup of the same invite loses to it and says why),
    /// `UserNotFound` when the user is gone, `Conflict` when a link was issued meanwhile.
    async fn cancel_invite(&self, user: &User) -> Result<(), StoreError>;

    /// Disables the user in one write: status `disabled`, `new_session_version` (every session
    /// ends), both link generations moved on (every setup and reset link dies). Returns the user
    /// as left. A user already disabled is returned as they are. `UserNotFound` when gone.
    async fn disable_user(
        &self,
        user: &User,
        new_session_version: &str,
    ) -> Result<User, StoreError>;

    /// Enables a disabled user: the status they had comes back (`User::status_when_enabled`);
    /// sessions and links stay dead. A user who is not disabled is returned as they are.
    async fn enable_user(&self, user: &User) -> Result<User, StoreError>;
}

/// What became of a mail job. Every outcome but `Retry` removes the job. The invite changes only
/// while its setup link is still the job's (same generation, user still invited): an email about
/// a link replaced meanwhile says nothing about the invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    /// The mail service accepted it as `message_id`: a welcome or reminder's invite is `sent`,
    /// remembers that id (an empty id is not recorded) and forgets an earlier bounce.
    Sent {
        message_id: String,
        at: DateTime<Utc>,
    },
    /// Not handed over yet: try again at `at` (the job stays, no longer held).
    Retry { at: DateTime<Utc> },
    /// Could not be handed over: a welcome or reminder's invite is `failed`.
    Failed,
    /// Nothing to send any more: the user is gone, active or disabled, the link was replaced or
    /// expired, or the invite needs no reminder.
    Dropped,
}

/// Which users a list page asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    pub org_id: OrgId,
    pub status: Option<UserStatus>,
    pub limit: usize,
    pub after: Option<PageKey>,
}

/// Where a page of users ends: the last user's creation time and email (the order's keys).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageKey {
    #[serde(rename = "t")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "e")]
    pub email: EmailAddress,
}

impl PageKey {
    pub fn of(user: &User) -> Self {
        Self {
            created_at: user.created_at,
            email: user.email.clone(),
        }
    }
}

/// One page of users and where the next one starts (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next: Option<PageKey>,
}

/// Rate-limit slots taken in the same write as the work they limit
/// ([`Store::issue_token_within_limits`]): one under each of `limits` in the fixed window of
/// `window` that holds `now`, as [`Store::take_slots`] takes them.
#[derive(Debug, Clone, Copy)]
pub struct Slots<'a> {
    pub limits: &'a [Limited],
    pub window: Duration,
    pub now: DateTime<Utc>,
}

/// One rate limit on one store key: at most `max` slots in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    pub key: String,
    pub max: u64,
}

/// The start (epoch seconds) of the fixed window of length `window` that holds `now`.
pub fn window_start(window: Duration, now: DateTime<Utc>) -> i64 {
    let secs = window.num_seconds().max(1);
    now.timestamp() - now.timestamp().rem_euclid(secs)
}

/// An email ready to hand to a mail service.
#[derive(Clone)]
pub struct EmailMessage {
    pub to: EmailAddress,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// The setup or reset link inside, for the local outbox to print on the console.
    pub link: String,
    /// `welcome`, `reminder`, `reset` or `password_changed`, for the mail service's tags and the
    /// outbox's file names.
    pub purpose: &'static str,
}

impl std::fmt::Debug for EmailMessage {
    /// The body carries a live link: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailMessage")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail service refused the message: {0}")]
    Rejected(String),
    #[error("the mail service could not be reached: {0}")]
    Unavailable(String),
    /// The account cannot send now (over its rate or daily quota, or sending paused): the same
    /// message passes later, however many tries that takes.
    #[error("the mail service is not sending for this account now: {0}")]
    Throttled(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hands the message to the mail service; the id it gave the message (SES's `MessageId`),
    /// which its delivery, bounce and complaint events name.
    async fn send(&self, message: &EmailMessage) -> Result<String, MailError>;
}

/// How long an email's id keeps finding its invite: SES reports bounces within days and
/// complaints within weeks; later events are dropped.
pub const MESSAGE_LOOKUP_DAYS: i64 = 30;

/// Whether a password is known from data breaches. Only a check: `true` when the password is
/// known breached; `false` when it is not, and when no answer could be had (adapters fail open,
/// see `adapters::breached`).
#[async_trait]
pub trait BreachedPasswords: Send + Sync {
    async fn is_breached(&self, password: &secrecy::SecretString) -> bool;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to, for tests of lifetimes.
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock lock");
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

impl From<crate::domain::LinkProblem> for StoreError {
    fn from(p: crate::domain::LinkProblem) -> Self {
        use crate::domain::LinkProblem;
        match p {
            LinkProblem::Invalid => Self::TokenInvalid,
            LinkProblem::Expired => Self::TokenExpired,
            LinkProblem::Used => Self::TokenUsed,
        }
    }
}
