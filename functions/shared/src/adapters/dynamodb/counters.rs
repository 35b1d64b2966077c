//! Rate-limit counters: counting an event (one `UpdateItem` with `ADD`, which creates the counter
//! with its TTL at the window's end), peeking at counts, and the sign-in view, which reads the
//! user and their counters in the one `BatchGetItem` that sign-in costs.

use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Duration, Utc};

use super::errors::sdk_error;
use super::items::{from_item, user_from_item, CounterItem};
use super::layout::{attr, counter_key, email_key, n, s, Item};
use super::DynamoStore;
use crate::domain::{EmailAddress, User};
use crate::ports::{window_start, StoreError};

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
