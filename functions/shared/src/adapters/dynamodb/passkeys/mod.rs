//! Passkeys (`Passkeys`): the user item keeps them (`passkeyHandle`, and `passkeys`, a list of
//! maps oldest first), each has a `PASSKEY#<credential id>` pointer to where its user is filed,
//! and a started ceremony waits under `CEREMONY#<challenge>` (with TTL).
//!
//! - A ceremony is one conditional `PutItem`, and taken by one conditional `DeleteItem`
//!   returning the old item: of concurrent takes, only one gets it.
//! - A sign-in by passkey reads the pointer and the user (two `GetItem`s), and records its
//!   counter with one `UpdateItem` of the passkey's list element, by index (`PasskeyUse::index`),
//!   on the condition that it still holds the counter read.
//! - Adding or removing one is a read of the user, then one transaction of the user's update
//!   (conditional on the session version and, by index, on the passkey), the pointer's put or
//!   delete and the audit events. A condition that failed on a passkey that only moved (another one removed
//!   meanwhile) is tried again at its new place, from the item the cancellation returned.
//! - Setting up or resetting with a passkey is a redemption (`links::redeem`), whose user update
//!   is [`own_passkey`] (the expressions are in `updates`).

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, ReturnValue, TransactWriteItem};
use chrono::{DateTime, Utc};

use super::errors::{built, sdk_error};
use super::items::{
    from_item, is_phone_pointer, to_item, user_from_item, CeremonyItem, PasskeyPointerItem,
};
use super::layout::{attr, ceremony_key, home_key, n, passkey_key, s, time, value, Item};
use super::requests::{backoff, update_item, ATTEMPTS};
use super::users::{self, Updated};
use super::DynamoStore;
use crate::domain::AuditEvent;
use crate::domain::{Ceremony, PasskeyUse, User};
use crate::ports::{PasskeyAdd, Passkeys, SessionChange, StoreError};

mod updates;

use updates::{add_update, remove_update};
pub(super) use updates::{own_passkey, put_pointer, MAY_APPEND, SET_OWN_PASSKEY};

/// The user filed under `change.home`, if they are still `change`'s user on `change`'s session:
/// `UserNotFound` or `Conflict` otherwise. `item` is the user item as read (or as a cancelled
/// transaction returned it).
fn as_current(item: Option<Item>, change: &SessionChange) -> Result<User, StoreError> {
    let user = item
        .map(user_from_item)
        .transpose()?
        .filter(|u| u.id == change.user_id)
        .ok_or(StoreError::UserNotFound)?;
    if user.session_version != change.session_version {
        return Err(StoreError::Conflict);
    }
    Ok(user)
}

/// Changes the user as they stand (read first, then as each cancellation returned the item) with
/// `change`, which makes the transaction that writes the change, until one commits: the user as
/// `change` left them (no read after). A refusal is the domain's (`change` fails on the user as
/// they stand), or `Conflict` when the user item passed and another item failed (a pointer).
async fn transact_on_user(
    store: &DynamoStore,
    operation: &'static str,
    session: &SessionChange,
    change: impl Fn(&mut User) -> Result<Vec<TransactWriteItem>, StoreError>,
) -> Result<User, StoreError> {
    let read = store
        .get(operation, home_key(&session.home))
        .await?
        .filter(|item| !is_phone_pointer(item));
    let mut current = as_current(read, session)?;
    for _ in 0..ATTEMPTS {
        let mut user = current.clone();
        let items = change(&mut user)?;
        match store.transact(operation, items).await {
            Ok(()) => return Ok(user),
            Err(Err(e)) => return Err(e),
            Err(Ok(cancelled)) => match cancelled.failed(0) {
                None => return Err(StoreError::Conflict),
                Some(old) => current = as_current(old.cloned(), session)?,
            },
        }
    }
    Err(StoreError::Conflict)
}

pub(super) async fn add(store: &DynamoStore, add: &PasskeyAdd) -> Result<User, StoreError> {
    transact_on_user(store, "add passkey", &add.change, |user| {
        user.add_passkey(&add.handle, add.passkey.clone())?;
        let mut items = vec![
            update_item(add_update(&store.table, add)?),
            put_pointer(store, &add.passkey.id, &user.id, &user.home())?,
        ];
        items.extend(super::audit::puts(store, &add.audit)?);
        Ok(items)
    })
    .await
}

pub(super) async fn remove(
    store: &DynamoStore,
    change: &SessionChange,
    id: &str,
    audit: &[AuditEvent],
) -> Result<User, StoreError> {
    transact_on_user(store, "remove passkey", change, |user| {
        let index = user.passkey_index(id).ok_or(StoreError::UserNotFound)?;
        user.remove_passkey(id)?;
        let pointer = built(
            Delete::builder()
                .table_name(&store.table)
                .key(attr::PK, s(passkey_key(id)))
                .build(),
        )?;
        let mut items = vec![
            update_item(remove_update(&store.table, change, index, id)?),
            TransactWriteItem::builder().delete(pointer).build(),
        ];
        items.extend(super::audit::puts(store, audit)?);
        Ok(items)
    })
    .await
}

/// One `UpdateItem` of the passkey's list element, at `used.index` first; where the condition
/// failed on a passkey that only moved, again at its new place (from the item returned).
pub(super) async fn record_use(store: &DynamoStore, used: &PasskeyUse) -> Result<(), StoreError> {
    let mut index = used.index;
    let (mut attempt, mut read) = (0, false);
    loop {
        let at = format!("#passkeys[{index}]");
        let request = store
            .client
            .update_item()
            .update_expression(format!(
                "SET {at}.#signCount = :new, {at}.#backedUp = :backedUp, \
                 {at}.#lastUsedAt = :at"
            ))
            .condition_expression(format!(
                "attribute_exists(pk) AND #id = :id AND {at}.#id = :passkeyId \
                 AND {at}.#signCount = :old AND #sv = :sv AND #status <> :disabled"
            ))
            .expression_attribute_names("#sv", attr::SESSION_VERSION)
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_values(":sv", s(&used.session_version))
            .expression_attribute_values(
                ":disabled",
                value("user status", crate::domain::UserStatus::Disabled)?,
            )
            .expression_attribute_names("#passkeys", attr::PASSKEYS)
            .expression_attribute_names("#signCount", attr::SIGN_COUNT)
            .expression_attribute_names("#backedUp", attr::BACKED_UP)
            .expression_attribute_names("#lastUsedAt", attr::LAST_USED_AT)
            .expression_attribute_values(":new", n(used.new_count))
            .expression_attribute_values(":backedUp", AttributeValue::Bool(used.backed_up))
            .expression_attribute_values(":at", time(used.at))
            .expression_attribute_values(":passkeyId", s(&used.passkey_id))
            .expression_attribute_values(":old", n(used.old_count));
        let outcome = users::update_user(
            store,
            "record passkey use",
            &used.home,
            &used.user_id,
            request,
            &[],
        )
        .await;
        match outcome {
            Ok(Updated::Done(_)) => return Ok(()),
            Ok(Updated::Refused(user)) => index = moved_to(&user, used)?,
            // A transaction (an add, a removal) held the item: after a pause, as `transact` does.
            Err(StoreError::Conflict) if attempt + 1 < ATTEMPTS => {
                tokio::time::sleep(backoff(attempt + 1)).await;
            }
            // The caller's index may point past the end of the list (a passkey removed since its
            // read), a path DynamoDB may refuse outright rather than fail the condition on: once,
            // a read of the user says where the passkey is now.
            Err(e @ StoreError::Backend(_)) if !read => {
                read = true;
                let user = users::by_home(store, &used.home)
                    .await?
                    .filter(|u| u.id == used.user_id)
                    .ok_or(StoreError::UserNotFound)?;
                let now_at = moved_to(&user, used)?;
                if now_at == index {
                    return Err(e);
                }
                index = now_at;
            }
            Err(e) => return Err(e),
        }
        attempt += 1;
        if attempt >= ATTEMPTS {
            return Err(StoreError::Conflict);
        }
    }
}

/// Where the passkey `used` signed in with is in `user` as it now stands, while a sign-in from
/// its counter value may still count: `UserNotFound` once it is gone, `Conflict` once another
/// sign-in moved its counter on.
fn moved_to(user: &User, used: &PasskeyUse) -> Result<usize, StoreError> {
    if user.session_version != used.session_version
        || user.status == crate::domain::UserStatus::Disabled
    {
        return Err(StoreError::Conflict);
    }
    let index = user
        .passkey_index(&used.passkey_id)
        .ok_or(StoreError::UserNotFound)?;
    if user.passkeys[index].sign_count != used.old_count {
        return Err(StoreError::Conflict);
    }
    Ok(index)
}

pub(super) async fn put_ceremony(
    store: &DynamoStore,
    ceremony: &Ceremony,
) -> Result<(), StoreError> {
    let result = store
        .client
        .put_item()
        .table_name(&store.table)
        .set_item(Some(to_item("ceremony", &CeremonyItem::from(ceremony))?))
        .condition_expression("attribute_not_exists(pk)")
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await;
    match result {
        Ok(out) => {
            store.capacity.record(out.consumed_capacity());
            Ok(())
        }
        // 256 random bits never collide: a retry of a put that already happened, or a bug.
        Err(SdkError::ServiceError(ctx))
            if matches!(ctx.err(), PutItemError::ConditionalCheckFailedException(_)) =>
        {
            Err(StoreError::Conflict)
        }
        Err(e) => Err(sdk_error("put ceremony", e)),
    }
}

/// One `DeleteItem` returning the old item, on the condition that there is one: of concurrent
/// deletes only one passes it. (Without the condition AWS still gives the old item to one
/// delete only, but DynamoDB Local hands it to several: the condition makes both say the same.)
pub(super) async fn take_ceremony(
    store: &DynamoStore,
    challenge: &str,
    now: DateTime<Utc>,
) -> Result<Option<Ceremony>, StoreError> {
    let result = store
        .client
        .delete_item()
        .table_name(&store.table)
        .key(attr::PK, s(ceremony_key(challenge)))
        .condition_expression("attribute_exists(pk)")
        .return_values(ReturnValue::AllOld)
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await;
    let out = match result {
        Ok(out) => out,
        // Unknown, or taken by another.
        Err(SdkError::ServiceError(ctx))
            if matches!(
                ctx.err(),
                DeleteItemError::ConditionalCheckFailedException(_)
            ) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(sdk_error("take ceremony", e)),
    };
    store.capacity.record(out.consumed_capacity());
    let Some(item) = out.attributes.filter(|item| !item.is_empty()) else {
        return Ok(None);
    };
    let ceremony = from_item::<CeremonyItem>("ceremony", item)?.into_ceremony(challenge);
    // The TTL deletes late: an expired ceremony may still be there.
    Ok(Some(ceremony).filter(|c| c.is_live(now)))
}

/// The pointer, then the user it names (two `GetItem`s): the user only while they hold it.
pub(super) async fn user_by_passkey(
    store: &DynamoStore,
    id: &str,
) -> Result<Option<User>, StoreError> {
    let Some(item) = store.get("read passkey", passkey_key(id)).await? else {
        return Ok(None);
    };
    let pointer: PasskeyPointerItem = from_item("passkey pointer", item)?;
    let user = users::by_home(store, &pointer.home).await?;
    Ok(user.filter(|u| u.id == pointer.user_id && u.passkey(id).is_some()))
}

#[async_trait]
impl Passkeys for DynamoStore {
    async fn put_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        put_ceremony(self, ceremony).await
    }

    async fn take_ceremony(
        &self,
        challenge: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Ceremony>, StoreError> {
        take_ceremony(self, challenge, now).await
    }

    async fn user_by_passkey(&self, id: &str) -> Result<Option<User>, StoreError> {
        user_by_passkey(self, id).await
    }

    async fn record_passkey_use(&self, used: &PasskeyUse) -> Result<(), StoreError> {
        record_use(self, used).await
    }

    async fn add_passkey(&self, add: &PasskeyAdd) -> Result<User, StoreError> {
        self::add(self, add).await
    }

    async fn remove_passkey(
        &self,
        change: &SessionChange,
        id: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError> {
        remove(self, change, id, audit).await
    }
}
