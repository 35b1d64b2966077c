//! Rate-limit counters: counting an event (one `UpdateItem` with `ADD`, which creates the counter
//! with its TTL at the window's end), peeking at counts, and the sign-in view, which reads the
//! user and their counters in one `BatchGetItem`; and slots taken before the work they limit
//! (one conditional `UpdateItem` per key, all sent at once) and given back after.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;

use super::errors::sdk_error;
use super::items::{from_item, user_from_item, CounterItem};
use super::layout::{attr, counter_key, email_key, n, s, Item};
use super::DynamoStore;
use crate::domain::{EmailAddress, User};
use crate::ports::{window_start, Limited, StoreError};

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
/// the slots the others took are given back: a refused attempt is not counted.
pub(super) async fn take_slots(
    store: &DynamoStore,
    limits: &[Limited],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let start = window_start(window, now);
    let end = start + window.num_seconds().max(1);
    let taken = join_all(limits.iter().map(|l| take_slot(store, l, start, end))).await;
    let kept: Vec<String> = limits
        .iter()
        .zip(&taken)
        .filter(|(_, t)| matches!(t, Ok(true)))
        .map(|(l, _)| l.key.clone())
        .collect();
    if kept.len() == limits.len() {
        return Ok(true);
    }
    let given_back = give_back_slots(store, &kept, window, now).await;
    for t in taken {
        t?;
    }
    given_back?;
    Ok(false)
}

async fn take_slot(
    store: &DynamoStore,
    limit: &Limited,
    window_start: i64,
    window_end: i64,
) -> Result<bool, StoreError> {
    let out = store
        .client
        .update_item()
        .table_name(&store.table)
        .key(attr::PK, s(counter_key(&limit.key, window_start)))
        .update_expression(
            "ADD #count :one SET #expiresAt = if_not_exists(#expiresAt, :end), #entity = :entity",
        )
        .condition_expression("attribute_not_exists(#count) OR #count < :max")
        .expression_attribute_names("#count", attr::COUNT)
        .expression_attribute_names("#expiresAt", attr::EXPIRES_AT)
        .expression_attribute_names("#entity", attr::ENTITY)
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(limit.max as i64))
        .expression_attribute_values(":end", n(window_end))
        .expression_attribute_values(":entity", s("counter"))
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await;
    match out {
        Ok(out) => {
            store.capacity.record(out.consumed_capacity());
            Ok(true)
        }
        Err(SdkError::ServiceError(ctx))
            if matches!(
                ctx.err(),
                UpdateItemError::ConditionalCheckFailedException(_)
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(sdk_error("take a rate-limit slot", e)),
    }
}

/// One `UpdateItem` per key, sent together, each taking one off only while the count is above 0.
pub(super) async fn give_back_slots(
    store: &DynamoStore,
    keys: &[String],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let pks = counter_pks(keys, window, now);
    let given = join_all(pks.iter().map(|pk| async move {
        let request = store
            .client
            .update_item()
            .key(attr::PK, s(pk.clone()))
            .update_expression("ADD #count :minus_one")
            .condition_expression("#count > :zero")
            .expression_attribute_names("#count", attr::COUNT)
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":zero", n(0));
        // A failed condition: nothing to give back (the window turned, or it is already 0).
        store
            .update_if("give back a rate-limit slot", request)
            .await
            .map(|_| ())
    }))
    .await;
    given.into_iter().collect()
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

/// One BatchGetItem: the user's email item and the sign-in counters together.
pub(super) async fn sign_in_view(
    store: &DynamoStore,
    email: &EmailAddress,
    counter_keys: &[String],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(Option<User>, Vec<u64>), StoreError> {
    let pks = counter_pks(counter_keys, window, now);
    let user_pk = email_key(email);
    let mut wanted = pks.clone();
    wanted.push(user_pk.clone());
    let items = store.batch_get("read sign-in view", &wanted).await?;
    let user = items
        .get(&user_pk)
        .cloned()
        .map(user_from_item)
        .transpose()?;
    let counts = pks
        .iter()
        .map(|pk| count_in(items.get(pk).cloned()))
        .collect::<Result<_, _>>()?;
    Ok((user, counts))
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
