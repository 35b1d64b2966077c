//! The embedded store: redb, one file under `DATA_DIR`, kept across restarts. Each domain
//! operation is one redb write transaction, which redb serialises, so the operations are atomic
//! and concurrent redemptions of one token see each other.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

use crate::domain::user::Invite;
use crate::domain::{
    DeliveryEvent, EmailAddress, InviteStatus, MailJob, MailKind, TokenHash, TokenPurpose,
    TokenRecord, User, UserId, UserStatus,
};
use crate::ports::{
    window_start, BackendError, Limited, MailOutcome, PageKey, Redemption, Rehash, SessionChange,
    Slots, Store, StoreError, UserPage, UserQuery,
};

const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
const EMAILS: TableDefinition<&str, &str> = TableDefinition::new("emails");
const TOKENS: TableDefinition<&str, &[u8]> = TableDefinition::new("tokens");
const COUNTERS: TableDefinition<&str, &[u8]> = TableDefinition::new("counters");
/// A welcome email's message id → the user it invited, so a delivery event finds its invite.
const MESSAGES: TableDefinition<&str, &str> = TableDefinition::new("messages");
/// The outbox: job id → mail job.
const MAIL: TableDefinition<&str, &[u8]> = TableDefinition::new("mail");

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
}

#[derive(Serialize, Deserialize)]
struct Counter {
    window_start: i64,
    count: u64,
}

/// The cause is kept as it is: redb, I/O and JSON errors name files and positions, never what is
/// stored, and this store only runs on a developer's machine.
fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(BackendError::caused_by("the embedded store failed", e))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(backend)
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
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
        tx.open_table(TOKENS).map_err(backend)?;
        tx.open_table(COUNTERS).map_err(backend)?;
        tx.open_table(MESSAGES).map_err(backend)?;
        tx.open_table(MAIL).map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(Self { db: Arc::new(db) })
    }

    /// Runs `f` in one write transaction on the blocking pool, committing only if it succeeds.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
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

    /// The count under `key` in the window starting at `window_start` (0 for an older window).
    fn count_in(
        counters: &redb::Table<&str, &[u8]>,
        key: &str,
        window_start: i64,
    ) -> Result<u64, StoreError> {
        let found = counters.get(key).map_err(backend)?;
        let counter: Option<Counter> = found.map(|v| decode(v.value())).transpose()?;
        Ok(counter
            .filter(|c| c.window_start == window_start)
            .map_or(0, |c| c.count))
    }

    /// Takes one slot under each of `limits` in the window starting at `window_start`, or none
    /// (`false`) when any is full. A key given twice is one counter, held to the stricter `max`.
    fn take_slots_in(
        tx: &WriteTransaction,
        limits: &[Limited],
        window_start: i64,
    ) -> Result<bool, StoreError> {
        let mut counters = tx.open_table(COUNTERS).map_err(backend)?;
        let mut next = Vec::with_capacity(limits.len());
        for l in limits {
            let count = Self::count_in(&counters, &l.key, window_start)?;
            if count >= l.max {
                return Ok(false);
            }
            next.push((l.key.as_str(), count + 1));
        }
        for (key, count) in next {
            let value = encode(&Counter {
                window_start,
                count,
            })?;
            counters.insert(key, value.as_slice()).map_err(backend)?;
        }
        Ok(true)
    }

    /// Stores `token` as the user's newest of its purpose, with `invite` and `mail`; an error
    /// leaves the transaction to be dropped (`write` commits only on success).
    fn issue_in(
        tx: &WriteTransaction,
        token: &TokenRecord,
        invite: Option<Invite>,
        mail: &[MailJob],
    ) -> Result<(), StoreError> {
        Self::write_jobs(tx, mail)?;
        let mut user = Self::read_user(tx, &token.user_id.0)?.ok_or(StoreError::UserNotFound)?;
        if token.purpose == TokenPurpose::Setup && user.status != crate::domain::UserStatus::Invited
        {
            return Err(StoreError::AlreadyActive);
        }
        if user.generation(token.purpose) + 1 != token.generation {
            return Err(StoreError::Conflict);
        }
        match token.purpose {
            TokenPurpose::Setup => user.setup_generation = token.generation,
            TokenPurpose::Reset => user.reset_generation = token.generation,
        }
        if let Some(invite) = invite {
            Self::write_message(tx, &user.id, Some(&invite))?;
            user.invite = Some(invite);
        }
        Self::write_user(tx, &user)?;
        Self::write_token(tx, token)
    }

    fn read_user(tx: &WriteTransaction, id: &str) -> Result<Option<User>, StoreError> {
        let table = tx.open_table(USERS).map_err(backend)?;
        let found = table.get(id).map_err(backend)?;
        found.map(|v| decode(v.value())).transpose()
    }

    /// The user `change` is about, while the asking session is still current.
    fn current_user(tx: &WriteTransaction, change: &SessionChange) -> Result<User, StoreError> {
        let user = Self::read_user(tx, &change.user_id.0)?.ok_or(StoreError::UserNotFound)?;
        if user.session_version != change.session_version {
            return Err(StoreError::Conflict);
        }
        Ok(user)
    }

    fn write_user(tx: &WriteTransaction, user: &User) -> Result<(), StoreError> {
        let mut table = tx.open_table(USERS).map_err(backend)?;
        table
            .insert(user.id.0.as_str(), encode(user)?.as_slice())
            .map_err(backend)?;
        Ok(())
    }

    /// Points `invite`'s email (if it names one) at `user_id`.
    fn write_message(
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

    fn write_jobs(tx: &WriteTransaction, jobs: &[MailJob]) -> Result<(), StoreError> {
        let mut table = tx.open_table(MAIL).map_err(backend)?;
        for job in jobs {
            table
                .insert(job.id.as_str(), encode(job)?.as_slice())
                .map_err(backend)?;
        }
        Ok(())
    }

    fn read_job(tx: &WriteTransaction, id: &str) -> Result<Option<MailJob>, StoreError> {
        let table = tx.open_table(MAIL).map_err(backend)?;
        let found = table.get(id).map_err(backend)?;
        found.map(|v| decode(v.value())).transpose()
    }

    fn write_token(tx: &WriteTransaction, token: &TokenRecord) -> Result<(), StoreError> {
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
        ] {
            let table = rtx.open_table(def).map_err(backend)?;
            for row in table.iter().map_err(backend)? {
                let (k, v) = row.map_err(backend)?;
                rows.push((name.to_owned(), k.value().to_owned(), v.value().to_vec()));
            }
        }
        for (name, def) in [("emails", EMAILS), ("messages", MESSAGES)] {
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

    fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&redb::ReadTransaction) -> Result<T, StoreError>,
    {
        let rtx = self.db.begin_read().map_err(backend)?;
        f(&rtx)
    }
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn create_user_with_mail(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
        mail: &[MailJob],
    ) -> Result<(), StoreError> {
        let user = user.clone();
        let token = setup_token.cloned();
        let mail = mail.to_vec();
        self.write(move |tx| {
            Self::write_jobs(tx, &mail)?;
            {
                let mut emails = tx.open_table(EMAILS).map_err(backend)?;
                if emails.get(user.email.as_str()).map_err(backend)?.is_some() {
                    return Err(StoreError::EmailTaken);
                }
                emails
                    .insert(user.email.as_str(), user.id.0.as_str())
                    .map_err(backend)?;
            }
            Self::write_user(tx, &user)?;
            if let Some(token) = &token {
                Self::write_token(tx, token)?;
            }
            Ok(())
        })
        .await
    }

    async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<User>, StoreError> {
        self.read(|rtx| {
            let emails = rtx.open_table(EMAILS).map_err(backend)?;
            let Some(id) = emails.get(email.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let users = rtx.open_table(USERS).map_err(backend)?;
            let found = users.get(id.value()).map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.read(|rtx| {
            let users = rtx.open_table(USERS).map_err(backend)?;
            let found = users.get(id.0.as_str()).map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
    }

    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        self.read(|rtx| {
            let tokens = rtx.open_table(TOKENS).map_err(backend)?;
            let found = tokens.get(hash.to_hex().as_str()).map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
    }

    async fn issue_token_with_mail(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
    ) -> Result<(), StoreError> {
        let token = token.clone();
        let invite = invite.cloned();
        let mail = mail.to_vec();
        self.write(move |tx| Self::issue_in(tx, &token, invite, &mail))
            .await
    }

    /// The slots and the link in one write transaction: a full limit returns before anything is
    /// written, and a refused link aborts the transaction with the slots in it.
    async fn issue_token_within_limits(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail: &[MailJob],
        slots: &Slots<'_>,
    ) -> Result<bool, StoreError> {
        let token = token.clone();
        let invite = invite.cloned();
        let mail = mail.to_vec();
        let limits = slots.limits.to_vec();
        let window_start = window_start(slots.window, slots.now);
        self.write(move |tx| {
            if !Self::take_slots_in(tx, &limits, window_start)? {
                return Ok(false);
            }
            Self::issue_in(tx, &token, invite, &mail)?;
            Ok(true)
        })
        .await
    }

    async fn due_mail(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<MailJob>, StoreError> {
        let mut due: Vec<MailJob> = self.read(|rtx| {
            let table = rtx.open_table(MAIL).map_err(backend)?;
            let mut jobs = Vec::new();
            for row in table.iter().map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                let job: MailJob = decode(v.value())?;
                if job.due.timestamp_millis() <= now.timestamp_millis() {
                    jobs.push(job);
                }
            }
            Ok(jobs)
        })?;
        due.sort_by_key(|j| (j.due, j.created_at));
        due.truncate(limit);
        Ok(due)
    }

    async fn take_mail(
        &self,
        job: &MailJob,
        until: DateTime<Utc>,
    ) -> Result<Option<MailJob>, StoreError> {
        let (id, seen) = (job.id.clone(), job.due.timestamp_millis());
        self.write(move |tx| {
            let Some(mut job) = Self::read_job(tx, &id)? else {
                return Ok(None);
            };
            if job.due.timestamp_millis() != seen {
                return Ok(None);
            }
            job.due = until;
            job.attempts += 1;
            Self::write_jobs(tx, std::slice::from_ref(&job))?;
            Ok(Some(job))
        })
        .await
    }

    async fn finish_mail(&self, job: &MailJob, outcome: &MailOutcome) -> Result<(), StoreError> {
        let (job, outcome) = (job.clone(), outcome.clone());
        self.write(move |tx| {
            let Some(mut stored) = Self::read_job(tx, &job.id)? else {
                return Ok(());
            };
            let invite_status = match &outcome {
                MailOutcome::Retry { at } => {
                    // Only while this sender still holds it.
                    if stored.due.timestamp_millis() == job.due.timestamp_millis() {
                        stored.due = *at;
                        Self::write_jobs(tx, std::slice::from_ref(&stored))?;
                    }
                    return Ok(());
                }
                MailOutcome::Sent { .. } => Some(InviteStatus::Sent),
                MailOutcome::Failed => Some(InviteStatus::Failed),
                MailOutcome::Dropped => None,
            };
            tx.open_table(MAIL)
                .map_err(backend)?
                .remove(job.id.as_str())
                .map_err(backend)?;
            let Some(status) = invite_status.filter(|_| job.kind != MailKind::Reset) else {
                return Ok(());
            };
            let Some(mut user) = Self::read_user(tx, &job.user_id.0)? else {
                return Ok(());
            };
            let current = user.status == UserStatus::Invited
                && user.setup_generation == job.link_generation();
            let Some(invite) = user.invite.as_mut().filter(|_| current) else {
                return Ok(());
            };
            invite.status = status;
            if let MailOutcome::Sent { message_id, .. } = &outcome {
                if !message_id.is_empty() {
                    invite.message_id = Some(message_id.clone());
                    invite.bounce_type = None;
                }
            }
            Self::write_message(tx, &user.id, user.invite.as_ref())?;
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn redeem_token(&self, r: &Redemption) -> Result<User, StoreError> {
        let r = r.clone();
        self.write(move |tx| {
            let key = r.token.hash.to_hex();
            let mut stored: TokenRecord = {
                let tokens = tx.open_table(TOKENS).map_err(backend)?;
                let found = tokens.get(key.as_str()).map_err(backend)?;
                match found {
                    Some(v) => decode(v.value())?,
                    None => return Err(StoreError::TokenInvalid),
                }
            };
            stored.check(stored.purpose, r.now)?;
            let user = Self::read_user(tx, &stored.user_id.0)?;
            stored.check_user(user.as_ref())?;
            let mut user = user.ok_or(StoreError::TokenInvalid)?;
            stored.used_at = Some(r.now);
            Self::write_token(tx, &stored)?;
            user.set_own_password(r.password_hash.clone(), r.new_session_version.clone());
            Self::write_user(tx, &user)?;
            Ok(user)
        })
        .await
    }

    async fn change_password(
        &self,
        change: &SessionChange,
        password_hash: &str,
    ) -> Result<User, StoreError> {
        let (change, hash) = (change.clone(), password_hash.to_owned());
        self.write(move |tx| {
            let mut user = Self::current_user(tx, &change)?;
            user.set_own_password(hash, change.new_session_version);
            Self::write_user(tx, &user)?;
            Ok(user)
        })
        .await
    }

    async fn end_sessions(&self, change: &SessionChange) -> Result<(), StoreError> {
        let change = change.clone();
        self.write(move |tx| {
            let mut user = Self::current_user(tx, &change)?;
            user.session_version = change.new_session_version;
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn set_invite_status(
        &self,
        user_id: &UserId,
        status: InviteStatus,
    ) -> Result<(), StoreError> {
        let id = user_id.clone();
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if let Some(invite) = user.invite.as_mut() {
                invite.status = status;
            }
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn record_invite_email(
        &self,
        user: &User,
        message_id: &str,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (id, message_id) = (user.id.clone(), message_id.to_owned());
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            let invite = user.invite.as_mut().ok_or(StoreError::UserNotFound)?;
            invite.status = InviteStatus::Sent;
            invite.message_id = Some(message_id);
            invite.bounce_type = None;
            Self::write_message(tx, &id, user.invite.as_ref())?;
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn apply_delivery_event(
        &self,
        message_id: &str,
        event: DeliveryEvent,
    ) -> Result<bool, StoreError> {
        let message_id = message_id.to_owned();
        self.write(move |tx| {
            let user_id = {
                let messages = tx.open_table(MESSAGES).map_err(backend)?;
                let found = messages.get(message_id.as_str()).map_err(backend)?;
                match found {
                    Some(id) => id.value().to_owned(),
                    None => return Ok(false),
                }
            };
            let Some(mut user) = Self::read_user(tx, &user_id)? else {
                return Ok(false);
            };
            if !user.apply_delivery_event(&message_id, event) {
                return Ok(false);
            }
            Self::write_user(tx, &user)?;
            Ok(true)
        })
        .await
    }

    async fn rehash_password(&self, rehash: &Rehash) -> Result<(), StoreError> {
        let rehash = rehash.clone();
        self.write(move |tx| {
            let mut user =
                Self::read_user(tx, &rehash.user_id.0)?.ok_or(StoreError::UserNotFound)?;
            let slot = if rehash.temporary {
                &mut user.temporary_password_hash
            } else {
                &mut user.password_hash
            };
            if slot.as_deref() != Some(rehash.old_hash.as_str()) {
                return Err(StoreError::Conflict);
            }
            *slot = Some(rehash.new_hash.clone());
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn count_event(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let key = key.to_owned();
        let window_start = window_start(window, now);
        self.write(move |tx| {
            let mut counters = tx.open_table(COUNTERS).map_err(backend)?;
            let current: Option<Counter> = {
                let found = counters.get(key.as_str()).map_err(backend)?;
                found.map(|v| decode(v.value())).transpose()?
            };
            let count = match current {
                Some(c) if c.window_start == window_start => c.count + 1,
                _ => 1,
            };
            let value = encode(&Counter {
                window_start,
                count,
            })?;
            counters
                .insert(key.as_str(), value.as_slice())
                .map_err(backend)?;
            Ok(count)
        })
        .await
    }

    /// One write transaction reads every counter and bumps them all or none; redb runs write
    /// transactions one at a time, so concurrent calls see each other's slots.
    async fn take_slots(
        &self,
        limits: &[Limited],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let limits = limits.to_vec();
        let window_start = window_start(window, now);
        self.write(move |tx| Self::take_slots_in(tx, &limits, window_start))
            .await
    }

    async fn give_back_slots(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        let window_start = window_start(window, now);
        self.write(move |tx| {
            let mut counters = tx.open_table(COUNTERS).map_err(backend)?;
            for key in &keys {
                let count = Self::count_in(&counters, key, window_start)?;
                if count == 0 {
                    continue;
                }
                let value = encode(&Counter {
                    window_start,
                    count: count - 1,
                })?;
                counters
                    .insert(key.as_str(), value.as_slice())
                    .map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn peek_counts(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError> {
        let window_start = window_start(window, now);
        self.read(|rtx| {
            let counters = rtx.open_table(COUNTERS).map_err(backend)?;
            keys.iter()
                .map(|key| {
                    let found = counters.get(key.as_str()).map_err(backend)?;
                    let counter: Option<Counter> = found.map(|v| decode(v.value())).transpose()?;
                    Ok(counter
                        .filter(|c| c.window_start == window_start)
                        .map_or(0, |c| c.count))
                })
                .collect()
        })
    }
    /// Reads every user and sorts: the embedded store serves one developer's few users.
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError> {
        self.read(|rtx| {
            let table = rtx.open_table(USERS).map_err(backend)?;
            let mut users = Vec::new();
            for row in table.iter().map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                let user: User = decode(v.value())?;
                if user.org_id != query.org_id || query.status.is_some_and(|s| s != user.status) {
                    continue;
                }
                if let Some(after) = &query.after {
                    let key = (user.created_at, user.email.as_str());
                    if key >= (after.created_at, after.email.as_str()) {
                        continue;
                    }
                }
                users.push(user);
            }
            users.sort_by(|a, b| {
                (b.created_at, b.email.as_str()).cmp(&(a.created_at, a.email.as_str()))
            });
            let more = users.len() > query.limit;
            users.truncate(query.limit);
            let next = if more {
                users.last().map(PageKey::of)
            } else {
                None
            };
            Ok(UserPage { users, next })
        })
    }

    async fn cancel_invite(&self, user: &User) -> Result<(), StoreError> {
        let id = user.id.clone();
        self.write(move |tx| {
            let user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if user.password_hash.is_some() {
                return Err(StoreError::AlreadyActive);
            }
            tx.open_table(USERS)
                .map_err(backend)?
                .remove(id.0.as_str())
                .map_err(backend)?;
            tx.open_table(EMAILS)
                .map_err(backend)?
                .remove(user.email.as_str())
                .map_err(backend)?;
            let mut tokens = tx.open_table(TOKENS).map_err(backend)?;
            let mut theirs = Vec::new();
            for row in tokens.iter().map_err(backend)? {
                let (k, v) = row.map_err(backend)?;
                let token: TokenRecord = decode(v.value())?;
                if token.user_id == id {
                    theirs.push(k.value().to_owned());
                }
            }
            for key in theirs {
                tokens.remove(key.as_str()).map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn disable_user(
        &self,
        user: &User,
        new_session_version: &str,
    ) -> Result<User, StoreError> {
        let id = user.id.clone();
        let sv = new_session_version.to_owned();
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if user.status != UserStatus::Disabled {
                user.disable(sv);
                Self::write_user(tx, &user)?;
            }
            Ok(user)
        })
        .await
    }

    async fn enable_user(&self, user: &User) -> Result<User, StoreError> {
        let id = user.id.clone();
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if user.status == UserStatus::Disabled {
                user.enable();
                Self::write_user(tx, &user)?;
            }
            Ok(user)
        })
        .await
    }
}
