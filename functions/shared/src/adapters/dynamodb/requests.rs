//! The store's round trips, shared by every operation: a strongly consistent `GetItem`, a
//! `BatchGetItem` that retries what DynamoDB leaves unprocessed, a `TransactWriteItems` that
//! retries lost races and hands failed conditions back with their reasons, an `UpdateItem`
//! whose failed condition is an answer, and deletes (one item, or many, one by one).

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, KeysAndAttributes, Put, TransactWriteItem, Update,
};
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::HashMap;

use super::errors::{built, cancelled, malformed, sdk_error};
use super::items::to_item;
use super::layout::{attr, s, Item};
use super::DynamoStore;
use crate::ports::{BackendError, StoreError};

/// How often a request that lost a race (a transaction to another transaction, a batch read to
/// throttling) is tried again; after the winner commits, the retry meets the winner's result in
/// its conditions.
pub(super) const ATTEMPTS: u32 = 8;

/// DynamoDB's most items in one `TransactWriteItems`.
pub(super) const MAX_TRANSACTION_ITEMS: usize = 100;

/// How many deletes of [`DynamoStore::delete_all`] are in flight at once.
const CONCURRENT_DELETES: usize = 8;

/// Why a transaction was cancelled, one reason per item in the order the items were given.
pub(super) struct Cancelled(Vec<CancellationReason>);

impl Cancelled {
    /// The old item, if this item's condition failed (`None` inside: it did not exist).
    pub(super) fn failed(&self, index: usize) -> Option<Option<&Item>> {
        let reason = self.0.get(index)?;
        (reason.code() == Some("ConditionalCheckFailed")).then(|| reason.item())
    }
}

pub(super) fn backoff(attempt: u32) -> std::time::Duration {
    let mut jitter = [0u8; 1];
    // Without jitter the losers of a race collide again in step; with a failed RNG they still retry.
    let _ = getrandom::fill(&mut jitter);
    let base = 8u64 << attempt.min(5);
    std::time::Duration::from_millis(base + u64::from(jitter[0]) % base)
}

pub(super) fn put_item(put: Put) -> TransactWriteItem {
    TransactWriteItem::builder().put(put).build()
}

pub(super) fn update_item(update: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(update).build()
}

impl DynamoStore {
    /// Runs one `TransactWriteItems`. `Err(Ok(cancelled))` when a condition failed; transactions
    /// that only lost a race to another transaction are tried again first.
    pub(super) async fn transact(
        &self,
        operation: &'static str,
        items: Vec<TransactWriteItem>,
    ) -> Result<(), Result<Cancelled, StoreError>> {
        // DynamoDB would refuse it as a ValidationException; this says which write it was.
        if items.len() > MAX_TRANSACTION_ITEMS {
            return Err(Err(StoreError::Backend(BackendError::new(format!(
                "DynamoDB {operation}: {} items, more than one transaction holds",
                items.len()
            )))));
        }
        let mut attempt = 0;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .set_return_consumed_capacity(self.capacity.report())
                .send()
                .await;
            let error = match result {
                Ok(out) => {
                    self.capacity.record(out.consumed_capacity());
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
                if matches!(e, StoreError::Conflict) && attempt + 1 < ATTEMPTS {
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
                if attempt < ATTEMPTS {
                    tokio::time::sleep(backoff(attempt)).await;
                    continue;
                }
                return Err(Err(StoreError::Conflict));
            }
            return Err(Err(cancelled(operation, &codes, &error)));
        }
    }

    pub(super) async fn get(
        &self,
        operation: &'static str,
        pk: String,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PK, s(pk))
            // Sign-in right after a password change must see the change.
            .consistent_read(true)
            .set_return_consumed_capacity(self.capacity.report())
            .send()
            .await
            .map_err(|e| sdk_error(operation, e))?;
        self.capacity.record(out.consumed_capacity());
        Ok(out.item)
    }

    /// Strongly consistent BatchGetItem of `pks`, retrying what DynamoDB leaves unprocessed.
    pub(super) async fn batch_get(
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
                .set_return_consumed_capacity(self.capacity.report())
                .send()
                .await
                .map_err(|e| sdk_error(operation, e))?;
            self.capacity.record(out.consumed_capacity());
            for item in out
                .responses
                .unwrap_or_default()
                .remove(&self.table)
                .unwrap_or_default()
            {
                let pk = match item.get(attr::PK) {
                    Some(AttributeValue::S(pk)) => pk.clone(),
                    _ => return Err(malformed("item", "no string pk")),
                };
                found.insert(pk, item);
            }
            if let Some(mut left) = out.unprocessed_keys.filter(|u| !u.is_empty()) {
                attempt += 1;
                if attempt >= ATTEMPTS {
                    return Err(StoreError::Unavailable(BackendError::new(format!(
                        "DynamoDB {operation}: keys left unprocessed"
                    ))));
                }
                pending = left.remove(&self.table).map(|k| k.keys).unwrap_or_default();
                tokio::time::sleep(backoff(attempt)).await;
            }
        }
        Ok(found)
    }

    /// One unconditional `DeleteItem` of the item at `pk` (gone already is fine).
    pub(super) async fn delete(
        &self,
        operation: &'static str,
        pk: String,
    ) -> Result<(), StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PK, s(pk))
            .set_return_consumed_capacity(self.capacity.report())
            .send()
            .await
            .map_err(|e| sdk_error(operation, e))?;
        self.capacity.record(out.consumed_capacity());
        Ok(())
    }

    /// Deletes the items at `pks` (gone already is fine), one `DeleteItem` each, a few at a
    /// time. Not atomic: each delete stands alone. (Not `BatchWriteItem`: no function's role
    /// grants it, and the lists deleted this way are short.)
    pub(super) async fn delete_all(
        &self,
        operation: &'static str,
        pks: Vec<String>,
    ) -> Result<(), StoreError> {
        let mut deletes = futures_util::stream::iter(pks)
            .map(|pk| self.delete(operation, pk))
            .buffer_unordered(CONCURRENT_DELETES);
        while let Some(done) = deletes.next().await {
            done?;
        }
        Ok(())
    }

    /// Sends `request`, an `UpdateItem` whose failed condition is an answer, not a failure:
    /// `None` when the condition did not hold (nothing changed).
    pub(super) async fn update_if(
        &self,
        operation: &'static str,
        request: UpdateItemFluentBuilder,
    ) -> Result<Option<UpdateItemOutput>, StoreError> {
        let result = request
            .table_name(&self.table)
            .set_return_consumed_capacity(self.capacity.report())
            .send()
            .await;
        match result {
            Ok(out) => {
                self.capacity.record(out.consumed_capacity());
                Ok(Some(out))
            }
            Err(SdkError::ServiceError(ctx))
                if matches!(
                    ctx.err(),
                    UpdateItemError::ConditionalCheckFailedException(_)
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(sdk_error(operation, e)),
        }
    }

    /// A put of a message pointer (`MSG#`), whatever was there: one email has one id.
    pub(super) fn put_message(
        &self,
        item: &super::items::MessageItem,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item("message", item)?))
                .build(),
        )?;
        Ok(put_item(put))
    }

    /// A put of an item (`what` names it in errors), whatever was there.
    pub(super) fn put<T: Serialize>(
        &self,
        what: &'static str,
        value: &T,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(what, value)?))
                .build(),
        )?;
        Ok(put_item(put))
    }

    /// A put of a new item (`what` names it in errors): it must not exist yet.
    pub(super) fn put_new<T: Serialize>(
        &self,
        what: &'static str,
        value: &T,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(what, value)?))
                .condition_expression("attribute_not_exists(pk)")
                .build(),
        )?;
        Ok(put_item(put))
    }
}
