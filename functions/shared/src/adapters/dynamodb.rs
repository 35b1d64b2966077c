//! The DynamoDB store: one table, partition key `pk`, four kinds of item.
//!
//! - `EMAIL#<normalised email>`: the whole user. It is what sign-in reads (one `GetItem`), and
//!   `attribute_not_exists(pk)` on it is what makes an email unique.
//! - `USER#<id>`: a pointer `{email}`, so a session's user is two reads away.
//! - `TOKEN#<sha256 hex>`: a setup or reset token, with `expiresAt` (epoch seconds) for TTL.
//! - `RATE#<key>#<window start>`: a rate-limit counter, one `UpdateItem` with `ADD`, with TTL.
//!
//! TTL deletes items hours or days late, so expiry is always checked in code and in conditions:
//! the exact instant is kept as `validUntil`, a fixed-width RFC 3339 string that sorts as time.
//! Every operation that must be atomic is one conditional write or one `TransactWriteItems`;
//! cancellation reasons (with the old item, where DynamoDB gives it) become the store's errors.
//! Token hashes live only in keys, and no key reaches an error message or a log.

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConsumedCapacity, KeysAndAttributes, Put,
    ReturnConsumedCapacity, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
    Update,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use std::collections::HashMap;

use crate::domain::user::Invite;
use crate::domain::{
    EmailAddress, InviteStatus, OrgId, Role, TokenHash, TokenPurpose, TokenRecord, User, UserId,
    UserStatus,
};
use crate::ports::{window_start, Redemption, Rehash, Store, StoreError};

type Item = HashMap<String, AttributeValue>;

/// Attribute names. `expiresAt` is the table's TTL attribute (see `template.yaml`).
mod attr {
    pub const PK: &str = "pk";
    pub const ENTITY: &str = "entity";
    pub const ID: &str = "id";
    pub const ORG_ID: &str = "orgId";
    pub const ORG_NAME: &str = "orgName";
    pub const EMAIL: &str = "email";
    pub const NAME: &str = "name";
    pub const ROLE: &str = "role";
    pub const STATUS: &str = "status";
    pub const CREATED_AT: &str = "createdAt";
    pub const TEMPORARY_PASSWORD_HASH: &str = "temporaryPasswordHash";
    pub const PASSWORD_HASH: &str = "passwordHash";
    pub const SESSION_VERSION: &str = "sessionVersion";
    pub const SETUP_GENERATION: &str = "setupGeneration";
    pub const RESET_GENERATION: &str = "resetGeneration";
    pub const INVITE_STATUS: &str = "inviteStatus";
    pub const INVITE_EXPIRES_AT: &str = "inviteExpiresAt";
    pub const PURPOSE: &str = "purpose";
    pub const USER_ID: &str = "userId";
    pub const USER_CREATED_AT: &str = "userCreatedAt";
    pub const GENERATION: &str = "generation";
    pub const VALID_UNTIL: &str = "validUntil";
    pub const EXPIRES_AT: &str = "expiresAt";
    pub const USED_AT: &str = "usedAt";
    pub const COUNT: &str = "count";
}

/// How often a transaction that lost a race to another transaction on the same items is tried
/// again; after the winner commits, the retry meets the winner's result in its conditions.
const TRANSACTION_ATTEMPTS: u32 = 8;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// Only the bench counts capacity; the Lambda binaries are built without `test-hooks`.
    #[cfg(feature = "test-hooks")]
    capacity: Option<CapacityMeter>,
}

/// Adds up the capacity units DynamoDB reports for the store's successful requests: the bench
/// attaches one to count capacity per flow. Without one, the store asks for no report.
#[cfg(feature = "test-hooks")]
#[derive(Clone, Default)]
pub struct CapacityMeter(std::sync::Arc<std::sync::Mutex<f64>>);

#[cfg(feature = "test-hooks")]
impl CapacityMeter {
    /// The units counted since the last `take`, and a fresh start.
    pub fn take(&self) -> f64 {
        std::mem::take(&mut *self.0.lock().expect("capacity meter lock"))
    }
}

impl DynamoStore {
    /// `client` is built once at start; `table` is the table of `template.yaml`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            #[cfg(feature = "test-hooks")]
            capacity: None,
        }
    }

    /// The same store, asking DynamoDB for the capacity each request consumed and adding it up.
    #[cfg(feature = "test-hooks")]
    pub fn with_capacity_meter(mut self, meter: CapacityMeter) -> Self {
        self.capacity = Some(meter);
        self
    }

    fn capacity_report(&self) -> Option<ReturnConsumedCapacity> {
        #[cfg(feature = "test-hooks")]
        if self.capacity.is_some() {
            return Some(ReturnConsumedCapacity::Total);
        }
        None
    }

    fn record<'a>(&self, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        #[cfg(not(feature = "test-hooks"))]
        let _ = consumed;
        #[cfg(feature = "test-hooks")]
        if let Some(meter) = &self.capacity {
            let units: f64 = consumed
                .into_iter()
                .filter_map(|c| c.capacity_units())
                .sum();
            *meter.0.lock().expect("capacity meter lock") += units;
        }
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

// ---------------------------------------------------------------------------------------------
// Keys and values

fn email_key(email: &EmailAddress) -> String {
    format!("EMAIL#{}", email.as_str())
}

fn user_key(id: &UserId) -> String {
    format!("USER#{}", id.0)
}

fn token_key(hash: &TokenHash) -> String {
    format!("TOKEN#{}", hash.to_hex())
}

fn counter_key(key: &str, window_start: i64) -> String {
    format!("RATE#{key}#{window_start}")
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Nanosecond, fixed-width RFC 3339: string order is time order, so conditions can compare.
fn time(at: DateTime<Utc>) -> AttributeValue {
    s(at.to_rfc3339_opts(SecondsFormat::Nanos, true))
}

/// Epoch seconds for TTL, rounded up: DynamoDB must not delete an item before it has expired.
fn ttl_seconds(at: DateTime<Utc>) -> i64 {
    at.timestamp() + i64::from(at.timestamp_subsec_nanos() > 0)
}

fn status_str(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Invited => "invited",
        UserStatus::Active => "active",
    }
}

fn invite_status_str(status: InviteStatus) -> &'static str {
    match status {
        InviteStatus::Sent => "sent",
        InviteStatus::Failed => "failed",
    }
}

fn generation_attr(purpose: TokenPurpose) -> &'static str {
    match purpose {
        TokenPurpose::Setup => attr::SETUP_GENERATION,
        TokenPurpose::Reset => attr::RESET_GENERATION,
    }
}

fn malformed(what: &str, name: &str) -> StoreError {
    StoreError::Backend(format!(
        "a stored {what} is malformed: attribute {name} is missing or of the wrong type"
    ))
}

/// Typed reads of one item's attributes; errors name the attribute, never its value.
struct Fields<'a> {
    item: &'a Item,
    what: &'static str,
}

impl<'a> Fields<'a> {
    fn opt_str(&self, name: &str) -> Option<&'a str> {
        match self.item.get(name) {
            Some(AttributeValue::S(v)) => Some(v.as_str()),
            _ => None,
        }
    }
    fn str(&self, name: &str) -> Result<&'a str, StoreError> {
        self.opt_str(name).ok_or_else(|| malformed(self.what, name))
    }
    fn u64(&self, name: &str) -> Result<u64, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::N(v)) => v.parse().map_err(|_| malformed(self.what, name)),
            _ => Err(malformed(self.what, name)),
        }
    }
    fn opt_time(&self, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.opt_str(name)
            .map(|v| {
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.to_utc())
                    .map_err(|_| malformed(self.what, name))
            })
            .transpose()
    }
    fn time(&self, name: &str) -> Result<DateTime<Utc>, StoreError> {
        self.opt_time(name)?
            .ok_or_else(|| malformed(self.what, name))
    }
    fn email(&self, name: &str) -> Result<EmailAddress, StoreError> {
        EmailAddress::parse(self.str(name)?).map_err(|_| malformed(self.what, name))
    }
    fn role(&self) -> Result<Role, StoreError> {
        Role::parse(self.str(attr::ROLE)?).ok_or_else(|| malformed(self.what, attr::ROLE))
    }
}

fn user_to_item(user: &User) -> Item {
    let mut item = Item::from([
        (attr::PK.into(), s(email_key(&user.email))),
        (attr::ENTITY.into(), s("user")),
        (attr::ID.into(), s(&user.id.0)),
        (attr::ORG_ID.into(), s(&user.org_id.0)),
        (attr::EMAIL.into(), s(user.email.as_str())),
        (attr::ROLE.into(), s(user.role.as_str())),
        (attr::STATUS.into(), s(status_str(user.status))),
        (attr::CREATED_AT.into(), time(user.created_at)),
        (attr::SESSION_VERSION.into(), s(&user.session_version)),
        (attr::SETUP_GENERATION.into(), n(user.setup_generation)),
        (attr::RESET_GENERATION.into(), n(user.reset_generation)),
    ]);
    let optional = [
        (attr::ORG_NAME, user.org_name.clone()),
        (attr::NAME, user.name.clone()),
        (
            attr::TEMPORARY_PASSWORD_HASH,
            user.temporary_password_hash.clone(),
        ),
        (attr::PASSWORD_HASH, user.password_hash.clone()),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            item.insert(name.into(), s(v));
        }
    }
    if let Some(invite) = &user.invite {
        item.insert(
            attr::INVITE_STATUS.into(),
            s(invite_status_str(invite.status)),
        );
        item.insert(attr::INVITE_EXPIRES_AT.into(), time(invite.expires_at));
    }
    item
}

fn user_from_item(item: &Item) -> Result<User, StoreError> {
    let f = Fields { item, what: "user" };
    let status = match f.str(attr::STATUS)? {
        "invited" => UserStatus::Invited,
        "active" => UserStatus::Active,
        _ => return Err(malformed("user", attr::STATUS)),
    };
    let invite = match f.opt_str(attr::INVITE_STATUS) {
        None => None,
        Some(raw) => Some(Invite {
            status: match raw {
                "sent" => InviteStatus::Sent,
                "failed" => InviteStatus::Failed,
                _ => return Err(malformed("user", attr::INVITE_STATUS)),
            },
            expires_at: f.time(attr::INVITE_EXPIRES_AT)?,
        }),
    };
    Ok(User {
        id: UserId(f.str(attr::ID)?.to_owned()),
        org_id: OrgId(f.str(attr::ORG_ID)?.to_owned()),
        org_name: f.opt_str(attr::ORG_NAME).map(str::to_owned),
        email: f.email(attr::EMAIL)?,
        name: f.opt_str(attr::NAME).map(str::to_owned),
        role: f.role()?,
        status,
        created_at: f.time(attr::CREATED_AT)?,
        temporary_password_hash: f.opt_str(attr::TEMPORARY_PASSWORD_HASH).map(str::to_owned),
        password_hash: f.opt_str(attr::PASSWORD_HASH).map(str::to_owned),
        session_version: f.str(attr::SESSION_VERSION)?.to_owned(),
        setup_generation: f.u64(attr::SETUP_GENERATION)?,
        reset_generation: f.u64(attr::RESET_GENERATION)?,
        invite,
    })
}

fn token_to_item(token: &TokenRecord) -> Item {
    let mut item = Item::from([
        (attr::PK.into(), s(token_key(&token.hash))),
        (attr::ENTITY.into(), s("token")),
        (attr::PURPOSE.into(), s(token.purpose.as_str())),
        (attr::USER_ID.into(), s(&token.user_id.0)),
        (attr::ORG_ID.into(), s(&token.org_id.0)),
        (attr::EMAIL.into(), s(token.email.as_str())),
        (attr::USER_CREATED_AT.into(), time(token.user_created_at)),
        (attr::ROLE.into(), s(token.role.as_str())),
        (attr::GENERATION.into(), n(token.generation)),
        (attr::CREATED_AT.into(), time(token.created_at)),
        (attr::VALID_UNTIL.into(), time(token.expires_at)),
        (attr::EXPIRES_AT.into(), n(ttl_seconds(token.expires_at))),
    ]);
    if let Some(v) = &token.org_name {
        item.insert(attr::ORG_NAME.into(), s(v));
    }
    if let Some(v) = &token.name {
        item.insert(attr::NAME.into(), s(v));
    }
    if let Some(at) = token.used_at {
        item.insert(attr::USED_AT.into(), time(at));
    }
    item
}

fn token_from_item(hash: TokenHash, item: &Item) -> Result<TokenRecord, StoreError> {
    let f = Fields {
        item,
        what: "token",
    };
    let purpose = match f.str(attr::PURPOSE)? {
        "setup" => TokenPurpose::Setup,
        "reset" => TokenPurpose::Reset,
        _ => return Err(malformed("token", attr::PURPOSE)),
    };
    Ok(TokenRecord {
        hash,
        purpose,
        user_id: UserId(f.str(attr::USER_ID)?.to_owned()),
        org_id: OrgId(f.str(attr::ORG_ID)?.to_owned()),
        email: f.email(attr::EMAIL)?,
        org_name: f.opt_str(attr::ORG_NAME).map(str::to_owned),
        name: f.opt_str(attr::NAME).map(str::to_owned),
        user_created_at: f.time(attr::USER_CREATED_AT)?,
        role: f.role()?,
        generation: f.u64(attr::GENERATION)?,
        created_at: f.time(attr::CREATED_AT)?,
        expires_at: f.time(attr::VALID_UNTIL)?,
        used_at: f.opt_time(attr::USED_AT)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Removes anything that looks like a token hash (or any long hex run) from text bound for logs.
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 32 {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Codes that mean "too busy now": the caller may try again later.
fn is_busy(code: &str) -> bool {
    matches!(
        code,
        "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "Throttling"
            | "RequestLimitExceeded"
            | "LimitExceededException"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "TransactionInProgressException"
            | "ReplicatedWriteConflictException"
    )
}

/// One AWS failure as a store error: busy, unreachable or broken; never AWS's text in a response
/// (the handlers turn these into opaque 503/500 answers) and never a key.
fn sdk_error<E, R>(operation: &str, error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &error {
        SdkError::ServiceError(ctx) => {
            let e = ctx.err();
            let code = e.code().unwrap_or("Unknown");
            if code == "TransactionConflictException" {
                return StoreError::Conflict;
            }
            let text = redact(&format!(
                "DynamoDB {operation}: {code}: {}",
                e.message().unwrap_or("")
            ));
            if is_busy(code) {
                StoreError::Unavailable(text)
            } else {
                StoreError::Backend(text)
            }
        }
        SdkError::TimeoutError(_) => {
            StoreError::Unavailable(format!("DynamoDB {operation}: timed out"))
        }
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(redact(&format!(
                "DynamoDB {operation}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(&error)
            )))
        }
        _ => StoreError::Backend(redact(&format!(
            "DynamoDB {operation}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&error)
        ))),
    }
}

/// Why a transaction was cancelled, one reason per item in the order the items were given.
struct Cancelled(Vec<CancellationReason>);

impl Cancelled {
    /// The old item, if this item's condition failed (`None` inside: it did not exist).
    fn failed(&self, index: usize) -> Option<Option<&Item>> {
        let reason = self.0.get(index)?;
        (reason.code() == Some("ConditionalCheckFailed")).then(|| reason.item())
    }
}

fn backoff(attempt: u32) -> std::time::Duration {
    let mut jitter = [0u8; 1];
    // Without jitter the losers of a race collide again in step; with a failed RNG they still retry.
    let _ = getrandom::fill(&mut jitter);
    let base = 8u64 << attempt.min(5);
    std::time::Duration::from_millis(base + u64::from(jitter[0]) % base)
}

impl DynamoStore {
    /// Runs one `TransactWriteItems`. `Err(Ok(cancelled))` when a condition failed; transactions
    /// that only lost a race to another transaction are tried again first.
    async fn transact(
        &self,
        operation: &'static str,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), Result<Cancelled, StoreError>> {
        let mut attempt = 0;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .set_return_consumed_capacity(self.capacity_report())
                .send()
                .await;
            let error = match result {
                Ok(out) => {
                    self.record(out.consumed_capacity());
                    return Ok(());
                }
                Err(e) => e,
            };
            let reasons = match &error {
                SdkError::ServiceError(ctx) => match ctx.err() {
                    TransactWriteItemsError::TransactionCanceledException(e) => {
                        Some(e.cancellation_reasons().to_vec())
                    }
                    _ => None,
                },
                _ => None,
            };
            let Some(reasons) = reasons else {
                let e = sdk_error(operation, error);
                if e == StoreError::Conflict && attempt + 1 < TRANSACTION_ATTEMPTS {
                    attempt += 1;
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                return Err(Err(e));
            };
            let codes: Vec<&str> = reasons.iter().filter_map(|r| r.code()).collect();
            if codes.contains(&"ConditionalCheckFailed") {
                return Err(Ok(Cancelled(reasons)));
            }
            if codes.contains(&"TransactionConflict") {
                attempt += 1;
                if attempt < TRANSACTION_ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                return Err(Err(StoreError::Conflict));
            }
            let summary = codes
                .iter()
                .filter(|c| **c != "None")
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            let busy = codes
                .iter()
                .any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded"));
            let text = format!("DynamoDB {operation}: transaction cancelled: {summary}");
            return Err(Err(if busy {
                StoreError::Unavailable(text)
            } else {
                StoreError::Backend(text)
            }));
        }
    }

    async fn get(&self, operation: &'static str, pk: String) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PK, s(pk))
            // Sign-in right after a password change must see the change.
            .consistent_read(true)
            .set_return_consumed_capacity(self.capacity_report())
            .send()
            .await
            .map_err(|e| sdk_error(operation, e))?;
        self.record(out.consumed_capacity());
        Ok(out.item)
    }

    fn put(&self, item: Item) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::Backend(format!("building a DynamoDB put: {e}")))
    }
}

fn built<T>(r: Result<T, aws_sdk_dynamodb::error::BuildError>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Backend(format!("building a DynamoDB request: {e}")))
}

fn put_item(put: Put) -> TransactWriteItem {
    TransactWriteItem::builder().put(put).build()
}

fn update_item(update: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(update).build()
}

#[async_trait]
impl Store for DynamoStore {
    async fn create_user(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
    ) -> Result<(), StoreError> {
        let pointer = Item::from([
            (attr::PK.into(), s(user_key(&user.id))),
            (attr::ENTITY.into(), s("user-id")),
            (attr::EMAIL.into(), s(user.email.as_str())),
        ]);
        let mut items = vec![
            put_item(self.put(user_to_item(user))?),
            put_item(self.put(pointer)?),
        ];
        if let Some(token) = setup_token {
            items.push(put_item(self.put(token_to_item(token))?));
        }
        match self.transact("create user", items).await {
            Ok(()) => Ok(()),
            Err(Err(e)) => Err(e),
            Err(Ok(c)) if c.failed(0).is_some() => Err(StoreError::EmailTaken),
            // A user id or token hash that already exists: random 122 or 256 bits never collide,
            // so this is a retry of a write that already happened, or a bug.
            Err(Ok(_)) => Err(StoreError::Conflict),
        }
    }

    async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<User>, StoreError> {
        self.get("read user by email", email_key(email))
            .await?
            .map(|item| user_from_item(&item))
            .transpose()
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        let Some(pointer) = self.get("read user id", user_key(id)).await? else {
            return Ok(None);
        };
        let email = Fields {
            item: &pointer,
            what: "user id",
        }
        .email(attr::EMAIL)?;
        let user = self.user_by_email(&email).await?;
        Ok(user.filter(|u| &u.id == id))
    }

    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        self.get("read token", token_key(hash))
            .await?
            .map(|item| token_from_item(*hash, &item))
            .transpose()
    }

    async fn issue_token(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
    ) -> Result<(), StoreError> {
        let generation = generation_attr(token.purpose);
        let previous = token
            .generation
            .checked_sub(1)
            .ok_or(StoreError::Conflict)?;
        let mut set = vec!["#gen = :gen"];
        let mut condition = "attribute_exists(pk) AND #id = :id AND #gen = :previous".to_owned();
        let mut update = Update::builder()
            .table_name(&self.table)
            .key(attr::PK, s(email_key(&token.email)))
            .expression_attribute_names("#gen", generation)
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_values(":gen", n(token.generation))
            .expression_attribute_values(":previous", n(previous))
            .expression_attribute_values(":id", s(&token.user_id.0))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if token.purpose == TokenPurpose::Setup {
            condition.push_str(" AND #status = :invited");
            update = update
                .expression_attribute_names("#status", attr::STATUS)
                .expression_attribute_values(":invited", s("invited"));
        }
        if let Some(invite) = invite {
            set.push("#inviteStatus = :inviteStatus");
            set.push("#inviteExpiresAt = :inviteExpiresAt");
            update = update
                .expression_attribute_names("#inviteStatus", attr::INVITE_STATUS)
                .expression_attribute_names("#inviteExpiresAt", attr::INVITE_EXPIRES_AT)
                .expression_attribute_values(":inviteStatus", s(invite_status_str(invite.status)))
                .expression_attribute_values(":inviteExpiresAt", time(invite.expires_at));
        }
        let update = built(
            update
                .update_expression(format!("SET {}", set.join(", ")))
                .condition_expression(condition)
                .build(),
        )?;
        let items = vec![
            update_item(update),
            put_item(self.put(token_to_item(token))?),
        ];
        let cancelled = match self.transact("issue token", items).await {
            Ok(()) => return Ok(()),
            Err(Err(e)) => return Err(e),
            Err(Ok(c)) => c,
        };
        match cancelled.failed(0) {
            None => Err(StoreError::Conflict),
            Some(None) => Err(StoreError::UserNotFound),
            Some(Some(old)) => {
                let user = user_from_item(old)?;
                if user.id != token.user_id {
                    Err(StoreError::UserNotFound)
                } else if token.purpose == TokenPurpose::Setup && user.status != UserStatus::Invited
                {
                    Err(StoreError::AlreadyActive)
                } else {
                    Err(StoreError::Conflict)
                }
            }
        }
    }

    async fn redeem_token(&self, r: &Redemption) -> Result<User, StoreError> {
        let token = &r.token;
        let consume = built(
            Update::builder()
                .table_name(&self.table)
                .key(attr::PK, s(token_key(&token.hash)))
                .update_expression("SET #usedAt = :now")
                .condition_expression(
                    "attribute_exists(pk) AND attribute_not_exists(#usedAt) AND #validUntil > :now",
                )
                .expression_attribute_names("#usedAt", attr::USED_AT)
                .expression_attribute_names("#validUntil", attr::VALID_UNTIL)
                .expression_attribute_values(":now", time(r.now))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build(),
        )?;
        // Bumping both generations kills every other setup and reset link in this same write;
        // the new session version ends every earlier session.
        let set_password = built(
            Update::builder()
                .table_name(&self.table)
                .key(attr::PK, s(email_key(&token.email)))
                .update_expression(
                    "SET #passwordHash = :hash, #status = :active, #sessionVersion = :sv, \
                     #setupGen = #setupGen + :one, #resetGen = #resetGen + :one \
                     REMOVE #temporaryPasswordHash",
                )
                .condition_expression("attribute_exists(pk) AND #id = :id AND #gen = :gen")
                .expression_attribute_names("#passwordHash", attr::PASSWORD_HASH)
                .expression_attribute_names("#status", attr::STATUS)
                .expression_attribute_names("#sessionVersion", attr::SESSION_VERSION)
                .expression_attribute_names("#setupGen", attr::SETUP_GENERATION)
                .expression_attribute_names("#resetGen", attr::RESET_GENERATION)
                .expression_attribute_names("#temporaryPasswordHash", attr::TEMPORARY_PASSWORD_HASH)
                .expression_attribute_names("#id", attr::ID)
                .expression_attribute_names("#gen", generation_attr(token.purpose))
                .expression_attribute_values(":hash", s(&r.password_hash))
                .expression_attribute_values(":active", s("active"))
                .expression_attribute_values(":sv", s(&r.new_session_version))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":id", s(&token.user_id.0))
                .expression_attribute_values(":gen", n(token.generation))
                .build(),
        )?;
        let items = vec![update_item(consume), update_item(set_password)];
        match self.transact("redeem token", items).await {
            Ok(()) => Ok(redeemed_user(r)),
            Err(Err(e)) => Err(e),
            Err(Ok(cancelled)) => Err(match cancelled.failed(0) {
                Some(None) => StoreError::TokenInvalid,
                Some(Some(old)) => {
                    let stored = token_from_item(token.hash, old)?;
                    if stored.used_at.is_some() {
                        StoreError::TokenUsed
                    } else if stored.is_expired(r.now) {
                        StoreError::TokenExpired
                    } else {
                        StoreError::TokenInvalid
                    }
                }
                // The token was fine; the user's generation moved on (a newer link, or a
                // password set meanwhile), or the user is gone.
                None => StoreError::TokenInvalid,
            }),
        }
    }

    async fn set_invite_status(
        &self,
        user_id: &UserId,
        status: InviteStatus,
    ) -> Result<(), StoreError> {
        let Some(pointer) = self.get("read user id", user_key(user_id)).await? else {
            return Err(StoreError::UserNotFound);
        };
        let email = Fields {
            item: &pointer,
            what: "user id",
        }
        .email(attr::EMAIL)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PK, s(email_key(&email)))
            .update_expression("SET #inviteStatus = :status")
            // Only a user with an invite has an invite status to change.
            .condition_expression(
                "attribute_exists(pk) AND #id = :id AND attribute_exists(#inviteExpiresAt)",
            )
            .expression_attribute_names("#inviteStatus", attr::INVITE_STATUS)
            .expression_attribute_names("#inviteExpiresAt", attr::INVITE_EXPIRES_AT)
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_values(":status", s(invite_status_str(status)))
            .expression_attribute_values(":id", s(&user_id.0))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .set_return_consumed_capacity(self.capacity_report())
            .send()
            .await;
        match result {
            Ok(out) => {
                self.record(out.consumed_capacity());
                Ok(())
            }
            Err(SdkError::ServiceError(ctx))
                if matches!(
                    ctx.err(),
                    UpdateItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                match ctx.err() {
                    UpdateItemError::ConditionalCheckFailedException(e) if e.item().is_some() => {
                        Ok(())
                    }
                    _ => Err(StoreError::UserNotFound),
                }
            }
            Err(e) => Err(sdk_error("set invite status", e)),
        }
    }

    async fn rehash_password(&self, rehash: &Rehash) -> Result<(), StoreError> {
        let slot = if rehash.temporary {
            attr::TEMPORARY_PASSWORD_HASH
        } else {
            attr::PASSWORD_HASH
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PK, s(email_key(&rehash.email)))
            .update_expression("SET #slot = :new")
            .condition_expression("attribute_exists(pk) AND #id = :id AND #slot = :old")
            .expression_attribute_names("#slot", slot)
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_values(":new", s(&rehash.new_hash))
            .expression_attribute_values(":old", s(&rehash.old_hash))
            .expression_attribute_values(":id", s(&rehash.user_id.0))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .set_return_consumed_capacity(self.capacity_report())
            .send()
            .await;
        match result {
            Ok(out) => {
                self.record(out.consumed_capacity());
                Ok(())
            }
            Err(SdkError::ServiceError(ctx))
                if matches!(
                    ctx.err(),
                    UpdateItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                let old = match ctx.err() {
                    UpdateItemError::ConditionalCheckFailedException(e) => e.item(),
                    _ => None,
                };
                match old.map(user_from_item).transpose()? {
                    Some(user) if user.id == rehash.user_id => Err(StoreError::Conflict),
                    _ => Err(StoreError::UserNotFound),
                }
            }
            Err(e) => Err(sdk_error("rehash password", e)),
        }
    }

    async fn count_event(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let window_secs = window.num_seconds().max(1);
        let window_start = window_start(window, now);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PK, s(counter_key(key, window_start)))
            .update_expression(
                "ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :end), #entity = :entity",
            )
            .expression_attribute_names("#count", attr::COUNT)
            .expression_attribute_names("#expiresAt", attr::EXPIRES_AT)
            .expression_attribute_names("#entity", attr::ENTITY)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":end", n(window_start + window_secs))
            .expression_attribute_values(":entity", s("counter"))
            .return_values(ReturnValue::UpdatedNew)
            .set_return_consumed_capacity(self.capacity_report())
            .send()
            .await
            .map_err(|e| sdk_error("count event", e))?;
        self.record(out.consumed_capacity());
        let attributes = out.attributes.unwrap_or_default();
        Fields {
            item: &attributes,
            what: "counter",
        }
        .u64(attr::COUNT)
    }

    async fn peek_counts(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError> {
        let pks = counter_pks(keys, window, now);
        let items = self.batch_get("peek counters", &pks).await?;
        pks.iter().map(|pk| count_in(items.get(pk))).collect()
    }

    /// One BatchGetItem: the user's email item and the sign-in counters together.
    async fn sign_in_view(
        &self,
        email: &EmailAddress,
        counter_keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(Option<User>, Vec<u64>), StoreError> {
        let pks = counter_pks(counter_keys, window, now);
        let user_pk = email_key(email);
        let mut wanted = pks.clone();
        wanted.push(user_pk.clone());
        let items = self.batch_get("read sign-in view", &wanted).await?;
        let user = items.get(&user_pk).map(user_from_item).transpose()?;
        let counts = pks
            .iter()
            .map(|pk| count_in(items.get(pk)))
            .collect::<Result<_, _>>()?;
        Ok((user, counts))
    }
}

fn counter_pks(keys: &[String], window: Duration, now: DateTime<Utc>) -> Vec<String> {
    let start = window_start(window, now);
    keys.iter().map(|k| counter_key(k, start)).collect()
}

fn count_in(item: Option<&Item>) -> Result<u64, StoreError> {
    match item {
        None => Ok(0),
        Some(item) => Fields {
            item,
            what: "counter",
        }
        .u64(attr::COUNT),
    }
}

impl DynamoStore {
    /// Strongly consistent BatchGetItem of `pks`, retrying what DynamoDB leaves unprocessed.
    async fn batch_get(
        &self,
        operation: &'static str,
        pks: &[String],
    ) -> Result<HashMap<String, Item>, StoreError> {
        let mut unique = pks.to_vec();
        unique.sort();
        unique.dedup();
        let mut found: HashMap<String, Item> = HashMap::new();
        let mut pending: Vec<Item> = unique
            .into_iter()
            .map(|pk| Item::from([(attr::PK.to_owned(), s(pk))]))
            .collect();
        let mut attempt = 0;
        while !pending.is_empty() {
            let keys_and_attributes = built(
                KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build(),
            )?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, keys_and_attributes)
                .set_return_consumed_capacity(self.capacity_report())
                .send()
                .await
                .map_err(|e| sdk_error(operation, e))?;
            self.record(out.consumed_capacity());
            for item in out
                .responses
                .unwrap_or_default()
                .remove(&self.table)
                .unwrap_or_default()
            {
                let pk = Fields {
                    item: &item,
                    what: "item",
                }
                .str(attr::PK)?
                .to_owned();
                found.insert(pk, item);
            }
            if let Some(mut left) = out.unprocessed_keys.filter(|u| !u.is_empty()) {
                attempt += 1;
                if attempt >= TRANSACTION_ATTEMPTS {
                    return Err(StoreError::Unavailable(format!(
                        "DynamoDB {operation}: keys left unprocessed"
                    )));
                }
                pending = left.remove(&self.table).map(|k| k.keys).unwrap_or_default();
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
        Ok(found)
    }
}

/// The user as the redemption left them, from the token's copy of the identity: DynamoDB's
/// transactions return no item, and a read would cost a round trip (see `Store::redeem_token`).
fn redeemed_user(r: &Redemption) -> User {
    let t = &r.token;
    let next = t.generation + 1;
    User {
        id: t.user_id.clone(),
        org_id: t.org_id.clone(),
        org_name: t.org_name.clone(),
        email: t.email.clone(),
        name: t.name.clone(),
        role: t.role,
        status: UserStatus::Active,
        created_at: t.user_created_at,
        temporary_password_hash: None,
        password_hash: Some(r.password_hash.clone()),
        session_version: r.new_session_version.clone(),
        setup_generation: if t.purpose == TokenPurpose::Setup {
            next
        } else {
            0
        },
        reset_generation: if t.purpose == TokenPurpose::Reset {
            next
        } else {
            0
        },
        invite: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: UserId("u-1".into()),
            org_id: OrgId("o-1".into()),
            org_name: Some("Northwind".into()),
            email: EmailAddress::parse("ana@example.com").unwrap(),
            name: None,
            role: Role::Tech,
            status: UserStatus::Invited,
            created_at: DateTime::parse_from_rfc3339("2026-11-24T10:00:00.123456789Z")
                .unwrap()
                .to_utc(),
            temporary_password_hash: Some("$argon2id$temp".into()),
            password_hash: None,
            session_version: "sv".into(),
            setup_generation: 3,
            reset_generation: 0,
            invite: Some(Invite {
                status: InviteStatus::Failed,
                expires_at: DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
                    .unwrap()
                    .to_utc(),
            }),
        }
    }

    #[test]
    fn a_user_round_trips_through_an_item() {
        let u = user();
        assert_eq!(user_from_item(&user_to_item(&u)).unwrap(), u);
    }

    #[test]
    fn stored_times_sort_as_strings_in_time_order() {
        let a = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .to_utc();
        let b = a + Duration::nanoseconds(1);
        let c = a + Duration::seconds(1);
        let (AttributeValue::S(a), AttributeValue::S(b), AttributeValue::S(c)) =
            (time(a), time(b), time(c))
        else {
            panic!("times are strings")
        };
        assert!(a < b && b < c, "{a} {b} {c}");
    }

    #[test]
    fn ttl_rounds_up_so_nothing_is_deleted_before_it_expires() {
        let a = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(ttl_seconds(a), a.timestamp());
        assert_eq!(
            ttl_seconds(a + Duration::milliseconds(1)),
            a.timestamp() + 1
        );
    }

    #[test]
    fn long_hex_runs_never_reach_an_error_message() {
        let hash = TokenHash::of("x").to_hex();
        let text = redact(&format!("failed for TOKEN#{hash} at 10:00"));
        assert!(!text.contains(&hash));
        assert!(text.contains("TOKEN#[redacted] at 10:00"));
    }
}
