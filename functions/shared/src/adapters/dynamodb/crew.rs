//! The admin's side of a crew: listing an organisation's users (one `Query` of the organisation
//! index per page), cancelling an invite (the user item, its id pointer and its recorded tokens
//! deleted in one transaction) and disabling or enabling a user (one conditional `UpdateItem`,
//! or, with audit events to write, one transaction and a read of the user as left).

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use super::errors::{built, malformed, sdk_error};
use super::items::{from_item, user_from_item, PhoneItem, UserItem};
use super::layout::{
    attr, home_key, n, own_credential_names, s, time, token_key, user_key, value, Item,
    HAS_OWN_CREDENTIAL, NO_OWN_CREDENTIAL, ORG_INDEX,
};
use super::users::{self, returned_user, Updated};
use super::DynamoStore;
use crate::domain::AuditEvent;
use crate::domain::{EmailAddress, Identifier, PhoneNumber, User, UserStatus};
use crate::ports::Crew;
use crate::ports::{PageKey, StoreError, UserPage, UserQuery};
use async_trait::async_trait;

/// With a status to filter on, one `Query` reads this many times the page's size, so a page is
/// usually full even when most of the organisation's users have another status. A page that
/// still comes up short says where to go on (`nextCursor`): the contract's cursor, not the page's
/// size, says whether there is more.
const FILTERED_READ_FACTOR: usize = 4;

pub(super) async fn list(store: &DynamoStore, q: &UserQuery) -> Result<UserPage, StoreError> {
    let read = if q.status.is_some() {
        q.limit * FILTERED_READ_FACTOR + 1
    } else {
        // One more than the page: whether another page exists is known without reading it.
        q.limit + 1
    };
    let mut request = store
        .client
        .query()
        .table_name(&store.table)
        .index_name(ORG_INDEX)
        .key_condition_expression("#memberOf = :org")
        .expression_attribute_names("#memberOf", attr::MEMBER_OF)
        .expression_attribute_values(":org", s(&q.org_id.0))
        // Newest first.
        .scan_index_forward(false)
        .limit(i32::try_from(read).unwrap_or(i32::MAX))
        .set_return_consumed_capacity(store.capacity.report());
    if let Some(status) = q.status {
        request = request
            .filter_expression("#status = :status")
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_values(":status", value("user status", status)?);
    }
    if let Some(after) = &q.after {
        request = request.set_exclusive_start_key(Some(Item::from([
            (attr::PK.to_owned(), s(home_key(&after.home))),
            (attr::MEMBER_OF.to_owned(), s(&q.org_id.0)),
            (attr::CREATED_AT.to_owned(), time(after.created_at)),
        ])));
    }
    let out = request
        .send()
        .await
        .map_err(|e| sdk_error("list users", e))?;
    store.capacity.record(out.consumed_capacity.as_ref());
    let mut users = out
        .items
        .unwrap_or_default()
        .into_iter()
        .map(user_from_item)
        .collect::<Result<Vec<User>, StoreError>>()?;
    let next = if users.len() > q.limit {
        users.truncate(q.limit);
        users.last().map(PageKey::of)
    } else {
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => Some(page_key(&key)?),
            _ => None,
        }
    };
    Ok(UserPage { users, next })
}

/// Where DynamoDB stopped reading, as the store's page key.
fn page_key(key: &Item) -> Result<PageKey, StoreError> {
    let text = |name: &str| match key.get(name) {
        Some(AttributeValue::S(v)) => Ok(v.clone()),
        _ => Err(malformed(
            "last evaluated key",
            "a key attribute is missing",
        )),
    };
    let pk = text(attr::PK)?;
    let home = if let Some(email) = pk.strip_prefix("EMAIL#") {
        EmailAddress::parse(email).ok().map(Identifier::Email)
    } else {
        pk.strip_prefix("PHONE#")
            .and_then(PhoneNumber::from_e164)
            .map(Identifier::Phone)
    }
    .ok_or_else(|| malformed("last evaluated key", "not a user's key"))?;
    let created_at = chrono::DateTime::parse_from_rfc3339(&text(attr::CREATED_AT)?)
        .map_err(|e| malformed("last evaluated key", e))?
        .to_utc();
    Ok(PageKey { created_at, home })
}

/// An unconditional delete of the item at `key`, in a transaction.
fn delete(store: &DynamoStore, key: String) -> Result<TransactWriteItem, StoreError> {
    let delete = built(
        Delete::builder()
            .table_name(&store.table)
            .key(attr::PK, s(key))
            .build(),
    )?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

pub(super) async fn cancel(
    store: &DynamoStore,
    user: &User,
    audit: &[AuditEvent],
) -> Result<(), StoreError> {
    // The item as stored now: its generations are the condition, and it names the live tokens.
    let Some(item) = store
        .get("read user to cancel", home_key(&user.home()))
        .await?
    else {
        return Err(StoreError::UserNotFound);
    };
    let stored: UserItem = from_item("user", item.clone())?;
    let tokens = stored.recorded_tokens();
    let current = user_from_item(item)?;
    if current.id != user.id {
        return Err(StoreError::UserNotFound);
    }
    if current.has_own_credential() {
        return Err(StoreError::AlreadyActive);
    }
    let [password, passkey] = own_credential_names();
    let remove_user = built(
        Delete::builder()
            .table_name(&store.table)
            .key(attr::PK, s(home_key(&user.home())))
            // Not once a password or passkey is set (a setup that won the race), nor once a
            // newer link exists than the ones this delete knows of.
            .condition_expression(format!(
                "attribute_exists(pk) AND #id = :id AND {NO_OWN_CREDENTIAL} \
                 AND #setupGen = :setupGen AND #resetGen = :resetGen"
            ))
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_names(password.0, password.1)
            .expression_attribute_names(passkey.0, passkey.1)
            .expression_attribute_names("#setupGen", attr::SETUP_GENERATION)
            .expression_attribute_names("#resetGen", attr::RESET_GENERATION)
            .expression_attribute_values(":id", s(&user.id.0))
            .expression_attribute_values(":setupGen", n(current.setup_generation))
            .expression_attribute_values(":resetGen", n(current.reset_generation))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build(),
    )?;
    let mut items = vec![
        TransactWriteItem::builder().delete(remove_user).build(),
        delete(store, user_key(&user.id))?,
    ];
    // The phone's claim goes with the user, so the number is free again.
    if let Some(pointer) = PhoneItem::of(&current) {
        items.push(delete(store, pointer.key().to_owned())?);
    }
    for hash in tokens {
        items.push(delete(store, token_key(&hash))?);
    }
    items.extend(super::audit::puts(store, audit)?);
    match store.transact("cancel invite", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        Err(Ok(c)) => match c.failed(0) {
            Some(None) => Err(StoreError::UserNotFound),
            Some(Some(old)) => {
                let old = user_from_item(old.clone())?;
                if old.id != user.id {
                    Err(StoreError::UserNotFound)
                } else if old.has_own_credential() {
                    Err(StoreError::AlreadyActive)
                } else {
                    Err(StoreError::Conflict)
                }
            }
            None => Err(StoreError::Conflict),
        },
    }
}

/// One conditional `UpdateItem` of the user's item that returns the user as left (with `audit`
/// events, one transaction and a read: `users::update_user`); `unchanged` decides, from the item
/// as it stood when the condition failed, whether that is an answer (the user as they are, and
/// no event written) or an error.
async fn update_user(
    store: &DynamoStore,
    operation: &'static str,
    request: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    user: &User,
    audit: &[AuditEvent],
    unchanged: impl Fn(User) -> Result<User, StoreError>,
) -> Result<User, StoreError> {
    let request = request.return_values(ReturnValue::AllNew);
    match users::update_user(store, operation, &user.home(), &user.id, request, audit).await? {
        Updated::Done(out) => returned_user(operation, out),
        Updated::Refused(old) => unchanged(old),
    }
}

pub(super) async fn disable(
    store: &DynamoStore,
    user: &User,
    new_session_version: &str,
    audit: &[AuditEvent],
) -> Result<User, StoreError> {
    let disabled = value("user status", UserStatus::Disabled)?;
    // Moving both generations on kills every setup and reset link; the new session version ends
    // every session. The same change as `User::disable`.
    let request = store
        .client
        .update_item()
        .update_expression(
            "SET #status = :disabled, #sessionVersion = :sv, \
             #setupGen = #setupGen + :one, #resetGen = #resetGen + :one",
        )
        .condition_expression("attribute_exists(pk) AND #id = :id AND #status <> :disabled")
        .expression_attribute_names("#status", attr::STATUS)
        .expression_attribute_names("#sessionVersion", attr::SESSION_VERSION)
        .expression_attribute_names("#setupGen", attr::SETUP_GENERATION)
        .expression_attribute_names("#resetGen", attr::RESET_GENERATION)
        .expression_attribute_values(":disabled", disabled)
        .expression_attribute_values(":sv", s(new_session_version))
        .expression_attribute_values(":one", n(1));
    // Already disabled: nothing to do, and the answer is the user as they are.
    update_user(store, "disable user", request, user, audit, Ok).await
}

pub(super) async fn enable(
    store: &DynamoStore,
    user: &User,
    audit: &[AuditEvent],
) -> Result<User, StoreError> {
    let restored = user.status_when_enabled();
    // The status restored is decided from the credential (password or passkey) the read found;
    // the condition checks that is still so.
    let credential = match restored {
        UserStatus::Active => HAS_OWN_CREDENTIAL,
        _ => NO_OWN_CREDENTIAL,
    };
    let [password, passkey] = own_credential_names();
    let request = store
        .client
        .update_item()
        .update_expression("SET #status = :restored")
        .condition_expression(format!(
            "attribute_exists(pk) AND #id = :id AND #status = :disabled AND {credential}"
        ))
        .expression_attribute_names("#status", attr::STATUS)
        .expression_attribute_names(password.0, password.1)
        .expression_attribute_names(passkey.0, passkey.1)
        .expression_attribute_values(":restored", value("user status", restored)?)
        .expression_attribute_values(":disabled", value("user status", UserStatus::Disabled)?);
    update_user(store, "enable user", request, user, audit, |old| {
        if old.status == UserStatus::Disabled {
            Err(StoreError::Conflict)
        } else {
            Ok(old)
        }
    })
    .await
}

#[async_trait]
impl Crew for DynamoStore {
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError> {
        list(self, query).await
    }

    async fn cancel_invite(&self, user: &User, audit: &[AuditEvent]) -> Result<(), StoreError> {
        cancel(self, user, audit).await
    }

    async fn disable_user(
        &self,
        user: &User,
        new_session_version: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError> {
        disable(self, user, new_session_version, audit).await
    }

    async fn enable_user(&self, user: &User, audit: &[AuditEvent]) -> Result<User, StoreError> {
        enable(self, user, audit).await
    }

    async fn correct_user(
        &self,
        before: &User,
        after: &User,
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        super::correct::correct(self, before, after, audit).await
    }
}
