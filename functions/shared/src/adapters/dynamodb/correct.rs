//! An admin's correction of a user (`Crew::correct_user`), in one transaction. A user's items are
//! keyed by their contacts: the user item under the home identifier (`EMAIL#`, or `PHONE#` for a
//! user without an email), a `PHONE#` pointer for a phone beside an email, and the `USER#` pointer
//! naming the home. A changed email or phone moves items between keys, so the transaction is built
//! key by key: each key of the user before and after gets exactly one action.
//!
//! - The old home item is the condition that nothing changed since the read (every attribute a
//!   correction rewrites or another writer moves, [`as_read`]): it is rewritten in place, replaced
//!   by the phone's pointer, or deleted.
//! - The old phone pointer must still be this user's: kept, replaced by the user item, or deleted.
//! - A key the user did not have is put only if nobody has it (`EmailTaken`, `PhoneTaken`).
//! - When the home moves, the `USER#` pointer and every passkey's `PASSKEY#` pointer are
//!   rewritten to name the new one.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

use super::errors::built;
use super::items::{from_item, PasskeyPointerItem, PhoneItem, StoredPasskey, UserIdItem, UserItem};
use super::layout::{attr, home_key, n, s, time, value, Item};
use super::requests::put_item;
use super::DynamoStore;
use crate::domain::{AuditEvent, User};
use crate::ports::StoreError;

/// What one key ends up holding.
enum Action {
    User(Item),
    Pointer(Item),
    Delete,
}

pub(super) async fn correct(
    store: &DynamoStore,
    before: &User,
    after: &User,
    audit: &[AuditEvent],
) -> Result<(), StoreError> {
    let old_home = home_key(&before.home());
    let Some(stored) = store.get("read user to correct", old_home.clone()).await? else {
        return Err(StoreError::UserNotFound);
    };
    let stored: UserItem = from_item("user", stored)?;
    let current = stored.clone_user()?;
    if current.id != before.id {
        return Err(StoreError::UserNotFound);
    }
    // Anything moved since the service's read (the write's condition says the same, atomically).
    if current != *before {
        return Err(StoreError::Conflict);
    }
    let new_home = home_key(&after.home());
    // A change of contacts kills every link (new generations): the recorded newest tokens are
    // dead, and are only kept when the contacts stay.
    let mut user_item = UserItem::from(after);
    if after.contacts == before.contacts {
        user_item = user_item.keeping_tokens_of(&stored);
    }
    let user_item = super::items::to_item("user", &user_item)?;
    let old_pointer = PhoneItem::of(before).map(|p| p.key().to_owned());
    let new_pointer = PhoneItem::of(after)
        .map(|p| Ok::<_, StoreError>((p.key().to_owned(), super::items::to_item("phone", &p)?)))
        .transpose()?;

    let mut keys: Vec<(String, Action)> = Vec::new();
    let mut want = |key: &str, action: Action| keys.push((key.to_owned(), action));
    want(&new_home, Action::User(user_item));
    if let Some((key, item)) = &new_pointer {
        // A pointer names the email its user is filed under: rewritten when that moved.
        if Some(key) != old_pointer.as_ref() || new_home != old_home {
            want(key, Action::Pointer(item.clone()));
        }
    }
    for old in [Some(&old_home), old_pointer.as_ref()]
        .into_iter()
        .flatten()
    {
        let kept = *old == new_home || new_pointer.as_ref().is_some_and(|(k, _)| k == old);
        if !kept {
            want(old, Action::Delete);
        }
    }

    let mut items = Vec::new();
    let mut taken_at = Vec::new();
    for (key, action) in keys {
        let condition = if key == old_home {
            Condition::AsRead
        } else if Some(&key) == old_pointer.as_ref() {
            Condition::OurPointer
        } else {
            taken_at.push((items.len(), key.clone()));
            Condition::Free
        };
        items.push(write(store, &key, action, condition, before)?);
    }
    if new_home != old_home {
        let pointer = super::items::to_item("user id", &UserIdItem::from(after))?;
        let put = built(
            Put::builder()
                .table_name(&store.table)
                .set_item(Some(pointer))
                .build(),
        )?;
        items.push(put_item(put));
        // Each passkey's pointer names where its user is filed. The condition on the old home
        // says these are all of the user's passkeys.
        for passkey in &after.passkeys {
            let pointer = PasskeyPointerItem::new(&passkey.id, &after.id, &after.home());
            let put = built(
                Put::builder()
                    .table_name(&store.table)
                    .set_item(Some(super::items::to_item("passkey pointer", &pointer)?))
                    .build(),
            )?;
            items.push(put_item(put));
        }
    }
    // The events last: at most 6 items above and a pointer per passkey (`MAX_PASSKEYS`), far
    // under a transaction's 100.
    items.extend(super::audit::puts(store, audit)?);
    match store.transact("correct user", items).await {
        Ok(()) => Ok(()),
        Err(Err(e)) => Err(e),
        Err(Ok(cancelled)) => {
            for (index, key) in &taken_at {
                if cancelled.failed(*index).is_some() {
                    return Err(if key.starts_with("PHONE#") {
                        StoreError::PhoneTaken
                    } else {
                        StoreError::EmailTaken
                    });
                }
            }
            Err(StoreError::Conflict)
        }
    }
}

/// A condition expression with its names and values.
struct Check {
    expression: String,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

enum Condition {
    /// The user item as this correction read it.
    AsRead,
    /// This user's phone pointer.
    OurPointer,
    /// Nobody's.
    Free,
}

/// The condition that the user item is still exactly as `before` was read: every attribute a
/// correction rewrites (it puts the whole item) and every one another writer moves (the outbox
/// and delivery events the invite, an enable the status, a sign-in's rehash the hashes, another
/// correction the name, role and locale, a passkey's sign-in, addition or removal the passkeys),
/// so a correction never writes back over a change it did not see.
fn as_read(before: &User) -> Result<Check, StoreError> {
    let mut check = Check {
        expression: "#id = :id AND #sv = :sv AND #sg = :sg AND #rg = :rg AND #status = :status \
                     AND #role = :role"
            .to_owned(),
        names: vec![
            ("#id", attr::ID),
            ("#sv", attr::SESSION_VERSION),
            ("#sg", attr::SETUP_GENERATION),
            ("#rg", attr::RESET_GENERATION),
            ("#status", attr::STATUS),
            ("#role", attr::ROLE),
        ],
        values: vec![
            (":id", s(&before.id.0)),
            (":sv", s(&before.session_version)),
            (":sg", n(before.setup_generation)),
            (":rg", n(before.reset_generation)),
            (":status", value("user status", before.status)?),
            (":role", value("role", before.role)?),
        ],
    };
    let invite = before.invite.as_ref();
    let optional: [(
        &'static str,
        &'static str,
        &'static str,
        Option<AttributeValue>,
    ); 8] = [
        ("#name", attr::NAME, ":name", before.name.as_deref().map(s)),
        (
            "#locale",
            attr::LOCALE,
            ":locale",
            before.locale.map(|l| value("locale", l)).transpose()?,
        ),
        (
            "#inviteStatus",
            attr::INVITE_STATUS,
            ":inviteStatus",
            invite
                .map(|i| value("invite status", i.status))
                .transpose()?,
        ),
        (
            "#messageId",
            attr::INVITE_MESSAGE_ID,
            ":messageId",
            invite.and_then(|i| i.message_id.as_deref()).map(s),
        ),
        (
            "#reminded",
            attr::INVITE_REMINDER_SENT_AT,
            ":reminded",
            invite.and_then(|i| i.reminder_sent_at).map(time),
        ),
        (
            "#passwordHash",
            attr::PASSWORD_HASH,
            ":passwordHash",
            before.password_hash.as_deref().map(s),
        ),
        (
            "#temporaryHash",
            attr::TEMPORARY_PASSWORD_HASH,
            ":temporaryHash",
            before.temporary_password_hash.as_deref().map(s),
        ),
        (
            "#passkeyHandle",
            attr::PASSKEY_HANDLE,
            ":passkeyHandle",
            before.passkey_handle.as_deref().map(s),
        ),
    ];
    for (name, attribute, placeholder, was) in optional {
        check.names.push((name, attribute));
        match was {
            Some(v) => {
                check
                    .expression
                    .push_str(&format!(" AND {name} = {placeholder}"));
                check.values.push((placeholder, v));
            }
            None => check
                .expression
                .push_str(&format!(" AND attribute_not_exists({name})")),
        }
    }
    // The passkeys as read, whole (a list compares element by element, a map attribute by
    // attribute): an added or removed one, and a sign-in's counter, are changes too.
    check.names.push(("#passkeys", attr::PASSKEYS));
    if before.passkeys.is_empty() {
        // Never had one, or the last one was removed (an empty list stays).
        check
            .expression
            .push_str(" AND (attribute_not_exists(#passkeys) OR size(#passkeys) = :noPasskeys)");
        check.values.push((":noPasskeys", n(0)));
    } else {
        let stored: Vec<StoredPasskey> = before.passkeys.iter().map(StoredPasskey::from).collect();
        check.expression.push_str(" AND #passkeys = :passkeys");
        check.values.push((":passkeys", value("passkeys", stored)?));
    }
    Ok(check)
}

fn write(
    store: &DynamoStore,
    key: &str,
    action: Action,
    condition: Condition,
    before: &User,
) -> Result<TransactWriteItem, StoreError> {
    let Check {
        expression,
        names,
        values,
    } = match condition {
        Condition::Free => Check {
            expression: "attribute_not_exists(pk)".into(),
            names: vec![],
            values: vec![],
        },
        Condition::OurPointer => Check {
            expression: "#entity = :phone AND #userId = :id".into(),
            names: vec![("#entity", attr::ENTITY), ("#userId", attr::USER_ID)],
            values: vec![(":phone", s("phone")), (":id", s(&before.id.0))],
        },
        Condition::AsRead => as_read(before)?,
    };
    let item = match action {
        Action::User(item) | Action::Pointer(item) => item,
        Action::Delete => {
            let mut delete = Delete::builder()
                .table_name(&store.table)
                .key(attr::PK, s(key))
                .condition_expression(expression);
            for (k, v) in names {
                delete = delete.expression_attribute_names(k, v);
            }
            for (k, v) in values {
                delete = delete.expression_attribute_values(k, v);
            }
            return Ok(TransactWriteItem::builder()
                .delete(built(delete.build())?)
                .build());
        }
    };
    let mut put = Put::builder()
        .table_name(&store.table)
        .set_item(Some(item))
        .condition_expression(expression);
    for (k, v) in names {
        put = put.expression_attribute_names(k, v);
    }
    for (k, v) in values {
        put = put.expression_attribute_values(k, v);
    }
    Ok(put_item(built(put.build())?))
}
