//! Invites as the mail service reports them: the status of an invite's email, the id the service
//! gave its newest email (with a `MSG#<id>` pointer back to the user, kept with TTL), and the
//! delivery events that name that id (each change recorded in the audit log in its write).

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, Update};
use chrono::{DateTime, Utc};

use super::errors::{built, sdk_error};
use super::items::{from_item, MessageItem};
use super::layout::{
    attr, home_key, message_key, own_credential_names, s, value, NO_OWN_CREDENTIAL,
};
use super::requests::update_item;
use super::DynamoStore;
use crate::domain::AuditEvent;
use crate::domain::{DeliveryEvent, InviteStatus, User, UserId};
use crate::ports::StoreError;

use super::users::home_of;
use crate::ports::Invites;
use async_trait::async_trait;

pub(super) async fn set_invite_status(
    store: &DynamoStore,
    user_id: &UserId,
    status: InviteStatus,
) -> Result<(), StoreError> {
    let Some(home) = home_of(store, user_id).await? else {
        return Err(StoreError::UserNotFound);
    };
    let status = value("invite status", status)?;
    let result = store
        .client
        .update_item()
        .table_name(&store.table)
        .key(attr::PK, s(home_key(&home)))
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

/// The invite's newest email is `message_id`: the user item records it (`sent`, no bounce) and a
/// `MSG#` item points back, in one transaction (the user's email names the item: no read first).
pub(super) async fn record_invite_email(
    store: &DynamoStore,
    user: &User,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (user_id, home) = (&user.id, &user.home());
    let update = built(
        Update::builder()
            .table_name(&store.table)
            .key(attr::PK, s(home_key(home)))
            .update_expression(
                "SET #inviteStatus = :sent, #messageId = :messageId REMOVE #bounceType",
            )
            .condition_expression(
                "attribute_exists(pk) AND #id = :id AND attribute_exists(#inviteExpiresAt)",
            )
            .expression_attribute_names("#inviteStatus", attr::INVITE_STATUS)
            .expression_attribute_names("#inviteExpiresAt", attr::INVITE_EXPIRES_AT)
            .expression_attribute_names("#messageId", attr::INVITE_MESSAGE_ID)
            .expression_attribute_names("#bounceType", attr::INVITE_BOUNCE_TYPE)
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_values(":sent", value("invite status", InviteStatus::Sent)?)
            .expression_attribute_values(":messageId", s(message_id))
            .expression_attribute_values(":id", s(&user_id.0))
            .build(),
    )?;
    let items = vec![
        update_item(update),
        store.put_message(&MessageItem::new(message_id, user_id, home, now))?,
    ];
    match store.transact("record invite email", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        Err(Ok(_)) => Err(StoreError::UserNotFound),
    }
}

/// Applies a mail service's event: one `GetItem` of the email's `MSG#` pointer, one of the user
/// it points at (the event is built from the user as the change leaves them, and the domain's
/// rule, `User::apply_delivery_event`, says first whether there is a change at all), then one
/// transaction of the user's update and the event. The update's condition is the same rule
/// (the invite's newest email is this one, no password or passkey is set, the stored status is
/// one the event moves from), so a change made since the read stops both. A failed condition
/// changed nothing.
pub(super) async fn apply_delivery_event(
    store: &DynamoStore,
    message_id: &str,
    event: DeliveryEvent,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(pointer) = store
        .get("read message pointer", message_key(message_id))
        .await?
    else {
        return Ok(false);
    };
    let pointer: MessageItem = from_item("message", pointer)?;
    let user = super::users::by_home(store, &pointer.home).await?;
    let Some(mut user) = user.filter(|u| u.id == pointer.user_id) else {
        return Ok(false);
    };
    if !user.apply_delivery_event(message_id, event) {
        return Ok(false);
    }
    let from = event.moves_from();
    let from_names: Vec<String> = (0..from.len()).map(|i| format!(":from{i}")).collect();
    let mut update = Update::builder()
        .table_name(&store.table)
        .key(attr::PK, s(home_key(&pointer.home)))
        .condition_expression(format!(
            "attribute_exists(pk) AND #id = :id AND #messageId = :messageId \
             AND {NO_OWN_CREDENTIAL} AND #inviteStatus IN ({})",
            from_names.join(", ")
        ))
        .expression_attribute_names("#inviteStatus", attr::INVITE_STATUS)
        .expression_attribute_names("#messageId", attr::INVITE_MESSAGE_ID)
        .expression_attribute_names("#bounceType", attr::INVITE_BOUNCE_TYPE)
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_values(":status", value("invite status", event.status())?)
        .expression_attribute_values(":messageId", s(message_id))
        .expression_attribute_values(":id", s(&pointer.user_id.0));
    for (name, attribute) in own_credential_names() {
        update = update.expression_attribute_names(name, attribute);
    }
    for (name, status) in from_names.iter().zip(from) {
        update = update.expression_attribute_values(name, value("invite status", *status)?);
    }
    update = match event.bounce_type() {
        Some(bounce) => update
            .update_expression("SET #inviteStatus = :status, #bounceType = :bounceType")
            .expression_attribute_values(":bounceType", value("bounce type", bounce)?),
        None => update.update_expression("SET #inviteStatus = :status REMOVE #bounceType"),
    };
    let audit = AuditEvent::of_delivery(&user, event, at);
    let mut items = vec![update_item(built(update.build())?)];
    items.extend(super::audit::puts(store, std::slice::from_ref(&audit))?);
    match store.transact("apply delivery event", items).await {
        Ok(()) => Ok(true),
        Err(Err(e)) => Err(e),
        // Another email became the newest, a credential was set, the event was applied by a
        // twin meanwhile, or the user is gone: nothing to change.
        Err(Ok(_)) => Ok(false),
    }
}

#[async_trait]
impl Invites for DynamoStore {
    async fn set_invite_status(
        &self,
        user_id: &UserId,
        status: InviteStatus,
    ) -> Result<(), StoreError> {
        set_invite_status(self, user_id, status).await
    }

    async fn record_invite_email(
        &self,
        user: &User,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        record_invite_email(self, user, message_id, now).await
    }

    async fn apply_delivery_event(
        &self,
        message_id: &str,
        event: DeliveryEvent,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        apply_delivery_event(self, message_id, event, at).await
    }
}
