//! An organisation's webhooks: `WEBHOOK#<id>` items, listed by a `Query` of the organisation
//! index (partition `WEBHOOKS#<org>`, oldest first), and the organisation's counter
//! `WEBHOOKS#<org>` (`count`), which every registration and deletion moves in its own
//! transaction. The counter's condition (`count < max`) is what holds concurrent registrations
//! to the limit: two transactions on one item never both commit on the same count.

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};

use super::super::errors::{built, sdk_error};
use super::super::items::{from_item, WebhookItem};
use super::super::layout::{attr, hook_jobs_of, n, s, webhook_key, webhooks_of, Item, ORG_INDEX};
use super::super::requests::update_item;
use super::super::DynamoStore;
use crate::domain::{AuditEvent, OrgId, Webhook};
use crate::ports::StoreError;

/// The counter's update: `delta` on `count`, within `max` when adding.
pub(super) fn count(
    store: &DynamoStore,
    org: &OrgId,
    delta: i64,
    max: Option<usize>,
) -> Result<TransactWriteItem, StoreError> {
    let mut update = Update::builder()
        .table_name(&store.table)
        .key(attr::PK, s(webhooks_of(org)))
        .update_expression("SET #entity = :entity ADD #count :delta")
        .expression_attribute_names("#entity", attr::ENTITY)
        .expression_attribute_names("#count", attr::COUNT)
        .expression_attribute_values(":entity", s("webhook-count"))
        .expression_attribute_values(":delta", n(delta));
    if let Some(max) = max {
        update = update
            .condition_expression("attribute_not_exists(#count) OR #count < :max")
            .expression_attribute_values(":max", n(max));
    }
    Ok(update_item(built(update.build())?))
}

/// One transaction: the counter (first: a full one is `TooManyWebhooks`), the webhook, the event.
pub(super) async fn create(
    store: &DynamoStore,
    hook: &Webhook,
    max: usize,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    let mut items = vec![
        count(store, &hook.org_id, 1, Some(max))?,
        store.put_new("webhook", &WebhookItem::from(hook))?,
    ];
    items.extend(super::puts(store, std::slice::from_ref(event))?);
    match store.transact("create webhook", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        Err(Ok(c)) if c.failed(0).is_some() => Err(StoreError::TooManyWebhooks),
        // A webhook id is 128 random bits: one that exists is a retry of this write, or a bug.
        Err(Ok(_)) => Err(StoreError::Conflict),
    }
}

/// One `Query` of the organisation index (more only past DynamoDB's page size, which ten
/// webhooks never reach). The index is eventually consistent on AWS: a webhook registered a
/// moment ago may be missing from a list for that moment.
pub(super) async fn of_org(store: &DynamoStore, org: &OrgId) -> Result<Vec<Webhook>, StoreError> {
    let items = query_partition(store, &webhooks_of(org), None).await?;
    items
        .into_iter()
        .map(|item| from_item::<WebhookItem>("webhook", item).map(Webhook::from))
        .collect()
}

/// One strongly consistent `GetItem`; a webhook of another organisation is none.
pub(super) async fn by_id(
    store: &DynamoStore,
    org: &OrgId,
    id: &str,
) -> Result<Option<Webhook>, StoreError> {
    let Some(item) = store.get("read webhook", webhook_key(id)).await? else {
        return Ok(None);
    };
    let hook = Webhook::from(from_item::<WebhookItem>("webhook", item)?);
    Ok(Some(hook).filter(|h| &h.org_id == org))
}

/// One transaction (the webhook, only while it is there and the organisation's; the counter;
/// the event), then the sweep of its queued jobs: a `Query` of their partition of the
/// organisation index and a `DeleteItem` each. A job the sweep misses (fanned out a moment
/// before, not yet in the index) finds no endpoint when it is taken, and is dropped.
pub(super) async fn delete(
    store: &DynamoStore,
    hook: &Webhook,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    let remove = built(
        Delete::builder()
            .table_name(&store.table)
            .key(attr::PK, s(webhook_key(&hook.id)))
            .condition_expression("attribute_exists(pk) AND #orgId = :org")
            .expression_attribute_names("#orgId", attr::ORG_ID)
            .expression_attribute_values(":org", s(&hook.org_id.0))
            .build(),
    )?;
    let mut items = vec![
        TransactWriteItem::builder().delete(remove).build(),
        count(store, &hook.org_id, -1, None)?,
    ];
    items.extend(super::puts(store, std::slice::from_ref(event))?);
    match store.transact("delete webhook", items).await {
        Ok(()) => {}
        Err(Err(e)) => return Err(e),
        Err(Ok(c)) if c.failed(0).is_some() => return Err(StoreError::UserNotFound),
        Err(Ok(_)) => return Err(StoreError::Conflict),
    }
    // Its queued jobs go too, as far as a request's time allows: the webhook and its event are
    // written, so this answers as done whatever the sweep meets. A job it leaves (past the
    // first `SWEEP_AT_MOST`, or on a failure) finds no endpoint when it is taken, and is dropped.
    // Its attempts' records are left to their TTL (a month): nobody reads a deleted webhook's.
    if let Err(e) = sweep_jobs(store, hook).await {
        crate::telemetry::log_unexpected("sweeping a deleted webhook's queued deliveries", &e);
    }
    Ok(())
}

/// The most queued jobs a deletion removes itself (one `DeleteItem` each, a few at a time).
const SWEEP_AT_MOST: usize = 200;

async fn sweep_jobs(store: &DynamoStore, hook: &Webhook) -> Result<(), StoreError> {
    let jobs = query_partition(store, &hook_jobs_of(&hook.id), Some(attr::PK)).await?;
    let keys = jobs
        .iter()
        .filter_map(|item| item.get(attr::PK).and_then(|v| v.as_s().ok()).cloned())
        .take(SWEEP_AT_MOST)
        .collect();
    store
        .delete_all("sweep a deleted webhook's jobs", keys)
        .await
}

/// Every item of one partition of the organisation index, oldest first (only the attribute
/// `only`, when given).
async fn query_partition(
    store: &DynamoStore,
    partition: &str,
    only: Option<&'static str>,
) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let mut request = store
            .client
            .query()
            .table_name(&store.table)
            .index_name(ORG_INDEX)
            .key_condition_expression("#memberOf = :p")
            .expression_attribute_names("#memberOf", attr::MEMBER_OF)
            .expression_attribute_values(":p", s(partition))
            .scan_index_forward(true)
            .set_exclusive_start_key(start.take())
            .set_return_consumed_capacity(store.capacity.report());
        if let Some(name) = only {
            request = request
                .projection_expression("#only")
                .expression_attribute_names("#only", name);
        }
        let out = request
            .send()
            .await
            .map_err(|e| sdk_error("query webhooks", e))?;
        store.capacity.record(out.consumed_capacity());
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key.filter(|k| !k.is_empty()) {
            Some(key) => start = Some(key),
            None => return Ok(items),
        }
    }
}
