//! Fanning events out to webhooks and delivering them. Both queues are in the outbox's sparse
//! index (`mailQueue`, sorted by `mailDue` in epoch milliseconds): queue `fanout` holds the
//! events not fanned out yet (the mark every event is written with), queue `hook` the delivery
//! jobs. The schedule's sweeps are one `Query` of each.
//!
//! - Fanning an event out is one transaction: the mark removed (only while it is there) and one
//!   job put per endpoint, at most `MAX_WEBHOOKS` + 1 items.
//! - Taking a job is one conditional `UpdateItem` (due and attempts as listed).
//! - Finishing one is one transaction: the attempt's record, the job deleted or put back, the
//!   endpoint's health and, when it is disabled, its event. A part whose item is gone (or, for a
//!   disable, already disabled) fails its condition; the transaction is sent again without it.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{Delete, ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use super::super::errors::{built, sdk_error};
use super::super::items::{from_item, AttemptItem, AuditItem, DeliveryJobItem};
use super::super::layout::{
    attr, audit_key, hook_attempts_of, hook_job_key, n, s, time, webhook_key, FANOUT_QUEUE,
    HOOK_QUEUE, ORG_INDEX,
};
use super::super::outbox::due_items;
use super::super::requests::{update_item, MAX_TRANSACTION_ITEMS};
use super::super::DynamoStore;
use crate::domain::webhook::attempt_retention;
use crate::domain::{AuditEvent, DeliveryAttempt, DeliveryJob, Webhook};
use crate::ports::{BackendError, DeliveryNext, EndpointHealth, StoreError};
use crate::telemetry::log_unexpected;

/// An item of a queue that cannot be read is skipped (and logged without its content), so one
/// bad item never stops the rest of the queue; TTL removes it in time.
fn readable<T>(what: &str, read: Result<T, StoreError>) -> Option<T> {
    read.map_err(|e| log_unexpected(what, &e)).ok()
}

pub(super) async fn due_fanouts(
    store: &DynamoStore,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<AuditEvent>, StoreError> {
    let items = due_items(store, "query a webhook queue", FANOUT_QUEUE, now, limit).await?;
    Ok(items
        .into_iter()
        .filter_map(|item| {
            let event = from_item::<AuditItem>("audit event", item).and_then(AuditItem::into_event);
            readable("reading an audit event to fan out", event)
        })
        // The index keeps milliseconds: an event later in `now`'s millisecond waits.
        .filter(|event| event.at <= now)
        .collect())
}

pub(super) async fn fan_out(
    store: &DynamoStore,
    event: &AuditEvent,
    jobs: &[DeliveryJob],
) -> Result<bool, StoreError> {
    if jobs.len() >= MAX_TRANSACTION_ITEMS {
        return Err(StoreError::Backend(BackendError::new(format!(
            "fanning out to {} webhooks: more than one transaction holds",
            jobs.len()
        ))));
    }
    let mut items = vec![update_item(unmark(store, event)?)];
    for job in jobs {
        // Whatever was there: with the mark still on the event, no job of it can exist yet.
        items.push(store.put("delivery job", &DeliveryJobItem::of(job)?)?);
    }
    match store.transact("fan out an audit event", items).await {
        Ok(()) => Ok(true),
        Err(Err(e)) => Err(e),
        // Fanned out by another sweep first, or gone (past its retention).
        Err(Ok(c)) if c.failed(0).is_some() => Ok(false),
        Err(Ok(_)) => Err(StoreError::Conflict),
    }
}

/// The fan-out mark's removal, only while it is there.
pub(super) fn unmark(store: &DynamoStore, event: &AuditEvent) -> Result<Update, StoreError> {
    built(
        Update::builder()
            .table_name(&store.table)
            .key(attr::PK, s(audit_key(&event.id)))
            .update_expression("REMOVE #queue, #due")
            .condition_expression("#queue = :fanout")
            .expression_attribute_names("#queue", attr::MAIL_QUEUE)
            .expression_attribute_names("#due", attr::MAIL_DUE)
            .expression_attribute_values(":fanout", s(FANOUT_QUEUE))
            .build(),
    )
}

pub(super) async fn due(
    store: &DynamoStore,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<DeliveryJob>, StoreError> {
    let items = due_items(store, "query a webhook queue", HOOK_QUEUE, now, limit).await?;
    Ok(items
        .into_iter()
        .filter_map(|item| {
            let job = from_item::<DeliveryJobItem>("delivery job", item)
                .and_then(DeliveryJobItem::into_job);
            readable("reading a queued delivery job", job)
        })
        .filter(|job| job.due <= now)
        .collect())
}

pub(super) async fn take(
    store: &DynamoStore,
    job: &DeliveryJob,
    until: DateTime<Utc>,
) -> Result<Option<DeliveryJob>, StoreError> {
    // A failed condition: another sender took it first, or it is gone.
    let request = take_request(store, job, until);
    let Some(out) = store.update_if("take delivery job", request).await? else {
        return Ok(None);
    };
    let item = out.attributes.unwrap_or_default();
    from_item::<DeliveryJobItem>("delivery job", item)?
        .into_job()
        .map(Some)
}

/// The `UpdateItem` that takes `job` until `until`: one attempt more, while due and attempts
/// are as listed, returning the job as left.
pub(super) fn take_request(
    store: &DynamoStore,
    job: &DeliveryJob,
    until: DateTime<Utc>,
) -> UpdateItemFluentBuilder {
    store
        .client
        .update_item()
        .key(attr::PK, s(hook_job_key(&job.key())))
        .update_expression("SET #mailDue = :untilMs, #due = :until, #attempts = #attempts + :one")
        .condition_expression("attribute_exists(pk) AND #due = :seen AND #attempts = :attempts")
        .expression_attribute_names("#mailDue", attr::MAIL_DUE)
        .expression_attribute_names("#due", attr::DUE)
        .expression_attribute_names("#attempts", attr::ATTEMPTS)
        .expression_attribute_values(":untilMs", n(until.timestamp_millis()))
        .expression_attribute_values(":until", time(until))
        .expression_attribute_values(":seen", time(job.due))
        .expression_attribute_values(":attempts", n(job.attempts))
        .expression_attribute_values(":one", n(1))
        .return_values(ReturnValue::AllNew)
}

/// The parts of a finishing write, to say which to leave out when one's item is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Attempt,
    Job,
    Endpoint,
    /// The `webhook.disabled` event: written only with the endpoint's disable.
    Event,
}

pub(super) async fn finish(
    store: &DynamoStore,
    job: &DeliveryJob,
    attempt: Option<&DeliveryAttempt>,
    next: &DeliveryNext,
    health: &EndpointHealth,
) -> Result<(), StoreError> {
    let mut parts = Vec::new();
    if let Some(attempt) = attempt {
        let record = AttemptItem::new(attempt, &random_tail(), attempt_retention());
        parts.push((Part::Attempt, store.put("delivery attempt", &record)?));
    }
    parts.push((Part::Job, job_write(store, job, next)?));
    if let Some(update) = endpoint_write(store, &job.webhook_id, health)? {
        parts.push((Part::Endpoint, update));
    }
    if let EndpointHealth::Disable { event, .. } = health {
        for put in super::puts(store, std::slice::from_ref(event))? {
            parts.push((Part::Event, put));
        }
    }
    // Each cancelled round leaves out at least one part.
    for _ in 0..=parts.len() {
        if parts.is_empty() {
            return Ok(());
        }
        let items = parts.iter().map(|(_, item)| item.clone()).collect();
        let cancelled = match store.transact("finish delivery", items).await {
            Ok(()) => return Ok(()),
            Err(Err(e)) => return Err(e),
            Err(Ok(cancelled)) => cancelled,
        };
        let failed: Vec<Part> = parts
            .iter()
            .enumerate()
            .filter(|(i, _)| cancelled.failed(*i).is_some())
            .map(|(_, (part, _))| *part)
            .collect();
        // The attempt's put has no condition to fail.
        if failed.is_empty() || failed.contains(&Part::Attempt) {
            return Err(StoreError::Conflict);
        }
        // An endpoint gone or disabled already: neither its change nor a disable's event.
        let endpoint = failed.contains(&Part::Endpoint) || failed.contains(&Part::Event);
        parts.retain(|(part, _)| {
            !(failed.contains(part) || endpoint && matches!(part, Part::Endpoint | Part::Event))
        });
    }
    Err(StoreError::Conflict)
}

/// `Done` deletes the job (gone already is fine: no condition); `Retry` puts it back for `at`,
/// only while it is there (an update of a missing item would create one).
pub(super) fn job_write(
    store: &DynamoStore,
    job: &DeliveryJob,
    next: &DeliveryNext,
) -> Result<TransactWriteItem, StoreError> {
    let key = s(hook_job_key(&job.key()));
    Ok(match next {
        DeliveryNext::Done => TransactWriteItem::builder()
            .delete(built(
                Delete::builder()
                    .table_name(&store.table)
                    .key(attr::PK, key)
                    .build(),
            )?)
            .build(),
        DeliveryNext::Retry { at } => update_item(built(
            Update::builder()
                .table_name(&store.table)
                .key(attr::PK, key)
                .update_expression("SET #mailDue = :atMs, #due = :at")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#mailDue", attr::MAIL_DUE)
                .expression_attribute_names("#due", attr::DUE)
                .expression_attribute_values(":atMs", n(at.timestamp_millis()))
                .expression_attribute_values(":at", time(*at))
                .build(),
        )?),
    })
}

/// What `health` writes on the endpoint's item, each only while the item is there.
pub(super) fn endpoint_write(
    store: &DynamoStore,
    webhook_id: &str,
    health: &EndpointHealth,
) -> Result<Option<TransactWriteItem>, StoreError> {
    let update = Update::builder()
        .table_name(&store.table)
        .key(attr::PK, s(webhook_key(webhook_id)));
    let update = match health {
        EndpointHealth::Unchanged => return Ok(None),
        EndpointHealth::Healthy => update
            .update_expression("REMOVE #failingSince")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#failingSince", attr::FAILING_SINCE),
        // The run of failures that is already running keeps its start.
        EndpointHealth::Failing { since } => update
            .update_expression("SET #failingSince = if_not_exists(#failingSince, :since)")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#failingSince", attr::FAILING_SINCE)
            .expression_attribute_values(":since", time(*since)),
        EndpointHealth::Disable {
            event,
            failing_since: None,
        } => update
            .update_expression("SET #disabledAt = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#disabledAt)")
            .expression_attribute_names("#disabledAt", attr::DISABLED_AT)
            .expression_attribute_values(":at", time(event.at)),
        // Only while the run of failures that decided it is still running.
        EndpointHealth::Disable {
            event,
            failing_since: Some(since),
        } => update
            .update_expression("SET #disabledAt = :at")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(#disabledAt) AND #failingSince = :run",
            )
            .expression_attribute_names("#disabledAt", attr::DISABLED_AT)
            .expression_attribute_names("#failingSince", attr::FAILING_SINCE)
            .expression_attribute_values(":at", time(event.at))
            .expression_attribute_values(":run", time(*since)),
    };
    Ok(Some(update_item(built(update.build())?)))
}

/// Tells two attempts' records at one instant apart: 64 random bits, hex.
fn random_tail() -> String {
    let mut bytes = [0u8; 8];
    // Without randomness two records of one instant would share a key; the later one would
    // replace the earlier, which is a lost line in a log, not a failure.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One `Query` of the attempts' partition of the organisation index, newest first.
pub(super) async fn of_hook(
    store: &DynamoStore,
    hook: &Webhook,
    limit: usize,
) -> Result<Vec<DeliveryAttempt>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let out = store
        .client
        .query()
        .table_name(&store.table)
        .index_name(ORG_INDEX)
        .key_condition_expression("#memberOf = :p")
        .expression_attribute_names("#memberOf", attr::MEMBER_OF)
        .expression_attribute_values(":p", s(hook_attempts_of(&hook.id)))
        .scan_index_forward(false)
        .limit(i32::try_from(limit).unwrap_or(i32::MAX))
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await
        .map_err(|e| sdk_error("query delivery attempts", e))?;
    store.capacity.record(out.consumed_capacity());
    out.items
        .unwrap_or_default()
        .into_iter()
        .map(|item| from_item::<AttemptItem>("delivery attempt", item).map(Into::into))
        .collect()
}
