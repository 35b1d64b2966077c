//! What the audit rows need to see of the store's DynamoDB requests beyond its own meter: each
//! committed write, in order, to be mirrored item by item into a shadow table ([`super::Rig`]),
//! and the capacity DynamoDB reported for everything else, by table and index.
//!
//! Why a mirror: DynamoDB Local under-reports a transaction's capacity. Its items of equal cost
//! count once (ten small puts in one `TransactWriteItems` report what one does), so a fan-out
//! to ten endpoints, or a change and its event, would look nearly free. Each item written alone,
//! in a one-item transaction, reports its own cost exactly; on the shadow table, kept in step
//! with the real one by the same writes, each item meets the state its original met.
//!
//! The store asks for `TOTAL` capacity when it carries a meter; this interceptor turns that into
//! `INDEXES`, which reports the same total and its split (the store's meter still adds the
//! total). It watches the store's own client: what it sees is exactly what the product sends.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{
    batch_get_item::{BatchGetItemInput, BatchGetItemOutput},
    delete_item::{DeleteItemInput, DeleteItemOutput},
    get_item::{GetItemInput, GetItemOutput},
    put_item::{PutItemInput, PutItemOutput},
    query::{QueryInput, QueryOutput},
    transact_write_items::TransactWriteItemsInput,
    update_item::{UpdateItemInput, UpdateItemOutput},
};
use aws_sdk_dynamodb::types::{
    ConsumedCapacity, Delete, Put, ReturnConsumedCapacity, TransactWriteItem, Update,
};
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use super::Split;

/// One committed write.
#[derive(Debug, Clone)]
pub enum Write {
    /// A transaction's items, as sent.
    Transaction(Vec<TransactWriteItem>),
    /// A single `PutItem`, `UpdateItem` or `DeleteItem`, as the transaction item that does the
    /// same to the item (for the mirror: its cost was reported exactly already). Boxed: the
    /// item is large beside the other variants.
    Single(Box<TransactWriteItem>),
    /// A single write with legacy parameters (`Expected`, `AttributeUpdates`) that no
    /// transaction item can carry; the store never sends one.
    Unmirrorable,
}

/// What the watched client's requests did since the last [`Capture::take`].
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// The units DynamoDB reported for every request but transactions (reads, single writes),
    /// by part: `table`, or an index's name.
    pub direct: Split,
    /// The committed writes, in the order their answers came.
    pub writes: Vec<Write>,
    /// Writes that a one-item transaction could not mirror (legacy parameters the store never
    /// sends): any makes the figures unusable.
    pub unmirrorable: usize,
}

#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Seen>>);

impl Capture {
    /// What was seen since the last call, and a fresh start.
    pub fn take(&self) -> Seen {
        std::mem::take(&mut *self.0.lock().expect("capture lock"))
    }
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Capture")
    }
}

/// A write between its serialization and its answer: the answer's context no longer holds the
/// input, so it rides in the operation's own config bag.
#[derive(Debug)]
struct Pending(Option<Write>);

impl Storable for Pending {
    type Storer = StoreReplace<Self>;
}

/// `INDEXES` wherever the store asked for a report (it asks for none without a meter).
fn upgrade(asked: &mut Option<ReturnConsumedCapacity>) {
    if asked.is_some() {
        *asked = Some(ReturnConsumedCapacity::Indexes);
    }
}

fn single_update(i: &UpdateItemInput) -> Option<TransactWriteItem> {
    if i.attribute_updates.is_some() || i.expected.is_some() {
        return None;
    }
    let update = Update::builder()
        .set_key(i.key.clone())
        .set_update_expression(i.update_expression.clone())
        .set_table_name(i.table_name.clone())
        .set_condition_expression(i.condition_expression.clone())
        .set_expression_attribute_names(i.expression_attribute_names.clone())
        .set_expression_attribute_values(i.expression_attribute_values.clone())
        .build()
        .ok()?;
    Some(TransactWriteItem::builder().update(update).build())
}

fn single_put(i: &PutItemInput) -> Option<TransactWriteItem> {
    if i.expected.is_some() {
        return None;
    }
    let put = Put::builder()
        .set_item(i.item.clone())
        .set_table_name(i.table_name.clone())
        .set_condition_expression(i.condition_expression.clone())
        .set_expression_attribute_names(i.expression_attribute_names.clone())
        .set_expression_attribute_values(i.expression_attribute_values.clone())
        .build()
        .ok()?;
    Some(TransactWriteItem::builder().put(put).build())
}

fn single_delete(i: &DeleteItemInput) -> Option<TransactWriteItem> {
    if i.expected.is_some() {
        return None;
    }
    let delete = Delete::builder()
        .set_key(i.key.clone())
        .set_table_name(i.table_name.clone())
        .set_condition_expression(i.condition_expression.clone())
        .set_expression_attribute_names(i.expression_attribute_names.clone())
        .set_expression_attribute_values(i.expression_attribute_values.clone())
        .build()
        .ok()?;
    Some(TransactWriteItem::builder().delete(delete).build())
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "bench::audit::Capture"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        let write = if let Some(i) = input.downcast_mut::<TransactWriteItemsInput>() {
            upgrade(&mut i.return_consumed_capacity);
            Some(Write::Transaction(
                i.transact_items.clone().unwrap_or_default(),
            ))
        } else if let Some(i) = input.downcast_mut::<UpdateItemInput>() {
            upgrade(&mut i.return_consumed_capacity);
            Some(single_update(i).map_or(Write::Unmirrorable, |w| Write::Single(Box::new(w))))
        } else if let Some(i) = input.downcast_mut::<PutItemInput>() {
            upgrade(&mut i.return_consumed_capacity);
            Some(single_put(i).map_or(Write::Unmirrorable, |w| Write::Single(Box::new(w))))
        } else if let Some(i) = input.downcast_mut::<DeleteItemInput>() {
            upgrade(&mut i.return_consumed_capacity);
            Some(single_delete(i).map_or(Write::Unmirrorable, |w| Write::Single(Box::new(w))))
        } else {
            if let Some(i) = input.downcast_mut::<GetItemInput>() {
                upgrade(&mut i.return_consumed_capacity);
            } else if let Some(i) = input.downcast_mut::<QueryInput>() {
                upgrade(&mut i.return_consumed_capacity);
            } else if let Some(i) = input.downcast_mut::<BatchGetItemInput>() {
                upgrade(&mut i.return_consumed_capacity);
            }
            None
        };
        cfg.interceptor_state().store_put(Pending(write));
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // A refused request (a failed condition, a lost race) has no output: it wrote nothing,
        // and counts nothing, as the store's meter counts nothing for it.
        let Ok(output) = context.output_or_error() else {
            return Ok(());
        };
        let mut direct: Vec<&ConsumedCapacity> = Vec::new();
        if let Some(o) = output.downcast_ref::<UpdateItemOutput>() {
            direct.extend(o.consumed_capacity());
        } else if let Some(o) = output.downcast_ref::<PutItemOutput>() {
            direct.extend(o.consumed_capacity());
        } else if let Some(o) = output.downcast_ref::<DeleteItemOutput>() {
            direct.extend(o.consumed_capacity());
        } else if let Some(o) = output.downcast_ref::<GetItemOutput>() {
            direct.extend(o.consumed_capacity());
        } else if let Some(o) = output.downcast_ref::<QueryOutput>() {
            direct.extend(o.consumed_capacity());
        } else if let Some(o) = output.downcast_ref::<BatchGetItemOutput>() {
            direct.extend(o.consumed_capacity());
        }
        // A transaction's own report is left out on purpose: the mirror measures its items.
        let mut seen = self.0.lock().expect("capture lock");
        for c in direct {
            add(&mut seen.direct, c);
        }
        match cfg.load::<Pending>().and_then(|p| p.0.clone()) {
            Some(Write::Unmirrorable) => seen.unmirrorable += 1,
            Some(write) => seen.writes.push(write),
            None => {}
        }
        Ok(())
    }
}

/// Adds one report's units, by part, to `split`.
pub fn add(split: &mut Split, c: &ConsumedCapacity) {
    if let Some(units) = c.table().and_then(|t| t.capacity_units()) {
        *split.entry("table".to_owned()).or_default() += units;
    }
    for (index, capacity) in c.global_secondary_indexes().into_iter().flatten() {
        *split.entry(index.clone()).or_default() += capacity.capacity_units().unwrap_or(0.0);
    }
}
