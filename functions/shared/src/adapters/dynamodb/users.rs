//! Users: creating one (the user item, its id pointer, its phone's pointer and the first setup
//! token in one transaction, with the email's and the phone's uniqueness as conditions), reading
//! one by email (one `GetItem`), by phone (one, or two beside an email) or by id (two), recording
//! an invite's status, and replacing a password hash on sign-in. A change that records audit
//! events writes them in its own transaction ([`update_user`]).

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure, Update};

use super::errors::{built, sdk_error};
use super::items::{
    from_item, is_phone_pointer, to_item, user_from_item, PhoneItem, TokenItem, UserIdItem,
    UserItem,
};
use super::layout::{attr, home_key, s, user_key, Item, OwnPassword, SET_OWN_PASSWORD};
use super::requests::update_item;
use super::DynamoStore;
use crate::domain::AuditEvent;
use crate::domain::{Identifier, MailJob, TokenRecord, User, UserId};
use crate::ports::Users;
use crate::ports::{BackendError, Rehash, SessionChange, StoreError};
use async_trait::async_trait;

pub(super) async fn create(
    store: &DynamoStore,
    user: &User,
    setup_token: Option<&TokenRecord>,
    mail: &[MailJob],
    audit: &[AuditEvent],
) -> Result<(), StoreError> {
    let mut items = vec![
        store.put_new("user", &UserItem::from(user).with_setup_token(setup_token))?,
        store.put_new("user id", &UserIdItem::from(user))?,
    ];
    let phone_pointer = PhoneItem::of(user);
    if let Some(pointer) = &phone_pointer {
        items.push(store.put_new("phone", pointer)?);
    }
    if let Some(token) = setup_token {
        items.push(store.put_new("token", &TokenItem::from(token))?);
    }
    items.extend(super::outbox::puts(store, mail)?);
    items.extend(super::audit::puts(store, audit)?);
    match store.transact("create user", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        // The user item is filed under the email when there is one, else under the phone.
        Err(Ok(c)) if c.failed(0).is_some() => Err(match user.home() {
            Identifier::Email(_) => StoreError::EmailTaken,
            Identifier::Phone(_) => StoreError::PhoneTaken,
        }),
        Err(Ok(c)) if phone_pointer.is_some() && c.failed(2).is_some() => {
            Err(StoreError::PhoneTaken)
        }
        // A user id or token hash that already exists: random 122 or 256 bits never collide,
        // so this is a retry of a write that already happened, or a bug.
        Err(Ok(_)) => Err(StoreError::Conflict),
    }
}

/// The user with identifier `id`: one `GetItem`, and a second when a phone's item is the
/// pointer of a user filed under their email.
pub(super) async fn by_identifier(
    store: &DynamoStore,
    id: &Identifier,
) -> Result<Option<User>, StoreError> {
    let Some(item) = store.get("read user", home_key(id)).await? else {
        return Ok(None);
    };
    if !is_phone_pointer(&item) {
        return user_from_item(item).map(Some);
    }
    let pointer = from_item::<PhoneItem>("phone", item)?;
    let user = by_home(store, &Identifier::Email(pointer.email)).await?;
    // A user whose phone changed since: the pointer is stale, and says nothing.
    Ok(user.filter(|u| u.id == pointer.user_id && u.contacts.has(id)))
}

/// The user filed under `home` (one `GetItem`).
pub(super) async fn by_home(
    store: &DynamoStore,
    home: &Identifier,
) -> Result<Option<User>, StoreError> {
    store
        .get("read user", home_key(home))
        .await?
        .filter(|item| !is_phone_pointer(item))
        .map(user_from_item)
        .transpose()
}

/// The identifier a user id's item is filed under, if the id exists.
pub(super) async fn home_of(
    store: &DynamoStore,
    id: &UserId,
) -> Result<Option<Identifier>, StoreError> {
    let Some(pointer) = store.get("read user id", user_key(id)).await? else {
        return Ok(None);
    };
    Ok(Some(from_item::<UserIdItem>("user id", pointer)?.home))
}

pub(super) async fn by_id(store: &DynamoStore, id: &UserId) -> Result<Option<User>, StoreError> {
    let Some(home) = home_of(store, id).await? else {
        return Ok(None);
    };
    let user = by_home(store, &home).await?;
    Ok(user.filter(|u| &u.id == id))
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
    let request = store
        .client
        .update_item()
        .update_expression("SET #slot = :new")
        .condition_expression("attribute_exists(pk) AND #id = :id AND #slot = :old")
        .expression_attribute_names("#slot", slot)
        .expression_attribute_values(":new", s(&rehash.new_hash))
        .expression_attribute_values(":old", s(&rehash.old_hash));
    update_user(
        store,
        "rehash password",
        &rehash.home,
        &rehash.user_id,
        request,
        &[],
    )
    .await?
    .or_conflict()?;
    Ok(())
}

/// One conditional `UpdateItem`, returning the user as left; with events, one transaction and
/// a read of the user as left ([`update_user`]).
pub(super) async fn change_password(
    store: &DynamoStore,
    change: &SessionChange,
    password_hash: &str,
    audit: &[AuditEvent],
) -> Result<User, StoreError> {
    let request = store
        .client
        .update_item()
        .update_expression(SET_OWN_PASSWORD)
        .condition_expression("attribute_exists(pk) AND #id = :id AND #currentSv = :currentSv")
        .expression_attribute_names("#currentSv", attr::SESSION_VERSION)
        .expression_attribute_values(":currentSv", s(&change.session_version))
        .return_values(ReturnValue::AllNew);
    let request = OwnPassword {
        hash: password_hash,
        session_version: &change.new_session_version,
    }
    .apply(
        request,
        |b, k, v| b.expression_attribute_names(k, v),
        |b, k, v| b.expression_attribute_values(k, v),
    )?;
    let out = update_user(
        store,
        "change password",
        &change.home,
        &change.user_id,
        request,
        audit,
    )
    .await?
    .or_conflict()?;
    returned_user("change password", out)
}

/// One conditional `UpdateItem` of the session version (with events, one transaction).
pub(super) async fn end_sessions(
    store: &DynamoStore,
    change: &SessionChange,
    audit: &[AuditEvent],
) -> Result<(), StoreError> {
    let request = store
        .client
        .update_item()
        .update_expression("SET #sv = :new")
        .condition_expression("attribute_exists(pk) AND #id = :id AND #sv = :current")
        .expression_attribute_names("#sv", attr::SESSION_VERSION)
        .expression_attribute_values(":new", s(&change.new_session_version))
        .expression_attribute_values(":current", s(&change.session_version));
    update_user(
        store,
        "end sessions",
        &change.home,
        &change.user_id,
        request,
        audit,
    )
    .await?
    .or_conflict()?;
    Ok(())
}

/// What a conditional update of a user item came to.
pub(super) enum Updated {
    Done(UpdateItemOutput),
    /// The condition failed on this user's item, as it then stood.
    Refused(User),
}

impl Updated {
    /// A refusal as `Conflict`: the condition saw a change made meanwhile.
    pub(super) fn or_conflict(self) -> Result<UpdateItemOutput, StoreError> {
        match self {
            Self::Done(out) => Ok(out),
            Self::Refused(_) => Err(StoreError::Conflict),
        }
    }
}

/// The user an update returned (with `ReturnValue::AllNew`).
pub(super) fn returned_user(
    context: &'static str,
    out: UpdateItemOutput,
) -> Result<User, StoreError> {
    let item = out.attributes.ok_or_else(|| {
        StoreError::Backend(BackendError::new(format!("{context}: no item returned")))
    })?;
    user_from_item(item)
}

/// Sends `request` as an update of the user item filed under `home`, conditional (besides its own
/// condition, which must include `#id = :id`) on the item being `user_id`'s. A failed condition
/// is `Refused` with the item as it stood when the user is there, and `UserNotFound` when not.
///
/// With `audit` events, the same update goes in one transaction with the events' puts instead
/// ([`with_events`]): the events are written exactly when the update is.
pub(super) async fn update_user(
    store: &DynamoStore,
    context: &'static str,
    home: &Identifier,
    user_id: &UserId,
    request: UpdateItemFluentBuilder,
    audit: &[AuditEvent],
) -> Result<Updated, StoreError> {
    let request = request
        .table_name(&store.table)
        .key(attr::PK, s(home_key(home)))
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_values(":id", s(&user_id.0))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    if !audit.is_empty() {
        return with_events(store, context, home, user_id, request, audit).await;
    }
    let result = request
        .set_return_consumed_capacity(store.capacity.report())
        .send()
        .await;
    match result {
        Ok(out) => {
            store.capacity.record(out.consumed_capacity());
            Ok(Updated::Done(out))
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
            refused(user_id, old)
        }
        Err(e) => Err(sdk_error(context, e)),
    }
}

/// A failed condition on the user's item (`old`, as it stood, when there was one).
fn refused(user_id: &UserId, old: Option<Item>) -> Result<Updated, StoreError> {
    match old.map(user_from_item).transpose()? {
        Some(user) if &user.id == user_id => Ok(Updated::Refused(user)),
        _ => Err(StoreError::UserNotFound),
    }
}

/// [`update_user`]'s `request` as the first item of a `TransactWriteItems`, the events' puts
/// after it. A transaction returns no item: when `request` asks for the item as left
/// (`ReturnValue::AllNew`), it is read back after the commit (strongly consistent).
async fn with_events(
    store: &DynamoStore,
    context: &'static str,
    home: &Identifier,
    user_id: &UserId,
    request: UpdateItemFluentBuilder,
    audit: &[AuditEvent],
) -> Result<Updated, StoreError> {
    let wants_item = request.as_input().get_return_values() == &Some(ReturnValue::AllNew);
    let update = as_transact_update(&request)?;
    let mut items = vec![update_item(update)];
    items.extend(super::audit::puts(store, audit)?);
    match store.transact(context, items).await {
        Ok(()) => {}
        Err(Err(e)) => return Err(e),
        Err(Ok(c)) => {
            return match c.failed(0) {
                Some(old) => refused(user_id, old.cloned()),
                // An event's put failed: its id exists (a retry of this write, or a bug).
                None => Err(StoreError::Conflict),
            };
        }
    }
    let mut out = UpdateItemOutput::builder();
    if wants_item {
        out = out.set_attributes(Some(read_back(store, context, home, user_id).await?));
    }
    Ok(Updated::Done(out.build()))
}

/// An `UpdateItem` request as the same update in a transaction: its table, key, expressions,
/// names and values, returning the item as it stood when the condition fails.
pub(super) fn as_transact_update(request: &UpdateItemFluentBuilder) -> Result<Update, StoreError> {
    let input = request.as_input();
    built(
        Update::builder()
            .set_table_name(input.get_table_name().clone())
            .set_key(input.get_key().clone())
            .set_update_expression(input.get_update_expression().clone())
            .set_condition_expression(input.get_condition_expression().clone())
            .set_expression_attribute_names(input.get_expression_attribute_names().clone())
            .set_expression_attribute_values(input.get_expression_attribute_values().clone())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build(),
    )
}

/// The user's item as a write just left it: where it was written, or (moved by a correction a
/// moment later) wherever the user is now.
async fn read_back(
    store: &DynamoStore,
    context: &'static str,
    home: &Identifier,
    user_id: &UserId,
) -> Result<Item, StoreError> {
    let item = store.get(context, home_key(home)).await?;
    let ours = |item: &Item| item.get(attr::ID).and_then(|v| v.as_s().ok()) == Some(&user_id.0);
    match item.filter(ours) {
        Some(item) => Ok(item),
        None => {
            let user = by_id(store, user_id)
                .await?
                .ok_or(StoreError::UserNotFound)?;
            to_item("user", &UserItem::from(&user))
        }
    }
}

#[async_trait]
impl Users for DynamoStore {
    async fn create_user_with_mail(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
        mail_jobs: &[MailJob],
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        create(self, user, setup_token, mail_jobs, audit).await
    }

    async fn user_by(&self, id: &Identifier) -> Result<Option<User>, StoreError> {
        by_identifier(self, id).await
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        by_id(self, id).await
    }

    async fn change_password(
        &self,
        change: &SessionChange,
        password_hash: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError> {
        change_password(self, change, password_hash, audit).await
    }

    async fn end_sessions(
        &self,
        change: &SessionChange,
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        end_sessions(self, change, audit).await
    }

    async fn rehash_password(&self, rehash: &Rehash) -> Result<(), StoreError> {
        rehash_password(self, rehash).await
    }
}
