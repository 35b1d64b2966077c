//! Rate-limit counters: counting an event (one `UpdateItem` with `ADD`, which creates the counter
//! with its TTL at the window's end), peeking at counts (one `BatchGetItem`); and slots taken before the work they limit
//! (one conditional `UpdateItem` per key, or, for counters of one user only, inside the
//! transaction of the work itself: `links::issue_within_limits`) and given back after a sign-in
//! that turned out not to fail.

use aws_sdk_dynamodb::types::{ReturnValue, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;

use super::errors::{built, sdk_error};
use super::items::{from_item, CounterItem};
use super::layout::{attr, counter_key, n, s, Item};
use super::requests::{backoff, update_item, ATTEMPTS};
use super::DynamoStore;
use crate::ports::Limits;
use crate::ports::{window_start, Limited, StoreError};
use crate::telemetry::log_unexpected;
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;

pub(super) async fn count_event(
    store: &DynamoStore,
    key: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let window_secs = window.num_seconds().max(1);
    let window_start = window_start(window, now);
    let out = store
        .client
        .update_item()
        .table_name(&store.table)
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
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await
        .map_err(|e| sdk_error("count event", e))?;
    store.capacity.record(out.consumed_capacity());
    let counter: CounterItem = from_item("counter", out.attributes.unwrap_or_default())?;
    Ok(counter.count)
}

/// One conditional `UpdateItem` per key, sent together: each bumps its counter only while it is
/// under its limit, so a burst never gets past `max` on any key. When a key refuses (or fails),
/// the slots the others took are given back, so a refusal leaves nothing taken.
///
/// Not a transaction, on purpose: a counter such as the per-address one is a single item that
/// everyone behind that address writes. Real DynamoDB cancels a transaction that meets another
/// one in progress on the same item (`TransactionConflict`), so a crew signing in together would
/// retry and some would see `503`; plain conditional updates on one item queue instead. The price
/// is that a refused request holds the other keys' slots for one round trip, so a concurrent
/// request can be refused a little early, never let through late.
pub(super) async fn take_slots(
    store: &DynamoStore,
    limits: &[Limited],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let start = window_start(window, now);
    let end = start + window.num_seconds().max(1);
    let keys = distinct_limits(limits);
    let taken = join_all(keys.iter().map(|(key, max)| {
        let pk = counter_key(key, start);
        update_retrying_conflicts(store, "take a rate-limit slot", move || {
            store
                .client
                .update_item()
                .key(attr::PK, s(pk.clone()))
                .update_expression(
                    "ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :end), \
                     #entity = :entity",
                )
                .condition_expression("attribute_not_exists(#count) OR #count < :max")
                .expression_attribute_names("#count", attr::COUNT)
                .expression_attribute_names("#expiresAt", attr::EXPIRES_AT)
                .expression_attribute_names("#entity", attr::ENTITY)
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":max", n(*max as i64))
                .expression_attribute_values(":end", n(end))
                .expression_attribute_values(":entity", s("counter"))
        })
    }))
    .await;
    if taken.iter().all(|t| matches!(t, Ok(true))) {
        return Ok(true);
    }
    let to_give_back: Vec<String> = keys
        .iter()
        .zip(&taken)
        .filter(|(_, t)| matches!(t, Ok(true)))
        .map(|((key, _), _)| (*key).to_owned())
        .collect();
    if let Err(e) = give_back_slots(store, &to_give_back, window, now).await {
        // Those slots stay counted: the limit is reached a little early, never late. The
        // refusal (or the failure below) is still this call's answer.
        log_unexpected("giving back the slots of a refused take", &e);
    }
    match taken.into_iter().find_map(Result::err) {
        Some(e) => Err(e),
        None => Ok(false),
    }
}

/// One conditional `UpdateItem`: `true` when it applied, `false` when its condition failed. A
/// plain write on an item that a transaction (forgot-password's, on a counter of one user) holds
/// at that moment is refused with `TransactionConflictException` on AWS: tried again, with the
/// backoff `transact` uses, so a request that meets a transaction waits a little instead of
/// answering `503`.
pub(super) async fn update_retrying_conflicts(
    store: &DynamoStore,
    operation: &'static str,
    request: impl Fn() -> UpdateItemFluentBuilder,
) -> Result<bool, StoreError> {
    let mut attempt = 0;
    loop {
        match store.update_if(operation, request()).await {
            Err(StoreError::Conflict) if attempt + 1 < ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
            }
            done => return done.map(|out| out.is_some()),
        }
    }
}

/// Each key once, in the order first given, held to the strictest `max` when given twice.
fn distinct_limits(limits: &[Limited]) -> Vec<(&str, u64)> {
    let mut distinct: Vec<(&str, u64)> = Vec::with_capacity(limits.len());
    for l in limits {
        match distinct.iter_mut().find(|(key, _)| *key == l.key) {
            Some((_, max)) => *max = (*max).min(l.max),
            None => distinct.push((&l.key, l.max)),
        }
    }
    distinct
}

/// The transaction items that take one slot under each of `limits` in the window holding `now`:
/// `ADD count 1` (with the TTL and the entity set on a new counter) on the condition that the
/// counter is under its `max`. One item per distinct key, in the order first given, held to the
/// strictest `max` when a key is given twice: a transaction may touch an item only once.
pub(super) fn slot_updates(
    store: &DynamoStore,
    limits: &[Limited],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let start = window_start(window, now);
    let end = start + window.num_seconds().max(1);
    distinct_limits(limits)
        .into_iter()
        .map(|(key, max)| {
            let update = Update::builder()
                .table_name(&store.table)
                .key(attr::PK, s(counter_key(key, start)))
                .update_expression(
                    "ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :end), \
                     #entity = :entity",
                )
                .condition_expression("attribute_not_exists(#count) OR #count < :max")
                .expression_attribute_names("#count", attr::COUNT)
                .expression_attribute_names("#expiresAt", attr::EXPIRES_AT)
                .expression_attribute_names("#entity", attr::ENTITY)
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":max", n(max as i64))
                .expression_attribute_values(":end", n(end))
                .expression_attribute_values(":entity", s("counter"))
                .build();
            Ok(update_item(built(update)?))
        })
        .collect()
}

/// One `UpdateItem` per key, sent together, each taking one off only while the count is above 0
/// (a conflict with a transaction tried again, as for a take).
pub(super) async fn give_back_slots(
    store: &DynamoStore,
    keys: &[String],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let pks = counter_pks(keys, window, now);
    // A failed condition: nothing to give back (the window turned, or it is already 0).
    let given = join_all(pks.iter().map(|pk| {
        update_retrying_conflicts(store, "give back a rate-limit slot", move || {
            store
                .client
                .update_item()
                .key(attr::PK, s(pk.clone()))
                .update_expression("ADD #count :minus_one")
                .condition_expression("#count > :zero")
                .expression_attribute_names("#count", attr::COUNT)
                .expression_attribute_values(":minus_one", n(-1))
                .expression_attribute_values(":zero", n(0))
        })
    }))
    .await;
    given.into_iter().try_for_each(|g| g.map(drop))
}

pub(super) async fn peek_counts(
    store: &DynamoStore,
    keys: &[String],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<u64>, StoreError> {
    let pks = counter_pks(keys, window, now);
    let items = store.batch_get("peek counters", &pks).await?;
    // `get`, not `remove`: the same key asked twice reads the same counter twice.
    pks.iter()
        .map(|pk| count_in(items.get(pk).cloned()))
        .collect()
}

fn counter_pks(keys: &[String], window: Duration, now: DateTime<Utc>) -> Vec<String> {
    let start = window_start(window, now);
    keys.iter().map(|k| counter_key(k, start)).collect()
}

/// A counter that was never written counts 0.
fn count_in(item: Option<Item>) -> Result<u64, StoreError> {
    match item {
        None => Ok(0),
        Some(item) => Ok(from_item::<CounterItem>("counter", item)?.count),
    }
}

#[async_trait]
impl Limits for DynamoStore {
    async fn count_event(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        count_event(self, key, window, now).await
    }

    async fn take_slots(
        &self,
        limits: &[Limited],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        take_slots(self, limits, window, now).await
    }

    async fn give_back_slots(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        give_back_slots(self, keys, window, now).await
    }

    async fn peek_counts(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError> {
        peek_counts(self, keys, window, now).await
    }
}
