//! The embedded store: redb, one file under `DATA_DIR`, kept across restarts. Each domain
//! operation is one redb write transaction, which redb serialises, so the operations are atomic
//! and concurrent redemptions of one token see each other.
//!
//! This module owns the `EmbeddedStore`, its tables and the row plumbing they share; each port is
//! implemented in the file of its name (`users`, `links`, `limits`, `invites`, `crew`, `outbox`,
//! `passkeys`, `audit`, `webhooks`).

mod audit;
mod crew;
mod invites;
mod limits;
mod links;
mod outbox;
mod passkeys;
mod users;
mod webhooks;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;
use std::sync::Arc;

use crate::domain::Invite;
use crate::domain::{MailJob, TokenRecord, User, UserId};
use crate::ports::{BackendError, StoreError};

pub(super) const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
pub(super) const EMAILS: TableDefinition<&str, &str> = TableDefinition::new("emails");
/// A phone (E.164) → the user who has it: phones are unique as emails are.
pub(super) const PHONES: TableDefinition<&str, &str> = TableDefinition::new("phones");
pub(super) const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("tokens");
pub(super) const COUNTERS: TableDefinition<&str, &[u8]> = TableDefinition::new("counters");
/// A welcome email's message id → the user it invited, so a delivery event finds its invite.
pub(super) const MESSAGES: TableDefinition<&str, &str> = TableDefinition::new("messages");
/// The outbox: job id → mail job.
pub(super) const MAIL: TableDefinition<&str, &[u8]> = TableDefinition::new("mail");
/// A passkey's credential id (base64url) → the user who holds it.
pub(super) const PASSKEYS: TableDefinition<&str, &str> = TableDefinition::new("passkeys");
/// A started passkey ceremony's challenge → the ceremony, until answered.
pub(super) const CEREMONIES: TableDefinition<&str, &[u8]> = TableDefinition::new("ceremonies");
/// The audit log: `org`, `at` and event id ([`audit::log_key`]) → the event, so one
/// organisation's events are one range, in the log's order.
pub(super) const AUDIT: TableDefinition<&str, &[u8]> = TableDefinition::new("audit");
/// The fan-out marks: `at` and event id → the event, for each event not yet fanned out to the
/// webhooks (oldest first, as the schedule takes them).
pub(super) const FANOUT: TableDefinition<&str, &[u8]> = TableDefinition::new("fanout");
/// An organisation's webhooks: `org` and webhook id → the webhook.
pub(super) const WEBHOOKS: TableDefinition<&str, &[u8]> = TableDefinition::new("webhooks");
/// The delivery jobs: [`crate::domain::DeliveryJob::key`] → the job.
pub(super) const DELIVERIES: TableDefinition<&str, &[u8]> = TableDefinition::new("deliveries");
/// The record of delivery attempts: webhook id, `at` and event id → the attempt, so one
/// endpoint's attempts are one range, oldest first.
pub(super) const ATTEMPTS: TableDefinition<&str, &[u8]> = TableDefinition::new("attempts");

/// How long an audit event is kept unless the store is told otherwise (`AUDIT_RETENTION`).
const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 400;

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    /// Events older than this are not read (this store has no TTL to remove them).
    audit_retention: chrono::Duration,
}

/// The cause is kept as it is: redb, I/O and JSON errors name files and positions, never what is
/// stored, and this store only runs on a developer's machine.
pub(super) fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(BackendError::caused_by("the embedded store failed", e))
}

pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(backend)
}

pub(super) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(backend)
}

impl EmbeddedStore {
    /// Opens (or creates) the database file at `path`, readable by this user only: it holds
    /// password hashes, token hashes and every user's email.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(backend)?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            // Created 0600 before redb writes a byte (redb takes an empty file as a new
            // database), and a file an older version left 0644 is narrowed.
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)
                .map_err(backend)?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(backend)?;
        }
        let db = Database::create(path).map_err(backend)?;
        Self::init(db)
    }

    /// A store that lives in memory only: each test gets its own.
    pub fn in_memory() -> Self {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .expect("an in-memory database opens");
        Self::init(db).expect("an in-memory database initialises")
    }

    fn init(db: Database) -> Result<Self, StoreError> {
        let tx = db.begin_write().map_err(backend)?;
        tx.open_table(USERS).map_err(backend)?;
        tx.open_table(EMAILS).map_err(backend)?;
        tx.open_table(PHONES).map_err(backend)?;
        tx.open_table(TOKENS).map_err(backend)?;
        tx.open_table(COUNTERS).map_err(backend)?;
        tx.open_table(MESSAGES).map_err(backend)?;
        tx.open_table(MAIL).map_err(backend)?;
        tx.open_table(PASSKEYS).map_err(backend)?;
        tx.open_table(CEREMONIES).map_err(backend)?;
        for table in [AUDIT, FANOUT, WEBHOOKS, DELIVERIES, ATTEMPTS] {
            tx.open_table(table).map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        Ok(Self {
            db: Arc::new(db),
            audit_retention: chrono::Duration::days(DEFAULT_AUDIT_RETENTION_DAYS),
        })
    }

    /// Keeps audit events for `retention` after their time instead of the default 400 days.
    pub fn with_audit_retention(self, retention: chrono::Duration) -> Self {
        Self {
            audit_retention: retention,
            ..self
        }
    }

    /// Runs `f` in one write transaction on the blocking pool, committing only if it succeeds.
    pub(super) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&WriteTransaction) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let tx = db.begin_write().map_err(backend)?;
            let out = f(&tx)?;
            tx.commit().map_err(backend)?;
            Ok(out)
        })
        .await
        .map_err(backend)?
    }

    pub(super) fn read_user(tx: &WriteTransaction, id: &str) -> Result<Option<User>, StoreError> {
        let table = tx.open_table(USERS).map_err(backend)?;
        let found = table.get(id).map_err(backend)?;
        found.map(|v| decode(v.value())).transpose()
    }

    pub(super) fn write_user(tx: &WriteTransaction, user: &User) -> Result<(), StoreError> {
        let mut table = tx.open_table(USERS).map_err(backend)?;
        table
            .insert(user.id.0.as_str(), encode(user)?.as_slice())
            .map_err(backend)?;
        Ok(())
    }

    /// Points `invite`'s email (if it names one) at `user_id`.
    pub(super) fn write_message(
        tx: &WriteTransaction,
        user_id: &UserId,
        invite: Option<&Invite>,
    ) -> Result<(), StoreError> {
        if let Some(message_id) = invite.and_then(|i| i.message_id.as_deref()) {
            tx.open_table(MESSAGES)
                .map_err(backend)?
                .insert(message_id, user_id.0.as_str())
                .map_err(backend)?;
        }
        Ok(())
    }

    pub(super) fn write_jobs(tx: &WriteTransaction, jobs: &[MailJob]) -> Result<(), StoreError> {
        let mut table = tx.open_table(MAIL).map_err(backend)?;
        for job in jobs {
            table
                .insert(job.id.as_str(), encode(job)?.as_slice())
                .map_err(backend)?;
        }
        Ok(())
    }

    pub(super) fn read_job(tx: &WriteTransaction, id: &str) -> Result<Option<MailJob>, StoreError> {
        let table = tx.open_table(MAIL).map_err(backend)?;
        let found = table.get(id).map_err(backend)?;
        found.map(|v| decode(v.value())).transpose()
    }

    pub(super) fn write_token(
        tx: &WriteTransaction,
        token: &TokenRecord,
    ) -> Result<(), StoreError> {
        let mut table = tx.open_table(TOKENS).map_err(backend)?;
        table
            .insert(token.hash.to_hex().as_str(), encode(token)?.as_slice())
            .map_err(backend)?;
        Ok(())
    }

    /// Every token as stored, for tests that check what is (and is not) kept.
    #[cfg(feature = "test-hooks")]
    pub fn raw_token_rows(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let rtx = self.db.begin_read().map_err(backend)?;
        let table = rtx.open_table(TOKENS).map_err(backend)?;
        let mut rows = Vec::new();
        for row in table.iter().map_err(backend)? {
            let (k, v) = row.map_err(backend)?;
            rows.push((k.value().to_owned(), v.value().to_vec()));
        }
        Ok(rows)
    }

    /// Every stored byte, as a snapshot: tests compare two to prove a request changed nothing.
    #[cfg(feature = "test-hooks")]
    pub fn snapshot(&self) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
        let rtx = self.db.begin_read().map_err(backend)?;
        let mut rows = Vec::new();
        for (name, def) in [
            ("users", USERS),
            ("tokens", TOKENS),
            ("counters", COUNTERS),
            ("mail", MAIL),
            ("ceremonies", CEREMONIES),
            ("audit", AUDIT),
            ("fanout", FANOUT),
            ("webhooks", WEBHOOKS),
            ("deliveries", DELIVERIES),
            ("attempts", ATTEMPTS),
        ] {
            let table = rtx.open_table(def).map_err(backend)?;
            for row in table.iter().map_err(backend)? {
                let (k, v) = row.map_err(backend)?;
                rows.push((name.to_owned(), k.value().to_owned(), v.value().to_vec()));
            }
        }
        for (name, def) in [
            ("emails", EMAILS),
            ("phones", PHONES),
            ("messages", MESSAGES),
            ("passkeys", PASSKEYS),
        ] {
            let table = rtx.open_table(def).map_err(backend)?;
            for row in table.iter().map_err(backend)? {
                let (k, v) = row.map_err(backend)?;
                rows.push((
                    name.to_owned(),
                    k.value().to_owned(),
                    v.value().as_bytes().to_vec(),
                ));
            }
        }
        Ok(rows)
    }

    pub(super) fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&redb::ReadTransaction) -> Result<T, StoreError>,
    {
        let rtx = self.db.begin_read().map_err(backend)?;
        f(&rtx)
    }
}
