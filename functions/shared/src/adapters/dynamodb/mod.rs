//! The DynamoDB store: one table, partition key `pk`, four kinds of item.
//!
//! - `EMAIL#<normalised email>`: the whole user. It is what sign-in reads (one `GetItem`), and
//!   `attribute_not_exists(pk)` on it is what makes an email unique. Its `memberOf` puts it in
//!   the organisation index `byOrg` (sorted by `createdAt`), which lists an organisation's users.
//! - `USER#<id>`: a pointer `{email}`, so a session's user is two reads away.
//! - `TOKEN#<sha256 hex>`: a setup or reset token, with `expiresAt` (epoch seconds) for TTL.
//! - `RATE#<key>#<window start>`: a rate-limit counter, counted with `ADD` (a slot: a conditional
//!   update inside a `TransactWriteItems`), with TTL.
//! - `MSG#<message id>`: which invite an email was, for the mail service's events, with TTL.
//! - `MAIL#<job id>`: an email waiting in the outbox (`mail`), on the sparse `mailQueue` index.
//!
//! TTL deletes items hours or days late, so expiry is always checked in code and in conditions:
//! the exact instant is kept as `validUntil`, a fixed-width RFC 3339 string that sorts as time.
//! Every operation that must be atomic is one conditional write or one `TransactWriteItems`;
//! cancellation reasons (with the old item, where DynamoDB gives it) become the store's errors.
//! Token hashes live only in keys, and no key reaches an error message or a log.
//!
//! This module owns the `DynamoStore` and its `Store` impl, which hands each operation to the
//! module of its concern: `layout` (keys, attribute names, value
//! formats), `items` (the item structs, mapped by `serde_dynamo`), `users`,
//! `tokens`, `crew` (list, cancel, disable, enable), `counters`, `requests` (the round trips they share), `errors` (AWS failures as store
//! errors, redacted) and `capacity` (the bench's meter, only with `test-hooks`).

mod capacity;
mod counters;
mod crew;
mod errors;
mod items;
mod layout;
mod mail;
mod requests;
mod tokens;
mod users;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};

#[cfg(feature = "test-hooks")]
pub use capacity::CapacityMeter;

use crate::domain::user::Invite;
use crate::domain::{
    DeliveryEvent, EmailAddress, InviteStatus, MailJob, TokenHash, TokenRecord, User, UserId,
};
use crate::ports::{
    Limited, MailOutcome, Redemption, Rehash, SessionChange, Slots, Store, StoreError, UserPage,
    UserQuery,
};

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    capacity: capacity::Capacity,
}

impl DynamoStore {
    /// `client` is built once at start; `table` is the table of `template.yaml`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            capacity: capacity::Capacity::default(),
        }
    }

    /// The same store, asking DynamoDB for the capacity each request consumed and adding it up.
    #[cfg(feature = "test-hooks")]
    pub fn with_capacity_meter(mut self, meter: CapacityMeter) -> Self {
        self.capacity.meter = Some(meter);
        self
    }

    /// The client, for tests that put items the store would never write.
    #[cfg(feature = "test-hooks")]
    pub fn client(&self) -> &Client {
        &self.client
    }

    #[cfg(feature = "test-hooks")]
    pub fn table(&self) -> &str {
        &self.table
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn create_user_with_mail(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
        mail_jobs: &[MailJob],
    ) -> Result<(), StoreError> {
        users::create(self, user, setup_token, mail_jobs).await
    }

    async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<User>, StoreError> {
        users::by_email(self, email).await
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        users::by_id(self, id).await
    }

    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        tokens::by_hash(self, hash).await
    }

    async fn issue_token_with_mail(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail_jobs: &[MailJob],
    ) -> Result<(), StoreError> {
        tokens::issue(self, token, invite, mail_jobs).await
    }

    async fn issue_token_within_limits(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail_jobs: &[MailJob],
        slots: &Slots<'_>,
    ) -> Result<bool, StoreError> {
        tokens::issue_within_limits(self, token, invite, mail_jobs, slots).await
    }

    async fn due_mail(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<MailJob>, StoreError> {
        mail::due(self, now, limit).await
    }

    async fn take_mail(
        &self,
        job: &MailJob,
        until: DateTime<Utc>,
    ) -> Result<Option<MailJob>, StoreError> {
        mail::take(self, job, until).await
    }

    async fn finish_mail(&self, job: &MailJob, outcome: &MailOutcome) -> Result<(), StoreError> {
        mail::finish(self, job, outcome).await
    }

    async fn redeem_token(&self, r: &Redemption) -> Result<User, StoreError> {
        tokens::redeem(self, r).await
    }

    async fn change_password(
        &self,
        change: &SessionChange,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        users::change_password(self, change, password_hash).await
    }

    async fn end_sessions(&self, change: &SessionChange) -> Result<(), StoreError> {
        users::end_sessions(self, change).await
    }

    async fn set_invite_status(
        &self,
        user_id: &UserId,
        status: InviteStatus,
    ) -> Result<(), StoreError> {
        users::set_invite_status(self, user_id, status).await
    }

    async fn record_invite_email(
        &self,
        user: &User,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        users::record_invite_email(self, user, message_id, now).await
    }

    async fn apply_delivery_event(
        &self,
        message_id: &str,
        event: DeliveryEvent,
    ) -> Result<bool, StoreError> {
        users::apply_delivery_event(self, message_id, event).await
    }

    async fn rehash_password(&self, rehash: &Rehash) -> Result<(), StoreError> {
        users::rehash_password(self, rehash).await
    }

    async fn count_event(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        counters::count_event(self, key, window, now).await
    }

    async fn take_slots(
        &self,
        limits: &[Limited],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        counters::take_slots(self, limits, window, now).await
    }

    async fn give_back_slots(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        counters::give_back_slots(self, keys, window, now).await
    }

    async fn peek_counts(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError> {
        counters::peek_counts(self, keys, window, now).await
    }

    /// One BatchGetItem: the user's email item and the sign-in counters together.
    async fn sign_in_view(
        &self,
        email: &EmailAddress,
        counter_keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(Option<User>, Vec<u64>), StoreError> {
        counters::sign_in_view(self, email, counter_keys, window, now).await
    }

    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError> {
        crew::list(self, query).await
    }

    async fn cancel_invite(&self, user: &User) -> Result<(), StoreError> {
        crew::cancel(self, user).await
    }

    async fn disable_user(
        &self,
        user: &User,
        new_session_version: &str,
    ) -> Result<User, StoreError> {
        crew::disable(self, user, new_session_version).await
    }

    async fn enable_user(&self, user: &User) -> Result<User, StoreError> {
        crew::enable(self, user).await
    }
}
