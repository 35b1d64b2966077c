//! The outbox: `MAIL#<job id>` items, written inside the transaction of the invite, resend or
//! reset they belong to. Only job items carry `mailQueue` and `mailDue`, so the sparse index
//! `mailQueue` (partition `mailQueue`, sort `mailDue`) holds exactly the jobs, oldest due first:
//! the schedule's sweep is one `Query` of it. Taking a job is one conditional `UpdateItem` on
//! `mailDue`; finishing one is one `TransactWriteItems` (the job deleted, the invite updated, the
//! message pointer put, the outcome's audit event) after a read of the user (what the event is
//! built from), or one `UpdateItem` (a retry).
//!
//! Why a sweep of a sparse index and not the table's stream: the schedule must run anyway (for
//! reminders and for retries of anything stuck), one sweeper at a time (reserved concurrency 1)
//! is what makes `MAIL_SEND_RATE` a cap across every sender, a throttled or failed job waits in
//! the same index for its retry time, and the sweep works the same against DynamoDB Local and the
//! embedded store. A stream would add a second trigger, per-shard concurrency to reason about
//! for the rate, and a retry path of its own; the one thing it buys, latency, the request that
//! wrote the job already has: it sends at once, and the sweep is only the guarantee.

use aws_sdk_dynamodb::types::{Delete, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::errors::{built, sdk_error};
use super::items::{from_item, MessageItem};
use super::layout::{attr, home_key, n, s, ttl_seconds, value, Item, StoredTime, MAIL_INDEX};
use super::requests::update_item;
use super::DynamoStore;
use crate::domain::AuditEvent;
use crate::domain::{
    FailureReason, Identifier, InviteStatus, MailJob, MailKind, Queue, UserId, UserStatus,
};
use crate::ports::Outbox;
use crate::ports::{MailOutcome, StoreError};
use async_trait::async_trait;

pub(super) fn mail_key(id: &str) -> String {
    format!("MAIL#{id}")
}

/// A job as stored. `mailDue` is epoch milliseconds (a number sorts and compares as one);
/// `expiresAt` (TTL) is `MailJob::keep_until`: a day after the link's expiry (a job is worth
/// nothing after it), a week for an expiry watch (due at that expiry, it must outlive it).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MailItem {
    pk: String,
    entity: String,
    mail_queue: String,
    mail_due: i64,
    expires_at: i64,
    id: String,
    kind: MailKind,
    user_id: UserId,
    /// An email address, or a mobile number for a text message.
    to: Identifier,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    home: Option<Identifier>,
    generation: u64,
    link_expires_at: StoredTime,
    key_id: String,
    attempts: u32,
    created_at: StoredTime,
}

impl From<&MailJob> for MailItem {
    fn from(job: &MailJob) -> Self {
        Self {
            pk: mail_key(&job.id),
            entity: "mail".into(),
            mail_queue: job.queue().as_str().into(),
            mail_due: job.due.timestamp_millis(),
            expires_at: ttl_seconds(job.keep_until()),
            id: job.id.clone(),
            kind: job.kind,
            user_id: job.user_id.clone(),
            to: job.to.clone(),
            home: job.home.clone(),
            generation: job.generation,
            link_expires_at: StoredTime(job.link_expires_at),
            key_id: job.key_id.clone(),
            attempts: job.attempts,
            created_at: StoredTime(job.created_at),
        }
    }
}

impl MailItem {
    fn into_job(self) -> MailJob {
        MailJob {
            id: self.id,
            kind: self.kind,
            user_id: self.user_id,
            to: self.to,
            home: self.home,
            generation: self.generation,
            link_expires_at: self.link_expires_at.0,
            key_id: self.key_id,
            due: DateTime::from_timestamp_millis(self.mail_due).unwrap_or_default(),
            attempts: self.attempts,
            created_at: self.created_at.0,
        }
    }
}

/// The puts of new jobs, for the transaction that writes their link.
pub(super) fn puts(
    store: &DynamoStore,
    jobs: &[MailJob],
) -> Result<Vec<TransactWriteItem>, StoreError> {
    jobs.iter()
        .map(|job| store.put_new("mail job", &MailItem::from(job)))
        .collect()
}

/// Up to `limit` items of the outbox index's partition `queue` (a mail queue's name, or the
/// webhooks' `fanout` and `hook`) due at `now`, the longest waiting first: one `Query`.
pub(super) async fn due_items(
    store: &DynamoStore,
    context: &'static str,
    queue: &str,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Item>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let out = store
        .client
        .query()
        .table_name(&store.table)
        .index_name(MAIL_INDEX)
        .key_condition_expression("#queue = :queue AND #due <= :now")
        .expression_attribute_names("#queue", attr::MAIL_QUEUE)
        .expression_attribute_names("#due", attr::MAIL_DUE)
        .expression_attribute_values(":queue", s(queue))
        .expression_attribute_values(":now", n(now.timestamp_millis()))
        .scan_index_forward(true)
        .limit(i32::try_from(limit).unwrap_or(i32::MAX))
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await
        .map_err(|e| sdk_error(context, e))?;
    store.capacity.record(out.consumed_capacity());
    Ok(out.items.unwrap_or_default())
}

pub(super) async fn due(
    store: &DynamoStore,
    queue: Queue,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<MailJob>, StoreError> {
    let items = due_items(store, "query due mail", queue.as_str(), now, limit).await?;
    // A job that cannot be read is skipped (and logged without its key: a job id is what its
    // link is derived from), so one bad item never stops the rest of the outbox; TTL removes it
    // after its link's expiry.
    Ok(items
        .into_iter()
        .filter_map(|item| match from_item::<MailItem>("mail job", item) {
            Ok(job) => Some(job.into_job()),
            Err(e) => {
                crate::telemetry::log_unexpected("reading a queued mail job", &e);
                None
            }
        })
        .collect())
}

pub(super) async fn take(
    store: &DynamoStore,
    job: &MailJob,
    until: DateTime<Utc>,
) -> Result<Option<MailJob>, StoreError> {
    let request = store
        .client
        .update_item()
        .key(attr::PK, s(mail_key(&job.id)))
        .update_expression("SET #due = :until, #attempts = #attempts + :one")
        .condition_expression("attribute_exists(pk) AND #due = :seen")
        .expression_attribute_names("#due", attr::MAIL_DUE)
        .expression_attribute_names("#attempts", attr::ATTEMPTS)
        .expression_attribute_values(":until", n(until.timestamp_millis()))
        .expression_attribute_values(":seen", n(job.due.timestamp_millis()))
        .expression_attribute_values(":one", n(1))
        .return_values(ReturnValue::AllNew);
    // A failed condition: another sender took it first, or it is gone.
    let Some(out) = store.update_if("take mail job", request).await? else {
        return Ok(None);
    };
    let item = out.attributes.unwrap_or_default();
    Ok(Some(from_item::<MailItem>("mail job", item)?.into_job()))
}

pub(super) async fn finish(
    store: &DynamoStore,
    job: &MailJob,
    outcome: &MailOutcome,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    match outcome {
        MailOutcome::Retry { at } => return retry(store, job, *at, false).await,
        MailOutcome::Defer { at } => return retry(store, job, *at, true).await,
        _ => {}
    }
    // Only a job still there: a sender that finishes twice (its hold ran out meanwhile and the
    // other sender finished first) changes nothing the second time.
    let delete = TransactWriteItem::builder()
        .delete(built(
            Delete::builder()
                .table_name(&store.table)
                .key(attr::PK, s(mail_key(&job.id)))
                .condition_expression("attribute_exists(pk)")
                .build(),
        )?)
        .build();
    let invite_status = match outcome {
        MailOutcome::Sent { .. } => Some(InviteStatus::Sent),
        MailOutcome::Failed | MailOutcome::OptedOut => Some(InviteStatus::Failed),
        MailOutcome::Dropped | MailOutcome::Retry { .. } | MailOutcome::Defer { .. } => None,
    }
    .filter(|_| job.kind != MailKind::Reset);
    let Some(invite_status) = invite_status else {
        return delete_only(store, delete).await;
    };
    let audit = match outcome_event(store, job, outcome, invite_status, at).await? {
        Recorded::Event(event) => Some(event),
        Recorded::Nothing => None,
        Recorded::NoChange => return delete_only(store, delete).await,
    };
    let mut set = vec!["#inviteStatus = :status"];
    let mut remove = Vec::new();
    let mut message = None;
    let mut update = Update::builder()
        .table_name(&store.table)
        .key(attr::PK, s(home_key(job.home())))
        // The invite is still the job's: the same user, still invited, the link not replaced.
        .condition_expression(
            "attribute_exists(pk) AND #id = :id AND #status = :invited AND #gen = :gen \
             AND attribute_exists(#inviteExpiresAt)",
        )
        .expression_attribute_names("#inviteStatus", attr::INVITE_STATUS)
        .expression_attribute_names("#inviteExpiresAt", attr::INVITE_EXPIRES_AT)
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_names("#status", attr::STATUS)
        .expression_attribute_names("#gen", attr::SETUP_GENERATION)
        .expression_attribute_values(":status", value("invite status", invite_status)?)
        .expression_attribute_values(":id", s(&job.user_id.0))
        .expression_attribute_values(":invited", value("user status", UserStatus::Invited)?)
        .expression_attribute_values(":gen", n(job.link_generation()));
    if let MailOutcome::Sent { message_id, at } = outcome {
        if !message_id.is_empty() {
            set.push("#messageId = :messageId");
            remove.push("#bounceType");
            update = update
                .expression_attribute_names("#messageId", attr::INVITE_MESSAGE_ID)
                .expression_attribute_names("#bounceType", attr::INVITE_BOUNCE_TYPE)
                .expression_attribute_values(":messageId", s(message_id));
            message = Some(MessageItem::new(message_id, &job.user_id, job.home(), *at));
        }
    }
    if *outcome == MailOutcome::OptedOut {
        set.push("#failure = :optedOut");
        update = update
            .expression_attribute_names("#failure", attr::INVITE_FAILURE)
            .expression_attribute_values(
                ":optedOut",
                value("failure reason", FailureReason::OptedOut)?,
            );
    }
    let mut expression = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    let update = built(update.update_expression(expression).build())?;
    let mut items = vec![delete.clone(), update_item(update)];
    if let Some(message) = &message {
        items.push(store.put_message(message)?);
    }
    items.extend(super::audit::puts(store, audit.as_slice())?);
    match store.transact("finish mail job", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        // Already finished: nothing to do.
        Err(Ok(c)) if c.failed(0).is_some() => Ok(()),
        // The invite moved on (a newer link, a password, a cancel): the job still goes.
        Err(Ok(_)) => delete_only(store, delete).await,
    }
}

/// What finishing a job records in the log.
enum Recorded {
    /// This event, with the invite's change.
    Event(AuditEvent),
    /// The invite's change alone (a job whose outcome the log does not record).
    Nothing,
    /// No change: the invite is no longer the job's (the write's condition would fail).
    NoChange,
}

/// The event of a welcome's or reminder's outcome (`AuditEvent::of_mail_outcome`) is built from
/// the user as the write leaves them, which the write cannot return: one read of the user, and
/// the outcome applied to it as the domain does (`MailOutcome::record_on`), which also says
/// whether the write would change the invite at all. The write keeps its own condition, so a
/// change made between this read and the write still stops both the change and the event.
async fn outcome_event(
    store: &DynamoStore,
    job: &MailJob,
    outcome: &MailOutcome,
    invite_status: InviteStatus,
    at: DateTime<Utc>,
) -> Result<Recorded, StoreError> {
    if !matches!(job.kind, MailKind::Welcome | MailKind::Reminder) {
        return Ok(Recorded::Nothing);
    }
    let sent = match outcome {
        MailOutcome::Sent { .. } => Some(true),
        MailOutcome::Failed | MailOutcome::OptedOut => Some(false),
        MailOutcome::Dropped | MailOutcome::Retry { .. } | MailOutcome::Defer { .. } => None,
    };
    let user = super::users::by_home(store, job.home()).await?;
    let Some(mut user) = user.filter(|u| u.id == job.user_id) else {
        return Ok(Recorded::NoChange);
    };
    if !outcome.record_on(&mut user, job, invite_status) {
        return Ok(Recorded::NoChange);
    }
    Ok(match AuditEvent::of_mail_outcome(&user, job, sent, at) {
        Some(event) => Recorded::Event(event),
        None => Recorded::Nothing,
    })
}

/// Deletes the job alone (no invite to update); a job already gone is fine.
async fn delete_only(store: &DynamoStore, delete: TransactWriteItem) -> Result<(), StoreError> {
    let Some(delete) = delete.delete else {
        return Ok(());
    };
    let out = store
        .client
        .delete_item()
        .table_name(delete.table_name)
        .set_key(Some(delete.key))
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await
        .map_err(|e| sdk_error("delete mail job", e))?;
    store.capacity.record(out.consumed_capacity());
    Ok(())
}

/// Puts the job back for `at`, if this sender still holds it (its `mailDue` is the one it took).
/// Puts a held job back for `at`; `uncount`: the attempt it was taken with does not count.
async fn retry(
    store: &DynamoStore,
    job: &MailJob,
    at: DateTime<Utc>,
    uncount: bool,
) -> Result<(), StoreError> {
    let mut request = store
        .client
        .update_item()
        .key(attr::PK, s(mail_key(&job.id)))
        .update_expression(if uncount {
            "SET #due = :at, #attempts = #attempts - :one"
        } else {
            "SET #due = :at"
        })
        .condition_expression("attribute_exists(pk) AND #due = :held")
        .expression_attribute_names("#due", attr::MAIL_DUE)
        .expression_attribute_values(":at", n(at.timestamp_millis()))
        .expression_attribute_values(":held", n(job.due.timestamp_millis()));
    if uncount {
        request = request
            .expression_attribute_names("#attempts", attr::ATTEMPTS)
            .expression_attribute_values(":one", n(1));
    }
    // A failed condition: gone, or taken by another sender after our hold ran out: theirs now.
    store.update_if("retry mail job", request).await?;
    Ok(())
}

#[async_trait]
impl Outbox for DynamoStore {
    async fn due_in(
        &self,
        queue: Queue,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<MailJob>, StoreError> {
        due(self, queue, now, limit).await
    }

    async fn take_mail(
        &self,
        job: &MailJob,
        until: DateTime<Utc>,
    ) -> Result<Option<MailJob>, StoreError> {
        take(self, job, until).await
    }

    async fn finish_mail(
        &self,
        job: &MailJob,
        outcome: &MailOutcome,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        finish(self, job, outcome, at).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::dynamodb::items::to_item;
    use chrono::Duration;

    #[test]
    fn a_job_round_trips_through_its_item_and_only_jobs_carry_the_index_keys() {
        let now = DateTime::from_timestamp_millis(1_800_000_000_123).unwrap();
        let job = MailJob {
            id: "j1".into(),
            kind: MailKind::Reminder,
            user_id: UserId("u1".into()),
            to: Identifier::Email(crate::domain::EmailAddress::parse("ana@example.com").unwrap()),
            home: None,
            generation: 2,
            link_expires_at: now + Duration::days(7),
            key_id: "k".into(),
            due: now,
            attempts: 1,
            created_at: now,
        };
        let item = to_item("mail job", &MailItem::from(&job)).unwrap();
        assert!(item.contains_key(attr::MAIL_QUEUE) && item.contains_key(attr::MAIL_DUE));
        assert_eq!(
            from_item::<MailItem>("mail job", item).unwrap().into_job(),
            job
        );
    }
}
