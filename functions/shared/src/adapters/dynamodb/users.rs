//! Users: creating one (the user item, its id pointer and the first setup token in one
//! transaction, with the email's uniqueness as a condition), reading one by email (one `GetItem`)
//! or by id (two), recording an invite's status, and replacing a password hash on sign-in.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::errors::sdk_error;
use super::items::{from_item, user_from_item, TokenItem, UserIdItem, UserItem};
use super::layout::{attr, email_key, s, user_key, value};
use super::DynamoStore;
use crate::domain::{EmailAddress, InviteStatus, TokenRecord, User, UserId};
use crate::ports::{Rehash, StoreError};

pub(super) async fn create(
    store: &DynamoStore,
    user: &User,
    setup_token: Option<&TokenRecord>,
) -> Result<(), StoreError> {
    let mut items = vec![
        store.put_new("user", &UserItem::from(user).with_setup_token(setup_token))?,
        store.put_new("user id", &UserIdItem::from(user))?,
    ];
    if let Some(token) = setup_token {
        items.push(store.put_new("token", &TokenItem::from(token))?);
    }
    match store.transact("create user", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        Err(Ok(c)) if c.failed(0).is_some() => Err(StoreError::EmailTaken),
        // A user id or token hash that already exists: random 122 or 256 bits never collide,
        // so this is a retry of a write that already happened, or a bug.
        Err(Ok(_)) => Err(StoreError::Conflict),
    }
}

pub(super) async fn by_email(
    store: &DynamoStore,
    email: &EmailAddress,
) -> Result<Option<User>, StoreError> {
    store
        .get("read user by email", email_key(email))
        .await?
        .map(user_from_item)
        .transpose()
}

/// The email a user id points at, if the id exists.
async fn email_of(store: &DynamoStore, id: &UserId) -> Result<Option<EmailAddress>, StoreError> {
    let Some(pointer) = store.get("read user id", user_key(id)).await? else {
        return Ok(None);
    };
    Ok(Some(from_item::<UserIdItem>("user id", pointer)?.email))
}

pub(super) async fn by_id(store: &DynamoStore, id: &UserId) -> Result<Option<User>, StoreError> {
    let Some(email) = email_of(store, id).await? else {
        return Ok(None);
    };
    let user = by_email(store, &email).await?;
    Ok(user.filter(|u| &u.id == id))
}

pub(super) async fn set_invite_status(
    store: &DynamoStore,
    user_id: &UserId,
    status: InviteStatus,
) -> Result<(), StoreError> {
    let Some(email) = email_of(store, user_id).await? else {
        return Err(StoreError::UserNotFound);
    };
    let status = value("invite status", status)?;
    let result = store
        .client
        .update_item()
        .table_name(&store.table)
        .key(attr::PK, s(email_key(&email)))
        .update_expression("SET #inviteStatus = :status")
        // Only a user with an invite has an invite status to change.
        .condition_expression(
            "attribute_exists(pk) AND #id = :id AND attribute_exists(#inviteExpiresAt)",
        )
        .expression_attribute_names("#inviteStatus", attr::INVITE_STATUS)
        .expression_attribute_names("#inviteExpiresAt", attr::INVITE_EXPIRES_AT)
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_values(":status", status)
        .expression_attribute_values(":id", s(&user_id.0))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await;
    match result {
        Ok(out) => {
            store.capacity.record(out.consumed_capacity());
            Ok(())
        }
        // The email's item exists but holds no invite (or another user now): nothing to record.
        Err(SdkError::ServiceError(ctx))
            if matches!(
                ctx.err(),
                UpdateItemError::ConditionalCheckFailedException(_)
            ) =>
        {
            match ctx.err() {
                UpdateItemError::ConditionalCheckFailedException(e) if e.item().is_some() => Ok(()),
                _ => Err(StoreError::UserNotFound),
            }
        }
        Err(e) => Err(sdk_error("set invite status", e)),
    }
}

pub(super) async fn rehash_password(
    store: &DynamoStore,
    rehash: &Rehash,
) -> Result<(), StoreError> {
    let slot = if rehash.temporary {
        attr::TEMPORARY_PASSWORD_HASH
    } else {
        attr::PASSWORD_HASH
    };
    let result = store
        .client
        .update_item()
        .table_name(&store.table)
        .key(attr::PK, s(email_key(&rehash.email)))
        .update_expression("SET #slot = :new")
        .condition_expression("attribute_exists(pk) AND #id = :id AND #slot = :old")
        .expression_attribute_names("#slot", slot)
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_values(":new", s(&rehash.new_hash))
        .expression_attribute_values(":old", s(&rehash.old_hash))
        .expression_attribute_values(":id", s(&rehash.user_id.0))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await;
    match result {
        Ok(out) => {
            store.capacity.record(out.consumed_capacity());
            Ok(())
        }
        Err(SdkError::ServiceError(ctx))
            if matches!(
                ctx.err(),
                UpdateItemError::ConditionalCheckFailedException(_)
            ) =>
        {
            let old = match ctx.into_err() {
                UpdateItemError::ConditionalCheckFailedException(e) => e.item,
                _ => None,
            };
            match old.map(user_from_item).transpose()? {
                Some(user) if user.id == rehash.user_id => Err(StoreError::Conflict),
                _ => Err(StoreError::UserNotFound),
            }
        }
        Err(e) => Err(sdk_error("rehash password", e)),
    }
}
