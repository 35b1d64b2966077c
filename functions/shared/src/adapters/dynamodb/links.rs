//! Setup and reset tokens: reading one (one `GetItem` by hash), issuing one (the user's generation
//! bump and the token in one transaction, with the rate-limit slots it spends when asked) and redeeming one (consuming the token and setting the
//! password, or a passkey with its pointer, in one transaction, after the one read that found it).
//! Each transaction also puts the audit events of its change.

use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};

use super::errors::built;
use super::items::{token_from_item, user_from_item, MessageItem, TokenItem};
use super::layout::{
    attr, generation_attr, home_key, n, s, time, token_attr, token_key, value, with_locale, Item,
    OwnPassword, SET_OWN_PASSWORD,
};
use super::passkeys;
use super::requests::{update_item, Cancelled};
use super::DynamoStore;
use crate::domain::AuditEvent;
use crate::domain::Invite;
use crate::domain::{MailJob, TokenHash, TokenPurpose, TokenRecord, User, UserStatus};
use crate::ports::Links;
use crate::ports::{NewCredential, Redemption, Slots, StoreError};
use async_trait::async_trait;

pub(super) async fn by_hash(
    store: &DynamoStore,
    hash: &TokenHash,
) -> Result<Option<TokenRecord>, StoreError> {
    store
        .get("read token", token_key(hash))
        .await?
        .map(|item| token_from_item(*hash, item))
        .transpose()
}

/// The token the user item names as its newest of `purpose` (`setupToken`, `resetToken`): one
/// `GetItem` of the user item, one of the token. A token of another user (the email went to
/// someone else since) is none.
pub(super) async fn newest(
    store: &DynamoStore,
    user: &User,
    purpose: TokenPurpose,
) -> Result<Option<TokenRecord>, StoreError> {
    let Some(item) = store
        .get("read the user's newest token", home_key(&user.home()))
        .await?
    else {
        return Ok(None);
    };
    let Some(hash) = item
        .get(token_attr(purpose))
        .and_then(|v| v.as_s().ok())
        .and_then(|hex| TokenHash::from_hex(hex))
    else {
        return Ok(None);
    };
    Ok(by_hash(store, &hash).await?.filter(|t| {
        t.user_id == user.id && t.purpose == purpose && t.generation == user.generation(purpose)
    }))
}

/// One conditional `UpdateItem` on the token item: `ADD wrongCodes 1` while it is below `max`
/// and the token exists. A failed condition is "no slot".
pub(super) async fn take_wrong_code_slot(
    store: &DynamoStore,
    hash: &TokenHash,
    max: u32,
) -> Result<bool, StoreError> {
    // Retried when it meets a redemption's transaction on the token, as counters are.
    super::limits::update_retrying_conflicts(store, "take a wrong-code slot", || {
        store
            .client
            .update_item()
            .key(attr::PK, s(token_key(hash)))
            .update_expression("ADD #wrong :one")
            .condition_expression(
                "attribute_exists(#pk) AND (attribute_not_exists(#wrong) OR #wrong < :max)",
            )
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#wrong", attr::WRONG_CODES)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(max))
    })
    .await
}

/// [`Links::give_back_wrong_code_slot`]: one conditional `ADD -1`; a slot already back (or a
/// token gone) is not an error.
pub(super) async fn give_back_wrong_code_slot(
    store: &DynamoStore,
    hash: &TokenHash,
) -> Result<(), StoreError> {
    super::limits::update_retrying_conflicts(store, "give back a wrong-code slot", || {
        store
            .client
            .update_item()
            .key(attr::PK, s(token_key(hash)))
            .update_expression("ADD #wrong :minus")
            .condition_expression("attribute_exists(#pk) AND #wrong > :zero")
            .expression_attribute_names("#pk", attr::PK)
            .expression_attribute_names("#wrong", attr::WRONG_CODES)
            .expression_attribute_values(":minus", n(-1))
            .expression_attribute_values(":zero", n(0))
    })
    .await
    .map(drop)
}

pub(super) async fn issue(
    store: &DynamoStore,
    token: &TokenRecord,
    invite: Option<&Invite>,
    mail: &[MailJob],
    audit: &[AuditEvent],
) -> Result<(), StoreError> {
    let mut items = issue_items(store, token, invite, mail)?;
    items.extend(super::audit::puts(store, audit)?);
    match store.transact("issue token", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        Err(Ok(cancelled)) => Err(refused(&cancelled, 0, token)?),
    }
}

/// [`issue`] with one rate-limit slot per limit of `slots`, in the same transaction: the
/// counters come first, so that a full one answers `false` whatever else failed with it.
pub(super) async fn issue_within_limits(
    store: &DynamoStore,
    token: &TokenRecord,
    invite: Option<&Invite>,
    mail: &[MailJob],
    slots: &Slots<'_>,
) -> Result<bool, StoreError> {
    let mut items = super::limits::slot_updates(store, slots.limits, slots.window, slots.now)?;
    let user_at = items.len();
    items.extend(issue_items(store, token, invite, mail)?);
    match store.transact("issue token within limits", items).await {
        Ok(()) => Ok(true),
        Err(Err(e)) => Err(e),
        Err(Ok(cancelled)) if (0..user_at).any(|i| cancelled.failed(i).is_some()) => Ok(false),
        Err(Ok(cancelled)) => Err(refused(&cancelled, user_at, token)?),
    }
}

/// Why a transaction of [`issue_items`] (the user's update at `user_at`) was cancelled.
fn refused(
    cancelled: &Cancelled,
    user_at: usize,
    token: &TokenRecord,
) -> Result<StoreError, StoreError> {
    Ok(match cancelled.failed(user_at) {
        None => StoreError::Conflict,
        Some(None) => StoreError::UserNotFound,
        Some(Some(old)) => {
            let user = user_from_item(old.clone())?;
            if user.id != token.user_id {
                StoreError::UserNotFound
            } else if token.purpose == TokenPurpose::Setup && user.status != UserStatus::Invited {
                StoreError::AlreadyActive
            } else {
                StoreError::Conflict
            }
        }
    })
}

/// The items that issue `token`: the user's generation bump (first), the token, the invite's
/// message pointer if any, and the jobs.
fn issue_items(
    store: &DynamoStore,
    token: &TokenRecord,
    invite: Option<&Invite>,
    mail: &[MailJob],
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let previous = token
        .generation
        .checked_sub(1)
        .ok_or(StoreError::Conflict)?;
    // The user item records the newest token's hash, for a cancel to delete it.
    let mut set = vec!["#gen = :gen", "#tokenHash = :tokenHash"];
    let mut condition = "attribute_exists(pk) AND #id = :id AND #gen = :previous".to_owned();
    let mut update = Update::builder()
        .table_name(&store.table)
        .key(attr::PK, s(home_key(&token.contacts.home())))
        .expression_attribute_names("#gen", generation_attr(token.purpose))
        .expression_attribute_names("#tokenHash", token_attr(token.purpose))
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_values(":gen", n(token.generation))
        .expression_attribute_values(":tokenHash", s(token.hash.to_hex()))
        .expression_attribute_values(":previous", n(previous))
        .expression_attribute_values(":id", s(&token.user_id.0))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    if token.purpose == TokenPurpose::Setup {
        condition.push_str(" AND #status = :invited");
        update = update
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_values(":invited", value("user status", UserStatus::Invited)?);
    }
    let mut remove = Vec::new();
    let mut message = None;
    if let Some(invite) = invite {
        set.push("#inviteStatus = :inviteStatus");
        set.push("#inviteExpiresAt = :inviteExpiresAt");
        let invite_status = value("invite status", invite.status)?;
        update = update
            .expression_attribute_names("#inviteStatus", attr::INVITE_STATUS)
            .expression_attribute_names("#inviteExpiresAt", attr::INVITE_EXPIRES_AT)
            .expression_attribute_names("#messageId", attr::INVITE_MESSAGE_ID)
            .expression_attribute_names("#bounceType", attr::INVITE_BOUNCE_TYPE)
            .expression_attribute_values(":inviteStatus", invite_status)
            .expression_attribute_values(":inviteExpiresAt", time(invite.expires_at));
        // The new invite's email (if any) replaces the earlier one's id: events about earlier
        // emails stop counting in this same write. A new invite has no bounce or failure yet.
        remove.push("#bounceType");
        remove.push("#failure");
        update = update.expression_attribute_names("#failure", attr::INVITE_FAILURE);
        // A reminder keeps its invite's channel; a resend may change it.
        if let Some(channel) = invite.channel {
            set.push("#channel = :channel");
            update = update
                .expression_attribute_names("#channel", attr::INVITE_CHANNEL)
                .expression_attribute_values(":channel", value("invite channel", channel)?);
        }
        // A reminder's link records when it was issued; any other new link starts an invite
        // that has had no reminder.
        update = update.expression_attribute_names("#reminded", attr::INVITE_REMINDER_SENT_AT);
        match invite.reminder_sent_at {
            Some(at) => {
                set.push("#reminded = :reminded");
                update = update.expression_attribute_values(":reminded", time(at));
            }
            None => remove.push("#reminded"),
        }
        match &invite.message_id {
            Some(id) => {
                set.push("#messageId = :messageId");
                update = update.expression_attribute_values(":messageId", s(id));
                message = Some(MessageItem::new(
                    id,
                    &token.user_id,
                    &token.contacts.home(),
                    token.created_at,
                ));
            }
            None => remove.push("#messageId"),
        }
    }
    let mut expression = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
    }
    let update = built(
        update
            .update_expression(expression)
            .condition_expression(condition)
            .build(),
    )?;
    let mut items = vec![
        update_item(update),
        store.put_new("token", &TokenItem::from(token))?,
    ];
    if let Some(message) = &message {
        items.push(store.put_message(message)?);
    }
    items.extend(super::outbox::puts(store, mail)?);
    Ok(items)
}

pub(super) async fn redeem(store: &DynamoStore, r: &Redemption) -> Result<User, StoreError> {
    let token = &r.token;
    let consume = built(
        Update::builder()
            .table_name(&store.table)
            .key(attr::PK, s(token_key(&token.hash)))
            .update_expression("SET #usedAt = :now")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(#usedAt) AND #validUntil > :now",
            )
            .expression_attribute_names("#usedAt", attr::USED_AT)
            .expression_attribute_names("#validUntil", attr::VALID_UNTIL)
            .expression_attribute_values(":now", time(r.now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build(),
    )?;
    // Bumping both generations kills every other setup and reset link in this same write;
    // the new session version ends every earlier session; a language the tech chose on the
    // link's page becomes theirs.
    let set_credential = Update::builder()
        .table_name(&store.table)
        .key(attr::PK, s(home_key(&token.contacts.home())))
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_names("#gen", generation_attr(token.purpose))
        .expression_attribute_values(":id", s(&token.user_id.0))
        .expression_attribute_values(":gen", n(token.generation))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    let condition = "attribute_exists(pk) AND #id = :id AND #gen = :gen";
    let (mut set_credential, expression, condition, pointer) = match &r.credential {
        NewCredential::Password(hash) => {
            let update = OwnPassword {
                hash,
                session_version: &r.new_session_version,
            }
            .apply(
                set_credential,
                |b, k, v| b.expression_attribute_names(k, v),
                |b, k, v| b.expression_attribute_values(k, v),
            )?;
            (update, SET_OWN_PASSWORD, condition.to_owned(), None)
        }
        NewCredential::Passkey { handle, passkey } => {
            let update =
                passkeys::own_passkey(set_credential, handle, passkey, &r.new_session_version)?;
            let pointer =
                passkeys::put_pointer(store, &passkey.id, &token.user_id, &token.contacts.home())?;
            let condition = format!("{condition} AND {}", passkeys::MAY_APPEND);
            (update, passkeys::SET_OWN_PASSKEY, condition, Some(pointer))
        }
    };
    let expression = match r.locale {
        None => expression.to_owned(),
        Some(locale) => {
            set_credential = set_credential
                .expression_attribute_names("#locale", attr::LOCALE)
                .expression_attribute_values(":locale", value("locale", locale)?);
            with_locale(expression)
        }
    };
    let set_credential = built(
        set_credential
            .update_expression(expression)
            .condition_expression(condition)
            .build(),
    )?;
    let mut items = vec![update_item(consume), update_item(set_credential)];
    items.extend(pointer);
    items.extend(super::audit::puts(store, &r.audit)?);
    match store.transact("redeem token", items).await {
        Ok(()) => Ok(redeemed_user(r)),
        Err(Err(e)) => Err(e),
        Err(Ok(cancelled)) => Err(match (cancelled.failed(0), cancelled.failed(1)) {
            (Some(None), _) => StoreError::TokenInvalid,
            (Some(Some(old)), _) => {
                let stored = token_from_item(token.hash, old.clone())?;
                // The condition failed on the token: why is the domain's to say. One that
                // passes every check lost to a concurrent change, so it is invalid now.
                match stored.check(stored.purpose, r.now) {
                    Err(problem) => problem.into(),
                    Ok(()) => StoreError::TokenInvalid,
                }
            }
            // The token was fine and the user was not: their generation moved on (a newer
            // link, or a credential set meanwhile), the user is gone, or (a passkey) the domain
            // refuses it on the user as they are.
            (None, Some(old)) => refused_credential(r, old)?,
            // Only the passkey's pointer failed (its credential id is stored already), or an
            // event's put (its id exists: a retry of this write).
            (None, None) => StoreError::Conflict,
        }),
    }
}

/// Why the user's update of a redemption failed, from the item as it stood (`old`).
fn refused_credential(r: &Redemption, old: Option<&Item>) -> Result<StoreError, StoreError> {
    let user = old.cloned().map(user_from_item).transpose()?;
    if r.token.check_user(user.as_ref()).is_err() {
        return Ok(StoreError::TokenInvalid);
    }
    Ok(match (&r.credential, user) {
        (NewCredential::Passkey { handle, passkey }, Some(mut user)) => {
            match user.add_passkey(handle, passkey.clone()) {
                Err(refused) => refused.into(),
                // Changed since, and back: lost a race all the same.
                Ok(()) => StoreError::Conflict,
            }
        }
        _ => StoreError::TokenInvalid,
    })
}

/// The user as the redemption left them, from the token's copy of the identity: DynamoDB's
/// transactions return no item, and a read would cost a round trip (see `Store::redeem_token`).
///
/// With a passkey, the answer knows of no password or other passkey the user already had (a
/// reset keeps both): `password_hash` is `None` and `passkeys` only the new one, as the token's
/// copy stands for the rest of the user. What signing in computes from it holds either way:
/// `mustChangePassword` (the new passkey is a credential of their own) and the session version.
fn redeemed_user(r: &Redemption) -> User {
    let t = &r.token;
    let next = t.generation + 1;
    let (password_hash, passkey_handle, passkeys) = match &r.credential {
        NewCredential::Password(hash) => (Some(hash.clone()), None, Vec::new()),
        NewCredential::Passkey { handle, passkey } => {
            (None, Some(handle.clone()), vec![passkey.clone()])
        }
    };
    User {
        id: t.user_id.clone(),
        org_id: t.org_id.clone(),
        org_name: t.org_name.clone(),
        contacts: t.contacts.clone(),
        name: t.name.clone(),
        role: t.role,
        status: UserStatus::Active,
        created_at: t.user_created_at,
        temporary_password_hash: None,
        password_hash,
        session_version: r.new_session_version.clone(),
        setup_generation: if t.purpose == TokenPurpose::Setup {
            next
        } else {
            0
        },
        reset_generation: if t.purpose == TokenPurpose::Reset {
            next
        } else {
            0
        },
        invite: None,
        locale: r.locale.or(t.locale),
        passkey_handle,
        passkeys,
    }
}

#[async_trait]
impl Links for DynamoStore {
    async fn token(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        by_hash(self, hash).await
    }

    async fn issue_token_with_mail(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail_jobs: &[MailJob],
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        issue(self, token, invite, mail_jobs, audit).await
    }

    async fn issue_token_within_limits(
        &self,
        token: &TokenRecord,
        invite: Option<&Invite>,
        mail_jobs: &[MailJob],
        slots: &Slots<'_>,
    ) -> Result<bool, StoreError> {
        issue_within_limits(self, token, invite, mail_jobs, slots).await
    }

    async fn redeem_token(&self, r: &Redemption) -> Result<User, StoreError> {
        redeem(self, r).await
    }

    async fn newest_token(
        &self,
        user: &User,
        purpose: TokenPurpose,
    ) -> Result<Option<TokenRecord>, StoreError> {
        newest(self, user, purpose).await
    }

    async fn take_wrong_code_slot(&self, hash: &TokenHash, max: u32) -> Result<bool, StoreError> {
        take_wrong_code_slot(self, hash, max).await
    }

    async fn give_back_wrong_code_slot(&self, hash: &TokenHash) -> Result<(), StoreError> {
        give_back_wrong_code_slot(self, hash).await
    }
}
