//! The DynamoDB store: one table, partition key `pk`, these kinds of item:
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
//! - `PASSKEY#<credential id>`: a pointer `{userId, home}` from a passkey to its user (the
//!   passkeys themselves are on the user item), so a sign-in by passkey is two reads away.
//! - `CEREMONY#<challenge>`: a started passkey ceremony until answered, with TTL.
//! - `AUDIT#<event id>`: an audit event, kept for the audit retention (TTL); in the organisation
//!   index under `AUDIT#<org>`, in the user index `byUser` when it is about a user, and in the
//!   outbox index (queue `fanout`) until it is fanned out to the webhooks.
//! - `WEBHOOK#<id>` (in the organisation index under `WEBHOOKS#<org>`), the organisation's
//!   webhook counter `WEBHOOKS#<org>`, delivery jobs `HOOKJOB#<event id>#<webhook id>` (queue
//!   `hook`) and attempts' records `HOOKTRY#<webhook id>#…`, with TTL.
//!
//! TTL deletes items hours or days late, so expiry is always checked in code and in conditions:
//! the exact instant is kept as `validUntil`, a fixed-width RFC 3339 string that sorts as time.
//! Every operation that must be atomic is one conditional write or one `TransactWriteItems`;
//! cancellation reasons (with the old item, where DynamoDB gives it) become the store's errors.
//! Token hashes live in keys, and in the items that name a token (a user's newest links, a
//! passkey ceremony started from a link); none reaches an error message or a log.
//!
//! This module owns the `DynamoStore`; each port is implemented in the file of its name: `users`,
//! `links` (setup and reset tokens), `limits` (counters, slots and the sign-in view), `invites`,
//! `crew` (list, cancel, disable, enable), `outbox`, `passkeys` and `audit` (the log and
//! webhooks). They share `layout` (keys, attribute names, value formats), `items` (the item
//! structs, mapped by `serde_dynamo`), `requests` (the round trips), `errors` (AWS failures as
//! store errors, redacted) and `capacity` (the bench's meter, only with `test-hooks`).

mod audit;
mod capacity;
mod correct;
mod crew;
mod errors;
mod invites;
mod items;
mod layout;
mod limits;
mod links;
mod outbox;
mod passkeys;
mod requests;
mod users;

use aws_sdk_dynamodb::Client;

#[cfg(feature = "test-hooks")]
pub use capacity::CapacityMeter;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    capacity: capacity::Capacity,
    /// How long an audit event is kept after it happened (its `expiresAt`, and what a read of
    /// the log skips).
    audit_retention: chrono::Duration,
}

/// The audit log's retention unless told otherwise (API.md, "Audit log").
pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 400;

impl DynamoStore {
    /// `client` is built once at start; `table` is the table of `template.yaml`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            capacity: capacity::Capacity::default(),
            audit_retention: chrono::Duration::days(DEFAULT_AUDIT_RETENTION_DAYS),
        }
    }

    /// The same store, keeping audit events for `retention` instead of
    /// [`DEFAULT_AUDIT_RETENTION_DAYS`].
    pub fn with_audit_retention(mut self, retention: chrono::Duration) -> Self {
        self.audit_retention = retention;
        self
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
